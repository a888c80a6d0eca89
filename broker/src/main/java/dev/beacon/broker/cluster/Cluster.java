package dev.beacon.broker.cluster;

import com.typesafe.config.Config;
import dev.beacon.broker.Broker;
import io.vertx.core.Future;

/**
 * Cluster membership for one broker: registers its interest with every lookupd and turns the
 * brokers lookupd knows into route peers. (Being built: issue 4.)
 */
public final class Cluster {
  private final Broker broker;
  private final Config config;

  public Cluster(Broker broker, Config config) {
    this.broker = broker;
    this.config = config;
  }

  /** Called by the broker on its own context once its listeners accept. */
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  /** Called by the broker on its own context when it stops. */
  public Future<Void> stop() {
    return Future.succeededFuture();
  }
}
