package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;

/** A client's CONNECT, with nats-server's defaults for what it leaves out. */
record ClientConnect(
    boolean verbose,
    boolean pedantic,
    boolean echo,
    boolean headers,
    boolean noResponders,
    int protocol,
    String name,
    String lang,
    String version,
    String authToken,
    String user,
    String pass) {

  static ClientConnect from(JsonNode c) {
    return new ClientConnect(
        c.path("verbose").asBoolean(true),
        c.path("pedantic").asBoolean(true),
        c.path("echo").asBoolean(true),
        c.path("headers").asBoolean(false),
        c.path("no_responders").asBoolean(false),
        c.path("protocol").asInt(0),
        c.path("name").asText(""),
        c.path("lang").asText(""),
        c.path("version").asText(""),
        c.path("auth_token").asText(""),
        c.path("user").asText(""),
        c.path("pass").asText(""));
  }
}
