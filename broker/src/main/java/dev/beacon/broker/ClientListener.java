package dev.beacon.broker;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One instance per extra event loop (event-loops > 1): shares the client port (Vert.x hands new
 * connections to the instances in turn), so each client's socket I/O runs on that instance's loop
 * while the broker's owning context does parse, match and deliver.
 */
final class ClientListener extends VerticleBase {
  private final Broker broker;
  private final NetServerOptions options;
  private final Duration drain;
  private NetServer server;

  /** {@code drain}: how long accepted connections may stay open after stop (lame duck mode), or 0. */
  ClientListener(Broker broker, NetServerOptions options, Duration drain) {
    this.broker = broker;
    this.options = options;
    this.drain = drain;
  }

  @Override
  public Future<?> start() {
    server = vertx.createNetServer(options);
    server.connectHandler(socket -> {
      Wire wire = broker.clientWire(socket);
      broker.context().runOnContext(v -> broker.acceptClient(wire));
    });
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    if (drain.isZero()) {
      return server.close();
    }
    // Lame duck mode. Vert.x stops this child deployment before the broker's own stop(), so the
    // broker's lame duck sequence is started from here. close() would close every connection
    // accepted here at once; shutdown closes the listening socket now and the connections still
    // open after drain (the broker closes them before that).
    broker.context().runOnContext(v -> broker.lameDuckMode());
    return server.shutdown(drain.toMillis(), TimeUnit.MILLISECONDS);
  }
}
