package dev.beacon.broker.nsq;

import com.typesafe.config.ConfigFactory;
import dev.beacon.broker.Broker;
import dev.beacon.broker.BrokerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NSQ limits over nsqd's HTTP API and /metrics, and how their settings are read. */
@Timeout(60)
class NsqHttpLimitsTest {

  @Test
  void httpCreatesPastTheCapsAnswer503AndAreCounted() throws Exception {
    try (NsqFixture f = new NsqFixture()) {
      Broker b = f.startBroker("b1", "broker.nsq-max-topics = 1\nbroker.nsq-max-channels-per-topic = 1\n"
          + "broker.nsq-max-memory = 1KiB\n");
      int http = b.httpPort();
      assertEquals("200", f.request("POST", http, "/channel/create?topic=a&channel=x")[0]);
      String[] r = f.request("POST", http, "/topic/create?topic=b");
      assertEquals("503", r[0]);
      assertEquals("{\"message\":\"TOO_MANY_TOPICS\"}", r[1]);
      assertEquals("nsq; version=1.0", r[2]);
      r = f.request("POST", http, "/channel/create?topic=a&channel=y");
      assertEquals("503", r[0]);
      assertEquals("{\"message\":\"TOO_MANY_CHANNELS\"}", r[1]);
      java.net.http.HttpResponse<String> pub = f.http.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + http + "/pub?topic=c"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("m")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(503, pub.statusCode());
      assertEquals("{\"message\":\"TOO_MANY_TOPICS\"}", pub.body());
      assertEquals("200", f.request("POST", http, "/channel/create?topic=a&channel=x")[0], "existing: no-op");

      String metrics = f.request("GET", http, "/metrics")[1];
      assertEquals(2, NsqMemoryBudgetTest.metric(metrics, "beacon_nsq_topics_refused_total"));
      assertEquals(1, NsqMemoryBudgetTest.metric(metrics, "beacon_nsq_channels_refused_total"));
      assertEquals(1, NsqMemoryBudgetTest.metric(metrics, "beacon_nsq_topics"));
      assertEquals(1024, NsqMemoryBudgetTest.metric(metrics, "beacon_nsq_max_memory_bytes"));
    }
  }

  @Test
  void settingsAreReadWithTheirDefaults() {
    NsqSettings d = BrokerOptions.of("").nsq().settings();
    assertEquals(1000, d.maxTopics());
    assertEquals(100, d.maxChannelsPerTopic());
    long tenth = (long) (Runtime.getRuntime().maxMemory() * 0.1);
    assertTrue(Math.abs(d.maxMemory() - tenth) <= 1, d.maxMemory() + " vs " + tenth);
    assertEquals(256L << 20, BrokerOptions.of("broker.nsq-max-memory = 256MiB").nsq().settings().maxMemory());
    assertEquals(Runtime.getRuntime().maxMemory() / 4,
        BrokerOptions.of("broker.nsq-max-memory = \"25%\"").nsq().settings().maxMemory(), 1.0);
    for (String bad : new String[] {"\"0%\"", "\"101%\"", "\"x%\"", "0", "-1MiB"}) {
      assertThrows(RuntimeException.class, () -> NsqOptions.maxMemory(ConfigFactory.parseString("nsq-max-memory = " + bad)), bad);
    }
    assertThrows(RuntimeException.class, () -> BrokerOptions.of("broker.nsq-max-topics = 0"));
    assertThrows(RuntimeException.class, () -> BrokerOptions.of("broker.nsq-max-channels-per-topic = -1"));
  }
}
