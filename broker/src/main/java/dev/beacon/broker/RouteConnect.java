package dev.beacon.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The CONNECT a route sends first when it dialled (keys in nats-server's order); {@code name} is the
 * sender's server id. Read back leniently from a peer: a client's CONNECT (it has {@code lang})
 * arriving on the route port is refused by the caller. {@code user}/{@code pass} are the cluster
 * credentials (route-user, route-password), absent when none are set.
 */
@JsonPropertyOrder({"echo", "verbose", "pedantic", "user", "pass", "tls_required", "headers", "name", "cluster",
    "dynamic"})
record RouteConnect(
    @JsonProperty("echo") boolean echo,
    @JsonProperty("verbose") boolean verbose,
    @JsonProperty("pedantic") boolean pedantic,
    @JsonProperty("user") @JsonInclude(JsonInclude.Include.NON_EMPTY) String user,
    @JsonProperty("pass") @JsonInclude(JsonInclude.Include.NON_EMPTY) String pass,
    @JsonProperty("tls_required") boolean tlsRequired,
    @JsonProperty("headers") boolean headers,
    @JsonProperty("name") String name,
    @JsonProperty("cluster") String cluster,
    @JsonProperty("dynamic") boolean dynamic,
    /** Only clients send it; never written. */
    @com.fasterxml.jackson.annotation.JsonIgnore String lang) {

  /** What this broker sends; {@code user} "" sends no credentials. */
  static RouteConnect of(String serverId, String clusterName, String user, String pass, boolean tls) {
    return new RouteConnect(true, false, false, user, pass, tls, true, serverId, clusterName, false, "");
  }

  static RouteConnect from(JsonNode c) {
    return new RouteConnect(c.path("echo").asBoolean(false), c.path("verbose").asBoolean(false),
        c.path("pedantic").asBoolean(false), c.path("user").asText(""), c.path("pass").asText(""),
        c.path("tls_required").asBoolean(false),
        c.path("headers").asBoolean(false), c.path("name").asText(""), c.path("cluster").asText(""),
        c.path("dynamic").asBoolean(false), c.path("lang").asText(""));
  }
}
