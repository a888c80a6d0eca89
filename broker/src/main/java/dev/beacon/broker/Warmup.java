package dev.beacon.broker;

import dev.beacon.common.NettyWarmup;

import java.util.LinkedHashMap;
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
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server_id", "warmup");
    m.put("port", 1);
    m.put("headers", true);
    m.put("connect_urls", List.of("127.0.0.1:1"));
    ClientConnection.JSON.readTree(ClientConnection.JSON.writeValueAsBytes(m));
    return null;
  }
}
