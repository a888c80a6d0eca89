package dev.beacon.common;

import io.netty.channel.SelectStrategy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class SpinningTransportTest {
  private static final long SPIN = Duration.ofMillis(20).toNanos();

  @Test
  void zeroSpinIsVertxsOwnNioTransport() {
    assertSame(Transport.NIO, SpinningTransport.of(Duration.ZERO));
    assertEquals("nio-spin", SpinningTransport.of(Duration.ofNanos(50_000)).name());
  }

  @Test
  void aReadySocketEndsTheSpinAtOnce() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    int strategy = new SpinningTransport.Spin(SPIN).calculateStrategy(() -> polls.incrementAndGet() < 3 ? 0 : 2, false);
    assertEquals(2, strategy);
    assertEquals(3, polls.get(), "polled until a key was ready, not longer");
  }

  @Test
  void queuedTasksAreNotDelayedBySpinning() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    long spin = Duration.ofSeconds(5).toNanos();
    long t0 = System.nanoTime();
    assertEquals(0, new SpinningTransport.Spin(spin).calculateStrategy(() -> { polls.incrementAndGet(); return 0; }, true));
    assertEquals(1, polls.get(), "one selectNow, no spin");
    assertTrue(System.nanoTime() - t0 < spin / 2, "returned without spinning");
  }

  @Test
  void nothingReadyBlocksAfterTheSpin() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    long t0 = System.nanoTime();
    assertEquals(SelectStrategy.SELECT, new SpinningTransport.Spin(SPIN).calculateStrategy(() -> { polls.incrementAndGet(); return 0; }, false));
    long took = System.nanoTime() - t0;
    assertTrue(took >= SPIN, "spun for the whole spin: " + took + " ns");
    assertTrue(polls.get() > 1, "polled repeatedly: " + polls.get());
  }

  @Test
  void vertxOnTheTransportServesSocketsAndTimers() throws Exception {
    Vertx vertx = Vertx.builder().withTransport(SpinningTransport.of(Duration.ofNanos(50_000))).build();
    try {
      NetServer server = vertx.createNetServer().connectHandler(s -> s.handler(s::write));
      server.listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
      Buffer echoed = vertx.createNetClient().connect(server.actualPort(), "127.0.0.1").compose(socket -> {
        io.vertx.core.Promise<Buffer> got = io.vertx.core.Promise.promise();
        Buffer all = Buffer.buffer();
        socket.handler(b -> {
          all.appendBuffer(b);
          if (all.length() == 5) {
            got.complete(all);
          }
        });
        return socket.write("hello").compose(v -> got.future());
      }).await(5, TimeUnit.SECONDS);
      assertEquals("hello", echoed.toString());
      long t0 = System.nanoTime();
      io.vertx.core.Promise<Void> fired = io.vertx.core.Promise.promise();
      vertx.setTimer(30, id -> fired.complete());
      fired.future().await(5, TimeUnit.SECONDS);
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(), "a timer fires while the loop spins and blocks");
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }
}
