package dev.beacon.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;

import java.util.List;

/**
 * One-time Netty initialisation that must not happen on an event loop. The first chunk Netty 4.2's
 * adaptive allocator (Vert.x's {@link VertxByteBufAllocator#POOLED_ALLOCATOR}, the allocator of
 * every socket) allocates initialises its JFR event classes ({@code io.netty.buffer.AllocateChunkEvent}
 * and siblings), which registers them with {@code jdk.jfr.FlightRecorder} and loads JFR metadata.
 * On a loaded 2-core machine that blocked the broker's event loop 4-5 s at its first route. Both
 * daemons call this from their verticle's constructor, before any listener accepts.
 */
public final class NettyWarmup {
  /** Netty's JFR event classes (netty-buffer 4.2); absent ones are skipped. */
  private static final List<String> NETTY_EVENTS = List.of("AllocateChunkEvent", "FreeChunkEvent",
      "ReturnChunkEvent", "AllocateBufferEvent", "FreeBufferEvent", "ReallocateBufferEvent");

  private static final String JFR = "io.netty.jfr.enabled";

  private NettyWarmup() {}

  /**
   * Called first thing in each daemon's main, before any Netty class loads: turns Netty's JFR
   * telemetry off unless {@code -Dio.netty.jfr.enabled} was given. Neither daemon reads those events,
   * and they load about a hundred {@code jdk.jfr} classes and register them with the flight recorder.
   */
  public static void beforeNetty() {
    if (System.getProperty(JFR) == null) {
      System.setProperty(JFR, "false");
    }
  }

  public static void run() {
    ClassLoader loader = ByteBufAllocator.class.getClassLoader();
    boolean jfr = !"false".equalsIgnoreCase(System.getProperty(JFR));
    for (String name : jfr ? NETTY_EVENTS : List.<String>of()) {
      try {
        Class.forName("io.netty.buffer." + name, true, loader);
      } catch (ClassNotFoundException absent) {
        // another Netty version: nothing to initialise
      }
    }
    ByteBuf b = VertxByteBufAllocator.POOLED_ALLOCATOR.directBuffer(4096);
    b.writeBytes(new byte[16]);
    b.release();
  }
}
