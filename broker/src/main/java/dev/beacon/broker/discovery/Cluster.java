package dev.beacon.broker.discovery;

import com.typesafe.config.Config;
import dev.beacon.broker.Broker;
import dev.beacon.common.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Cluster membership for one broker: registers its interest with every lookupd and turns the
 * brokers lookupd knows into route peers (issue 4). The work is done by {@link Membership}; this
 * class adapts the {@link Broker} to it.
 */
public final class Cluster {
  private final Membership membership;

  public Cluster(Broker broker, Config config) {
    this.membership = new Membership(hostOf(broker), ClusterOptions.from(config));
  }

  /**
   * Reads and checks the cluster settings of {@code config} (the {@code broker} block), so that a
   * bad value fails before any listener starts; throws IllegalArgumentException or ConfigException.
   */
  public static void validate(Config config) {
    ClusterOptions.from(config);
  }

  /** Called by the broker on its own context once its listeners accept. */
  public Future<Void> start() {
    return membership.start();
  }

  /** Called by the broker on its own context when it stops. */
  public Future<Void> stop() {
    return membership.stop();
  }

  Membership membership() {
    return membership;
  }

  private static ClusterHost hostOf(Broker broker) {
    return new ClusterHost() {
      @Override
      public Context context() {
        return broker.context();
      }

      @Override
      public int clientPort() {
        return broker.clientPort();
      }

      @Override
      public int httpPort() {
        return broker.httpPort();
      }

      @Override
      public String serverId() {
        return broker.serverId();
      }

      @Override
      public void addInterestListener(InterestSink sink) {
        broker.addInterestListener(sink::onInterest);
      }

      @Override
      public void forEachLocalSubscription(BiConsumer<String, String> action) {
        broker.forEachLocalSubscription(action);
      }

      @Override
      public void setRoutePeers(Set<HostPort> peers) {
        broker.setRoutePeers(peers);
      }
    };
  }
}
