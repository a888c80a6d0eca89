package dev.beacon.broker;

import io.vertx.core.Future;

/**
 * How the broker finds its route peers (and tells others about itself): the broker starts it once
 * its listeners accept and stops it first when it shuts down (also on entering lame duck mode).
 * The core knows discovery only through this interface and {@link DiscoveryHost}; the lookupd
 * implementation lives in {@code dev.beacon.broker.discovery}.
 */
public interface Discovery {

  /** Called on the broker's context; must not wait for a peer (a lookupd that is down never delays the broker). */
  Future<Void> start();

  /** Called on the broker's context, at most once. */
  Future<Void> stop();

  /** Creates the discovery of one broker, given the view the broker hands it. */
  @FunctionalInterface
  interface Factory {
    Discovery create(DiscoveryHost host, DiscoveryOptions options);
  }

  /** No discovery: routes come only from the configured {@code routes}. */
  Factory NONE = (host, options) -> new Discovery() {
    @Override
    public Future<Void> start() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> stop() {
      return Future.succeededFuture();
    }
  };
}
