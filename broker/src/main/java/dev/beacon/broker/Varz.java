package dev.beacon.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The /varz answer: nats-server's field names, in its order, plus Beacon's own {@code beacon} and
 * {@code beacon_version}. Built by {@link MonitorData#varz}.
 *
 * <p>Other Beacon brokers read this answer during lookupd discovery (to turn a node lookupd lists
 * into a route address), so these fields are a contract between versions:
 * <ul>
 *   <li>{@code beacon}: always true; a node without it is not a Beacon broker and is never routed to;
 *   <li>{@code server_id}: a node that answers with the reader's own id is itself;
 *   <li>{@code cluster.cluster_port}: the route port to dial;
 *   <li>{@code cluster.addr}: the host to dial it on (the route INFO's advertised host; when empty
 *       the reader uses the address lookupd listed).
 * </ul>
 */
record Varz(
    /** Marks a Beacon broker for discovery (see above). */
    @JsonProperty("beacon") boolean beacon,
    @JsonProperty("server_id") String serverId,
    @JsonProperty("server_name") String serverName,
    @JsonProperty("version") String version,
    @JsonProperty("beacon_version") String beaconVersion,
    @JsonProperty("proto") int proto,
    @JsonProperty("go") String go,
    @JsonProperty("host") String host,
    @JsonProperty("port") int port,
    @JsonProperty("auth_required") boolean authRequired,
    /** Client TLS on (tls-cert), else absent. */
    @JsonProperty("tls_required") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean tlsRequired,
    /** Client certificates required (tls-verify), else absent. */
    @JsonProperty("tls_verify") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean tlsVerify,
    @JsonProperty("max_connections") int maxConnections,
    /** Nanoseconds, as nats-server's Go duration. */
    @JsonProperty("ping_interval") long pingInterval,
    @JsonProperty("ping_max") int pingMax,
    @JsonProperty("http_host") String httpHost,
    /** The monitoring port when it speaks plain HTTP, else 0 (nats-server). */
    @JsonProperty("http_port") int httpPort,
    /** The monitoring port when it speaks HTTPS (http-tls-cert), else 0. */
    @JsonProperty("https_port") int httpsPort,
    /** Seconds. */
    @JsonProperty("auth_timeout") double authTimeout,
    @JsonProperty("max_control_line") int maxControlLine,
    @JsonProperty("max_payload") int maxPayload,
    @JsonProperty("max_pending") long maxPending,
    @JsonProperty("max_subscriptions") int maxSubscriptions,
    @JsonProperty("cluster") Cluster cluster,
    /** Client TLS handshake timeout, seconds. */
    @JsonProperty("tls_timeout") double tlsTimeout,
    /** Nanoseconds, as nats-server's Go duration. */
    @JsonProperty("write_deadline") long writeDeadline,
    @JsonProperty("start") String start,
    @JsonProperty("now") String now,
    @JsonProperty("uptime") String uptime,
    @JsonProperty("mem") long mem,
    @JsonProperty("cores") int cores,
    @JsonProperty("cpu") double cpu,
    @JsonProperty("connections") int connections,
    @JsonProperty("total_connections") long totalConnections,
    @JsonProperty("routes") int routes,
    @JsonProperty("remotes") int remotes,
    @JsonProperty("in_msgs") long inMsgs,
    @JsonProperty("out_msgs") long outMsgs,
    @JsonProperty("in_bytes") long inBytes,
    @JsonProperty("out_bytes") long outBytes,
    @JsonProperty("slow_consumers") long slowConsumers,
    @JsonProperty("slow_consumer_stats") SlowConsumerStats slowConsumerStats,
    @JsonProperty("stale_connections") long staleConnections,
    @JsonProperty("subscriptions") int subscriptions,
    /** Requests per known monitoring path (unknown paths are not counted, so the map stays bounded). */
    @JsonProperty("http_req_stats") Map<String, Long> httpReqStats,
    @JsonProperty("connect_urls") List<String> connectUrls,
    /** Beacon: times a publishing client stopped being read for a consumer past half of its max-pending. */
    @JsonProperty("stalls") long stalls,
    /** Beacon: budget for the unsent bytes of all connections (max-pending-total, in bytes). */
    @JsonProperty("max_pending_total") long maxPendingTotal,
    /** Beacon: unsent bytes of all connections, as counted at their last flush. */
    @JsonProperty("pending_total") long pendingTotal,
    /** Beacon: clients cut because pending_total passed max_pending_total (also in slow_consumers). */
    @JsonProperty("pending_total_cuts") long pendingTotalCuts,
    /** True in lame duck mode, else absent. */
    @JsonProperty("ldm") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean lameDuck) {

  /** The route listener and the configured routes; {@code addr} and {@code cluster_port} are read by discovery. */
  record Cluster(
      @JsonProperty("name") String name,
      /** Route host other brokers dial (broadcast-address, else the listen host, else the hostname). */
      @JsonProperty("addr") String addr,
      /** Bound route port; 0 when the broker is not clustered (no route listener). */
      @JsonProperty("cluster_port") int clusterPort,
      @JsonProperty("urls") List<String> urls,
      /** Route TLS on (route-tls-cert), else absent. */
      @JsonProperty("tls_required") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean tlsRequired,
      /** Accepted routes must present a certificate (route-tls-verify), with route TLS only. */
      @JsonProperty("tls_verify") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean tlsVerify) {
  }

  record SlowConsumerStats(
      @JsonProperty("clients") long clients,
      @JsonProperty("routes") long routes,
      @JsonProperty("gateways") long gateways,
      @JsonProperty("leafs") long leafs) {
  }
}
