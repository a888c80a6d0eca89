package dev.beacon.broker.nsq;

import dev.beacon.broker.Broker;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A crowd of channels whose consumers never send RDY, flooded with 64 KiB messages: the NSQ message
 * memory stays within nsq-max-memory (what does not fit is dropped and counted), while a NATS
 * canary pair and /varz keep being served.
 */
@Timeout(120)
class NsqMemoryBudgetTest {
  static final int CHANNELS = 16;
  static final int MESSAGES = 300;
  static final int SIZE = 64 * 1024;
  static final long BUDGET = 8L * 1024 * 1024;

  NsqFixture f;

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  static long metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)").matcher(text);
    assertTrue(m.find(), name + " in /metrics");
    return Long.parseLong(m.group(1));
  }

  @Test
  void neverReadyChannelsFloodedWithBigMessagesStayWithinTheBudget() throws Exception {
    f = new NsqFixture();
    Broker b = f.startBroker("b1", "broker.nsq-max-memory = 8MiB\nbroker.max-msg-size = 1MiB\n");
    int nsq = b.nsqPort();
    int http = b.httpPort();
    List<RawNsq> consumers = new ArrayList<>();
    try {
      for (int i = 0; i < CHANNELS; i++) {
        // a long heartbeat interval: a consumer that sends nothing is not closed by the read deadline
        RawNsq c = new RawNsq(nsq);
        c.send("IDENTIFY\n", "{\"client_id\":\"idle\",\"hostname\":\"idle\",\"heartbeat_interval\":50000}");
        c.expect("R:OK");
        c.send("SUB flood ch" + i + "\n");
        c.expect("R:OK");
        consumers.add(c);
      }
      Connection canaryPub = f.nats("b1");
      Connection canarySubConn = f.nats("b1");
      Subscription canary = canarySubConn.subscribe("canary");
      canarySubConn.flush(Duration.ofSeconds(5));

      byte[] body = new byte[SIZE];
      java.util.Arrays.fill(body, (byte) 'x');
      long peakSeen = 0;
      try (RawNsq p = new RawNsq(nsq)) {
        for (int i = 0; i < MESSAGES; i++) {
          p.send("PUB flood\n", body);
          p.expect("R:OK");
          if (i % 50 == 0) {
            String payload = "c" + i;
            canaryPub.publish("canary", payload.getBytes(StandardCharsets.UTF_8));
            Message m = canary.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "canary " + i);
            assertEquals(payload, new String(m.getData(), StandardCharsets.UTF_8));
            String[] varz = f.request("GET", http, "/varz");
            assertEquals("200", varz[0]);
            String metrics = f.request("GET", http, "/metrics")[1];
            long used = metric(metrics, "beacon_nsq_memory_bytes");
            assertTrue(used <= BUDGET, "used " + used);
            peakSeen = Math.max(peakSeen, used);
          }
        }
      }
      String metrics = f.request("GET", http, "/metrics")[1];
      long used = metric(metrics, "beacon_nsq_memory_bytes");
      long peak = metric(metrics, "beacon_nsq_memory_peak_bytes");
      long dropped = metric(metrics, "beacon_nsq_memory_dropped_total");
      assertEquals(BUDGET, metric(metrics, "beacon_nsq_max_memory_bytes"));
      assertTrue(peak <= BUDGET, "peak " + peak);
      assertTrue(used > BUDGET - CHANNELS * NsqMemory.cost(SIZE), "the budget was used: " + used + "\n" + metrics + f.request("GET", http, "/stats?format=json&topic=flood")[1]);
      long accepted = used / NsqMemory.cost(SIZE);
      assertEquals((long) CHANNELS * MESSAGES, accepted + dropped, "every channel message either held or dropped and counted");
      assertTrue(peakSeen <= peak);
      String stats = f.request("GET", http, "/stats?format=json&topic=flood")[1];
      assertTrue(stats.contains("\"dropped_count\":"), stats);

      // the held messages are still there for the consumers: one channel drains its share
      RawNsq c0 = consumers.get(0);
      c0.send("RDY 1\n");
      String m = c0.frame();
      assertTrue(m.startsWith("M:1:"), m.substring(0, Math.min(40, m.length())));
      c0.send("FIN " + m.substring(4, 20) + "\n");
      NsqFixture.await("FIN releases", Duration.ofSeconds(5), () -> {
        try {
          return metric(f.request("GET", http, "/metrics")[1], "beacon_nsq_memory_bytes") == used - NsqMemory.cost(SIZE);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    } finally {
      for (RawNsq c : consumers) {
        c.close();
      }
    }
  }

  @Test
  void aRdyThatAsksForMoreThanMaxPendingAtOnceClosesTheConsumerAndKeepsTheMessages() throws Exception {
    f = new NsqFixture();
    Broker b = f.startBroker("b1", "broker.max-pending = 256KiB\n");
    int nsq = b.nsqPort();
    byte[] body = new byte[SIZE];
    try (RawNsq c = new RawNsq(nsq).consumer("big", "ch"); RawNsq p = new RawNsq(nsq)) {
      for (int i = 0; i < 10; i++) {
        p.send("PUB big\n", body);
        p.expect("R:OK");
      }
      c.send("RDY 10\n");
      assertTrue(c.closedByServer(), "640 KiB asked for at once with max-pending 256 KiB");
      NsqFixture.await("the messages back in the channel", Duration.ofSeconds(5), () -> {
        try {
          String stats = f.request("GET", b.httpPort(), "/stats?format=json&topic=big&channel=ch")[1];
          return stats.contains("\"depth\":10,") && stats.contains("\"in_flight_count\":0,");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }
}
