package dev.beacon.broker;

import dev.beacon.common.NettyWarmup;

import java.util.List;
import java.util.Map;

/**
 * One-time class loading and initialisation that must not happen on the event loop: Netty's first
 * direct chunk (see {@link NettyWarmup}) and the first Jackson serialisation and parse, which
 * introspect and load classes. On a loaded 2-core machine they took 4-5 s on the event loop at the
 * first route's INFO, stalling every connection. Run it on a worker before any listener accepts.
 */
final class Warmup {
  private Warmup() {}

  static Void run() throws Exception {
    NettyWarmup.run();
    Info info = new Info("warmup", "warmup", Protocol.NATS_VERSION, Protocol.ROUTE_PROTO, "warmup", "127.0.0.1", 1, true,
        null, null, null, 1, 1L, "127.0.0.1", "c", List.of("127.0.0.1:1"), Boolean.TRUE);
    Info.fromRoute(Json.MAPPER.readTree(Json.write(info)));
    RouteConnect.from(Json.MAPPER.readTree(Json.write(RouteConnect.of("warmup", "c", "u", "p", false))));
    ClientConnect.from(Json.MAPPER.readTree("{\"verbose\":false}"));
    Json.writePretty(Map.of("warmup", 1));
    return null;
  }
}
