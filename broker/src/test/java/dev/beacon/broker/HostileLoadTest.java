package dev.beacon.broker;

import dev.beacon.testkit.Canary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory bounded by construction, the two hostile cases of the load report scaled to CI: clients
 * that declare a large PUB and send little of it cost what they sent; many subscribers that never
 * read stay within max-pending-total. Throughout, monitoring answers, a canary pair loses nothing and
 * a new client is served.
 */
@Timeout(180)
class HostileLoadTest {

  /** A new client connects, subscribes, publishes and gets its message. */
  static void newClientIsServed(RunningBroker b) throws Exception {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB fresh 1\r\nPUB fresh 2\r\nhi\r\nPING\r\n");
      c.expect("MSG fresh 1 2\r\nhi\r\nPONG\r\n");
    }
  }

  static void varzAnswers(RunningBroker b) throws Exception {
    String varz = BackpressureTest.http(b, "/varz");
    assertTrue(varz.contains("\"server_id\""), varz);
  }

  @Test
  void clientsThatDeclareALargePubAndSendLittleCostWhatTheySent() throws Exception {
    int n = 200;
    int declared = 1 << 20;
    int sent = 1024;
    try (RunningBroker b = RunningBroker.start(""); Canary canary = new Canary(b.url(), "canary.hoard");
         RawConn sub = RawConn.connect(b.port())) {
      // Someone wants "hoard": its payloads are gathered (one nobody wants is dropped as it arrives).
      sub.send("SUB hoard 1\r\nPING\r\n").expect("PONG\r\n");
      List<Socket> hoarders = new ArrayList<>();
      try {
        byte[] header = ("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPUB hoard " + declared + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        byte[] part = new byte[sent];
        java.util.Arrays.fill(part, (byte) 'h');
        for (int i = 0; i < n; i++) {
          Socket s = new Socket("127.0.0.1", b.port());
          hoarders.add(s);
          OutputStream out = s.getOutputStream();
          out.write(header);
          out.write(part);
          out.flush();
        }
        // Every hoarder's kilobyte has arrived: each is gathering its split payload.
        b.await(Duration.ofSeconds(30), () -> {
          long have = 0;
          for (ClientConnection c : b.broker.clients.values()) {
            have += c.inBytes;
          }
          return have >= (long) n * (header.length + sent);
        });
        long held = b.onContext(() -> {
          long sum = 0;
          for (ClientConnection c : b.broker.clients.values()) {
            sum += c.parser.payloadCapacity();
          }
          return sum;
        });
        System.out.println("hoarders: " + n + " x " + sent + " B sent of " + declared + " declared; payload buffers " + held + " B");
        assertTrue(held >= (long) n * sent, "held " + held);
        assertTrue(held <= (long) n * 2 * sent, "payload buffers hold " + held + " B for " + n * sent + " B received");
        varzAnswers(b);
        newClientIsServed(b);
      } finally {
        for (Socket s : hoarders) {
          s.close();
        }
      }
      Canary.Result r = canary.stop();
      System.out.println("hoarders canary: " + r);
      assertEquals(0, r.lost());
    }
  }

  @Test
  void subscribersThatNeverReadStayWithinMaxPendingTotal() throws Exception {
    int readers = 20;
    long budget = 4L << 20;
    int messages = 20_000;
    try (RunningBroker b = RunningBroker.start("broker.max-pending-total=" + budget);
         Canary canary = new Canary(b.url(), "canary.never")) {
      List<Socket> never = new ArrayList<>();
      AtomicBoolean sampling = new AtomicBoolean(true);
      AtomicLong maxTotal = new AtomicLong();
      AtomicInteger varzFailures = new AtomicInteger();
      AtomicInteger varzAnswered = new AtomicInteger();
      java.util.concurrent.atomic.AtomicReference<Throwable> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
      Thread sampler = new Thread(() -> {
        long lastVarz = 0;
        while (sampling.get()) {
          try {
            long t = b.onContext(() -> b.broker.pendingTotal());
            maxTotal.accumulateAndGet(t, Math::max);
            if (System.nanoTime() - lastVarz > 20_000_000L) {
              lastVarz = System.nanoTime();
              varzAnswers(b);
              varzAnswered.incrementAndGet();
            }
          } catch (Exception | AssertionError e) {
            if (varzFailures.incrementAndGet() == 1) {
              firstFailure.set(e);
            }
          }
        }
      }, "pending-sampler");
      try {
        for (int i = 0; i < readers; i++) {
          never.add(BackpressureTest.subscriber(b.port(), "fire", 4096));
        }
        sampler.start();
        long ms = BackpressureTest.publish(b.port(), "fire", messages).get(120, TimeUnit.SECONDS);
        b.await(Duration.ofSeconds(20), () -> b.broker.stats.slowConsumers == readers);
        sampling.set(false);
        sampler.join(10_000);
        long cuts = b.onContext(() -> b.broker.stats.pendingTotalCuts);
        long peak = b.onContext(() -> b.broker.pendingTotalPeak());
        System.out.println("never-readers: " + readers + ", publisher " + messages + " msgs in " + ms + " ms; pending total max "
            + maxTotal.get() + " B sampled, " + peak + " B peak, of " + budget + "; cut by the budget " + cuts + "; /varz answered " + varzAnswered.get());
        assertTrue(maxTotal.get() <= budget, "pending total " + maxTotal.get() + " past " + budget);
        assertTrue(peak <= budget, "pending total peak " + peak + " past " + budget);
        assertTrue(peak > budget / 2, "the never-readers hardly ever had anything pending: the test did not load the broker");
        assertEquals(readers, cuts, "cut by max-pending-total");
        assertEquals(0, varzFailures.get(), "monitoring or sampling failed, first: " + firstFailure.get());
        assertTrue(varzAnswered.get() > 0);
        // The cut never-readers' bytes are no longer counted; what is left is the canary's traffic,
        // queued for the next flush of the event-loop pass.
        b.await(Duration.ofSeconds(5), () -> b.broker.pendingTotal() < 64 * 1024);
        newClientIsServed(b);
      } finally {
        sampling.set(false);
        for (Socket s : never) {
          s.close();
        }
      }
      Canary.Result r = canary.stop();
      System.out.println("never-readers canary: " + r);
      assertEquals(0, r.lost());
      assertTrue(r.maxGapMillis() < SlowSubscriberIT.CANARY_MAX_GAP_MS, "canary gap " + r.maxGapMillis() + " ms");
    }
  }
}
