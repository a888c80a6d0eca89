package dev.beacon.broker;

import dev.beacon.testkit.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every close is bounded, not only a slow consumer's: a client closed with an -ERR (stale
 * connection, payload violation) whose socket buffers are full because it never reads cannot keep
 * its socket, and the bytes queued for it, beyond {@link Conn#CLOSE_FLUSH_MILLIS}. Checked from the
 * kernel's view of the broker's side of the connection (ss), while the client still reads nothing.
 */
@Timeout(60)
class BoundedCloseTest {
  /** Enough 1 KiB messages to fill the kernel's buffers of a never-reader and leave bytes queued in the broker. */
  private static final int FILL = 8_000;

  /** The broker's connection for the client whose local port is {@code peerPort}. */
  private static ClientConnection conn(RunningBroker b, int peerPort) throws Exception {
    return b.onContext(() -> b.broker.clients.values().stream().filter(c -> c.port == peerPort).findFirst().orElse(null));
  }

  /**
   * Subscribes a never-reader, fills its socket until the broker holds bytes it cannot write, runs
   * {@code cut} to make the broker close it with {@code reason}, and checks the broker's side of the
   * socket is gone within the close bound although the client still reads nothing.
   */
  private static void neverReaderClosedWithinTheBound(RunningBroker b, String reason, CutAction cut) throws Exception {
    Socket never = BackpressureTest.subscriber(b.port(), "fill", 4096);
    try {
      int peer = never.getLocalPort();
      ClientConnection c = Await.nonNull("the never-reader's connection", Duration.ofSeconds(5), () -> conn(b, peer));
      BackpressureTest.publish(b.port(), "fill", FILL).get(30, TimeUnit.SECONDS);
      long stuck = Await.value("bytes queued in the broker that the never-reader's socket does not take",
          Duration.ofSeconds(10), () -> b.onContext(() -> c.wire.pendingBytes()), n -> n > 0);
      assertTrue(SlowConsumerCloseTest.serverSideState(b.port(), peer).startsWith("ESTAB"), "still connected before the cut");
      assertEquals(0, b.onContext(() -> b.broker.stats.slowConsumers), "filled below max-pending: not a slow consumer");
      cut.run(never);
      b.await(Duration.ofSeconds(10), () -> c.closed);
      long t0 = System.nanoTime();
      assertEquals(reason, b.onContext(() -> c.closeReason));
      String state = Await.value("the broker's side of the closed never-reader's socket to leave ESTABLISHED",
          Duration.ofMillis(Conn.CLOSE_FLUSH_MILLIS + 3000), () -> SlowConsumerCloseTest.serverSideState(b.port(), peer),
          s -> !s.startsWith("ESTAB"));
      System.out.printf("%s: %d B stuck in the broker, broker side '%s' %d ms after the close%n", reason, stuck, state,
          (System.nanoTime() - t0) / 1_000_000);
    } finally {
      never.close();
    }
  }

  @FunctionalInterface
  private interface CutAction {
    void run(Socket never) throws Exception;
  }

  @Test
  void aNeverReaderClosedForAPayloadViolationIsClosedWithinTheBound() throws Exception {
    Assumptions.assumeTrue(SlowConsumerCloseTest.ssAvailable(), "needs ss (iproute2) to see the broker's side of the socket");
    try (RunningBroker b = RunningBroker.start("")) {
      neverReaderClosedWithinTheBound(b, "Maximum Message Payload Exceeded", never -> {
        never.getOutputStream().write("PUB fill 2000000\r\n".getBytes(StandardCharsets.US_ASCII));
        never.getOutputStream().flush();
      });
    }
  }

  @Test
  void aNeverReaderClosedAsStaleIsClosedWithinTheBound() throws Exception {
    Assumptions.assumeTrue(SlowConsumerCloseTest.ssAvailable(), "needs ss (iproute2) to see the broker's side of the socket");
    // PING after 3 s of silence from the client, stale at the next tick: after the fill, with no action of the client's.
    try (RunningBroker b = RunningBroker.start("broker.ping-interval = 3s\nbroker.ping-max = 1\n")) {
      neverReaderClosedWithinTheBound(b, "Stale Connection", never -> { });
    }
  }
}
