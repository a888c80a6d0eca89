package dev.beacon.broker;

import dev.beacon.testkit.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consumer cut as a slow consumer is really disconnected even though it never reads: the broker
 * must not keep its socket, and the bytes queued for it, open until the peer drains them. Checked
 * from the kernel's view of the broker's side of the connection (ss), before the client reads.
 */
@Timeout(60)
class SlowConsumerCloseTest {

  /** The broker-side state of the connection to {@code peerPort}, e.g. "ESTAB"; "" when there is none. */
  static String serverSideState(int brokerPort, int peerPort) throws IOException, InterruptedException {
    Process ss = new ProcessBuilder("ss", "-tanH", "sport = :" + brokerPort + " and dport = :" + peerPort)
        .redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    ss.waitFor(5, TimeUnit.SECONDS);
    return out.isEmpty() ? "" : out.split("\\s+")[0];
  }

  static boolean ssAvailable() {
    try {
      return new ProcessBuilder("ss", "-V").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void aNeverReaderCutAtMaxPendingIsClosedAtOnce() throws Exception {
    Assumptions.assumeTrue(ssAvailable(), "needs ss (iproute2) to see the broker's side of the socket");
    try (RunningBroker b = RunningBroker.start("broker.max-pending = 256KiB\n")) {
      Socket never = BackpressureTest.subscriber(b.port(), "fire", 4096);
      try {
        int peer = never.getLocalPort();
        assertTrue(serverSideState(b.port(), peer).startsWith("ESTAB"), "the subscriber is connected");
        BackpressureTest.publish(b.port(), "fire", 5_000).get(60, TimeUnit.SECONDS);
        b.await(Duration.ofSeconds(20), () -> b.broker.stats.slowConsumers == 1);
        // Nothing has been read: a socket closed by the broker leaves ESTABLISHED at once (FIN queued
        // behind the kernel's unsent bytes); one the broker still waits to flush stays ESTABLISHED.
        String state = Await.value("the broker's side of the cut consumer's socket to leave ESTABLISHED",
            Duration.ofSeconds(5), () -> serverSideState(b.port(), peer), s -> !s.startsWith("ESTAB"));
        System.out.println("cut never-reader: broker side now '" + state + "'");
      } finally {
        never.close();
      }
    }
  }
}
