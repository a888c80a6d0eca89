package dev.beacon.broker;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * One instance per extra event loop (event-loops > 1): shares the client port (Vert.x hands new
 * connections to the instances in turn), so each client's socket I/O runs on that instance's loop
 * while the broker's owning context does parse, match and deliver.
 */
final class ClientListener extends VerticleBase {
  private final Broker broker;
  private final NetServerOptions options;
  private NetServer server;

  ClientListener(Broker broker, NetServerOptions options) {
    this.broker = broker;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(options);
    server.connectHandler(socket -> {
      Wire wire = broker.wire(socket);
      broker.context().runOnContext(v -> broker.acceptClient(wire));
    });
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
