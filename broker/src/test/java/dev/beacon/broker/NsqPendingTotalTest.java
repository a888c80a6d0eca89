package dev.beacon.broker;

import dev.beacon.testkit.Canary;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NSQ consumers with RDY credit that never read their socket count in max-pending-total like NATS
 * clients: the broker's pending total stays within the budget, the largest are cut, monitoring, a
 * canary pair and a new client keep being served.
 */
@Timeout(120)
class NsqPendingTotalTest {

  /** An NSQ consumer of {@code topic}/{@code channel} with RDY 2500 that will not read again. */
  static Socket neverReadingNsqConsumer(int port, String topic, String channel) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(5000);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    DataInputStream in = new DataInputStream(s.getInputStream());
    byte[] identify = "{\"client_id\":\"never\",\"hostname\":\"never\",\"heartbeat_interval\":60000}".getBytes(StandardCharsets.UTF_8);
    out.writeBytes("  V2IDENTIFY\n");
    out.writeInt(identify.length);
    out.write(identify);
    expectOk(in);
    out.writeBytes("SUB " + topic + " " + channel + "\n");
    expectOk(in);
    out.writeBytes("RDY 2500\n");
    out.flush();
    return s;
  }

  private static void expectOk(DataInputStream in) throws IOException {
    int size = in.readInt();
    byte[] frame = new byte[size];
    in.readFully(frame);
    assertEquals("OK", new String(frame, 4, size - 4, StandardCharsets.UTF_8));
  }

  @Test
  void nsqConsumersThatNeverReadStayWithinMaxPendingTotal() throws Exception {
    int consumers = 4;
    long budget = 4L << 20;
    int messages = 600;
    try (RunningBroker b = RunningBroker.start("broker.max-pending-total=" + budget + "\nbroker.nsq-listen=\"127.0.0.1:0\"\n"
        + "broker.nsq-max-memory=256MiB\n");
         Canary canary = new Canary(b.url(), "canary.nsq")) {
      List<Socket> never = new ArrayList<>();
      try (Connection pub = Nats.connect(new Options.Builder().server(b.url()).maxReconnects(0).build())) {
        for (int i = 0; i < consumers; i++) {
          never.add(neverReadingNsqConsumer(b.broker.nsqPort(), "fire", "ch" + i));
        }
        byte[] body = new byte[64 * 1024];
        for (int i = 0; i < messages; i++) {
          pub.publish("fire", body);
          if (i % 100 == 0) {
            pub.flush(Duration.ofSeconds(10));
            HostileLoadTest.varzAnswers(b);
            long t = b.onContext(() -> b.broker.pendingTotal());
            assertTrue(t <= budget, "pending total " + t + " past " + budget);
          }
        }
        pub.flush(Duration.ofSeconds(10));
        b.await(Duration.ofSeconds(20), () -> b.broker.stats.pendingTotalCuts == consumers);
        long peak = b.onContext(() -> b.broker.pendingTotalPeak());
        System.out.println("never-reading NSQ consumers: " + consumers + ", " + messages + " x 64 KiB; pending total peak " + peak
            + " B of " + budget);
        assertTrue(peak <= budget, "pending total peak " + peak + " past " + budget);
        assertTrue(peak > budget / 2, "the consumers hardly had anything pending: the test did not load the broker");
        // cut means closed now, although the consumers still have not read anything
        b.await(Duration.ofSeconds(5), () -> b.broker.nsq.connectionCount() == 0);
        // what is left is the canary's traffic, queued for the next flush of the event-loop pass
        b.await(Duration.ofSeconds(5), () -> b.broker.pendingTotal() < 64 * 1024);
        HostileLoadTest.varzAnswers(b);
        HostileLoadTest.newClientIsServed(b);
      } finally {
        for (Socket s : never) {
          s.close();
        }
      }
      Canary.Result r = canary.stop();
      System.out.println("never-reading NSQ consumers canary: " + r);
      assertEquals(0, r.lost());
      assertTrue(r.maxGapMillis() < SlowSubscriberIT.CANARY_MAX_GAP_MS, "canary gap " + r.maxGapMillis() + " ms");
    }
  }
}
