package dev.beacon.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** The /routez answer (nats-server's field names and order). Built by {@link MonitorData#routez}. */
record Routez(
    @JsonProperty("server_id") String serverId,
    @JsonProperty("server_name") String serverName,
    @JsonProperty("now") String now,
    @JsonProperty("num_routes") int numRoutes,
    @JsonProperty("routes") List<Route> routes) {

  /** One registered route; {@code subscriptions_list} ("subject" or "subject queue") only when asked. */
  record Route(
      @JsonProperty("rid") long rid,
      /** Null until the route's INFO arrived (written as null, as before). */
      @JsonProperty("remote_id") String remoteId,
      @JsonProperty("remote_name") String remoteName,
      @JsonProperty("did_solicit") boolean didSolicit,
      @JsonProperty("is_configured") boolean isConfigured,
      @JsonProperty("ip") String ip,
      @JsonProperty("port") int port,
      @JsonProperty("start") String start,
      @JsonProperty("last_activity") String lastActivity,
      @JsonProperty("uptime") String uptime,
      @JsonProperty("idle") String idle,
      @JsonProperty("pending_size") int pendingSize,
      @JsonProperty("in_msgs") long inMsgs,
      @JsonProperty("out_msgs") long outMsgs,
      @JsonProperty("in_bytes") long inBytes,
      @JsonProperty("out_bytes") long outBytes,
      @JsonProperty("subscriptions") int subscriptions,
      @JsonProperty("subscriptions_list") @JsonInclude(JsonInclude.Include.NON_NULL) List<String> subscriptionsList,
      @JsonProperty("account") String account) {
  }
}
