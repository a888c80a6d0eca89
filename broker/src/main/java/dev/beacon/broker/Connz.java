package dev.beacon.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The /connz answer (nats-server's field names and order). Built by {@link MonitorData#connz}. */
record Connz(
    @JsonProperty("server_id") String serverId,
    @JsonProperty("now") String now,
    @JsonProperty("num_connections") int numConnections,
    @JsonProperty("total") int total,
    @JsonProperty("offset") int offset,
    @JsonProperty("limit") int limit,
    @JsonProperty("connections") List<Connection> connections) {

  /** What /connz was asked: paging, sort key, subscription detail, one cid, open/closed/any. */
  record Query(int offset, int limit, String sort, boolean subs, boolean detail, String cid, String state) {
  }

  /** One client connection, open or closed ({@code stop} and {@code reason} only when closed). */
  record Connection(
      @JsonProperty("cid") long cid,
      @JsonProperty("kind") String kind,
      @JsonProperty("type") String type,
      @JsonProperty("ip") String ip,
      @JsonProperty("port") int port,
      @JsonProperty("start") String start,
      @JsonProperty("last_activity") String lastActivity,
      @JsonProperty("uptime") String uptime,
      @JsonProperty("idle") String idle,
      @JsonProperty("pending_bytes") int pendingBytes,
      @JsonProperty("in_msgs") long inMsgs,
      @JsonProperty("out_msgs") long outMsgs,
      @JsonProperty("in_bytes") long inBytes,
      @JsonProperty("out_bytes") long outBytes,
      @JsonProperty("subscriptions") int subscriptions,
      @JsonProperty("name") String name,
      @JsonProperty("lang") String lang,
      @JsonProperty("version") String version,
      /** Negotiated TLS version ("1.3"), TLS connections only. */
      @JsonProperty("tls_version") @JsonInclude(JsonInclude.Include.NON_NULL) String tlsVersion,
      @JsonProperty("tls_cipher_suite") @JsonInclude(JsonInclude.Include.NON_NULL) String tlsCipherSuite,
      @JsonProperty("authorized_user") @JsonInclude(JsonInclude.Include.NON_NULL) String authorizedUser,
      @JsonProperty("subscriptions_list") @JsonInclude(JsonInclude.Include.NON_NULL) List<String> subscriptionsList,
      @JsonProperty("subscriptions_list_detail") @JsonInclude(JsonInclude.Include.NON_NULL)
      List<Subsz.Subscription> subscriptionsListDetail,
      @JsonProperty("stop") @JsonInclude(JsonInclude.Include.NON_NULL) String stop,
      @JsonProperty("reason") @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
  }
}
