package dev.beacon.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The /subsz answer (nats-server's field names and order); the list part only when subscriptions
 * or a test subject were asked for. Built by {@link MonitorData#subsz}.
 */
record Subsz(
    @JsonProperty("server_id") String serverId,
    @JsonProperty("now") String now,
    @JsonProperty("num_subscriptions") int numSubscriptions,
    @JsonProperty("num_cache") int numCache,
    @JsonProperty("num_inserts") long numInserts,
    @JsonProperty("num_removes") long numRemoves,
    @JsonProperty("num_matches") long numMatches,
    @JsonProperty("cache_hit_rate") double cacheHitRate,
    @JsonProperty("total") @JsonInclude(JsonInclude.Include.NON_NULL) Integer total,
    @JsonProperty("offset") @JsonInclude(JsonInclude.Include.NON_NULL) Integer offset,
    @JsonProperty("limit") @JsonInclude(JsonInclude.Include.NON_NULL) Integer limit,
    @JsonProperty("subscriptions_list") @JsonInclude(JsonInclude.Include.NON_NULL) List<Subscription> subscriptionsList) {

  /** What /subsz was asked: list subscriptions, or those matching {@code test}; paging. */
  record Query(boolean subs, String test, int offset, int limit) {
  }

  /**
   * One subscription, in /subsz and in /connz?subs=detail; absent when null: {@code qgroup} for
   * plain ones, {@code sid} for a route's, {@code max} without auto-unsubscribe (and always in /subsz).
   */
  record Subscription(
      @JsonProperty("subject") String subject,
      @JsonProperty("qgroup") @JsonInclude(JsonInclude.Include.NON_NULL) String qgroup,
      @JsonProperty("sid") @JsonInclude(JsonInclude.Include.NON_NULL) String sid,
      @JsonProperty("msgs") long msgs,
      @JsonProperty("max") @JsonInclude(JsonInclude.Include.NON_NULL) Long max,
      @JsonProperty("cid") @JsonInclude(JsonInclude.Include.NON_NULL) Long cid) {
  }
}
