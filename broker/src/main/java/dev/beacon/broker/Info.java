package dev.beacon.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The INFO a server sends, to a client (with {@code client_id}, {@code client_ip},
 * {@code auth_required}) or to a route (with the advertised route {@code host}/{@code port}); keys in
 * nats-server's order, absent when null. Also what this broker reads from a peer's route INFO.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"server_id", "server_name", "version", "proto", "go", "host", "port", "headers",
    "auth_required", "tls_required", "tls_verify", "max_payload", "client_id", "client_ip", "cluster", "connect_urls", "ldm"})
record Info(
    @JsonProperty("server_id") String serverId,
    @JsonProperty("server_name") String serverName,
    @JsonProperty("version") String version,
    @JsonProperty("proto") int proto,
    @JsonProperty("go") String go,
    @JsonProperty("host") String host,
    @JsonProperty("port") int port,
    @JsonProperty("headers") boolean headers,
    /** True, or null (absent) when no auth is configured. */
    @JsonProperty("auth_required") Boolean authRequired,
    /** True with TLS (clients: tls-cert; routes: route-tls-cert), else null (absent). */
    @JsonProperty("tls_required") Boolean tlsRequired,
    /** Client certificates required: true, else null; on routes, the route-tls-verify value with route TLS. */
    @JsonProperty("tls_verify") Boolean tlsVerify,
    @JsonProperty("max_payload") int maxPayload,
    @JsonProperty("client_id") Long clientId,
    @JsonProperty("client_ip") String clientIp,
    @JsonProperty("cluster") String cluster,
    @JsonProperty("connect_urls") List<String> connectUrls,
    /** True in lame duck mode, else null (absent). */
    @JsonProperty("ldm") Boolean lameDuck) {

  /** A peer's route INFO, read as leniently as the fields allow (missing: "", 0, false, empty). */
  static Info fromRoute(JsonNode info) {
    List<String> urls = new ArrayList<>();
    for (JsonNode u : info.path("connect_urls")) {
      urls.add(u.asText());
    }
    String id = info.path("server_id").asText("");
    return new Info(id, info.path("server_name").asText(id), info.path("version").asText(""),
        info.path("proto").asInt(0), info.path("go").asText(""), info.path("host").asText(""),
        info.path("port").asInt(0), info.path("headers").asBoolean(false), null, null, null, info.path("max_payload").asInt(0),
        null, null, info.path("cluster").asText(""), List.copyOf(urls), info.path("ldm").asBoolean(false));
  }

  boolean inLameDuck() {
    return Boolean.TRUE.equals(lameDuck);
  }
}
