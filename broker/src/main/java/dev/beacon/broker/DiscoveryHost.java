package dev.beacon.broker;

import dev.beacon.common.HostPort;
import io.vertx.core.Context;

import java.util.Set;

/**
 * What the broker shows its {@link Discovery}: its identity and bound ports, its local interest,
 * and the one thing discovery may change, the set of route peers. Call only on {@link #context()}.
 */
public interface DiscoveryHost {

  /** Called once per local client subscription added or removed ({@code queue} null for plain subscriptions). */
  interface InterestListener {
    void onInterest(String subject, String queue, boolean added);
  }

  /** The broker's owning context: every socket and timer of discovery runs there. */
  Context context();

  int clientPort();

  /** The NSQ listener's bound port, or -1 when there is none. */
  int nsqPort();

  int httpPort();

  String serverId();

  /** The broker's local interest, live (read it on {@link #context()}). */
  LocalInterestView localInterest();

  void addInterestListener(InterestListener listener);

  /** What the NSQ side registers (NSQ topics, channels with consumers), live. */
  NsqRegistrationsView nsqRegistrations();

  /** Called with (topic, channel-or-null) whenever an NSQ registration may have changed. */
  void addNsqListener(java.util.function.BiConsumer<String, String> listener);

  /** The full desired set of discovered route peers (replaces the previous set). */
  void setRoutePeers(Set<HostPort> peers);
}
