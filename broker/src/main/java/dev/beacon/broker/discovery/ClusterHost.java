package dev.beacon.broker.discovery;

import dev.beacon.common.HostPort;
import io.vertx.core.Context;

import java.util.Set;
import java.util.function.BiConsumer;

/** What cluster membership needs from its broker (the contract of issue 4), so it can be tested with a fake. */
interface ClusterHost {

  /** Receives one call per local subscription added or removed ({@code queue} null for plain subs). */
  interface InterestSink {
    void onInterest(String subject, String queue, boolean added);
  }

  /** The broker's owning context: every socket and timer of the cluster code runs there. */
  Context context();

  int clientPort();

  int httpPort();

  String serverId();

  void addInterestListener(InterestSink sink);

  /** Replays current local interest, one call per local subscription. */
  void forEachLocalSubscription(BiConsumer<String, String> action);

  /** The full desired set of route peers. */
  void setRoutePeers(Set<HostPort> peers);
}
