package dev.beacon.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One-time class loading and initialisation that must not happen on the event loop. Why: the first
 * chunk Netty 4.2's adaptive allocator (Vert.x's {@link VertxByteBufAllocator#POOLED_ALLOCATOR},
 * the allocator of every socket here) allocates initialises its JFR event classes
 * ({@code io.netty.buffer.AllocateChunkEvent} and siblings), which registers them with
 * {@code jdk.jfr.FlightRecorder} and loads JFR metadata; the first Jackson serialisation and parse
 * introspect and load classes too. On a loaded 2-core machine that took 4-5 s on the event loop at
 * the first route's INFO, stalling every connection. Run it on a worker before any listener accepts.
 */
final class Warmup {
  /** Netty's JFR event classes (netty-buffer 4.2); absent ones are skipped. */
  private static final List<String> NETTY_EVENTS = List.of("AllocateChunkEvent", "FreeChunkEvent",
      "ReturnChunkEvent", "AllocateBufferEvent", "FreeBufferEvent", "ReallocateBufferEvent");

  private Warmup() {}

  static Void run() throws Exception {
    ClassLoader loader = ByteBufAllocator.class.getClassLoader();
    for (String name : NETTY_EVENTS) {
      try {
        Class.forName("io.netty.buffer." + name, true, loader);
      } catch (ClassNotFoundException absent) {
        // another Netty version: nothing to initialise
      }
    }
    ByteBuf b = VertxByteBufAllocator.POOLED_ALLOCATOR.directBuffer(4096);
    b.writeBytes(new byte[16]);
    b.release();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server_id", "warmup");
    m.put("port", 1);
    m.put("headers", true);
    m.put("connect_urls", List.of("127.0.0.1:1"));
    ClientConnection.JSON.readTree(ClientConnection.JSON.writeValueAsBytes(m));
    return null;
  }
}
