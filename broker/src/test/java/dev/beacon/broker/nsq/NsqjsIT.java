package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real NSQ client (npm nsqjs 0.13.0, src/test/js/nsq.js) against brokers: Reader and Writer on
 * the NSQ listener directly and through lookupd discovery, NATS publishers reaching an nsqjs
 * Reader, REQ and timeout redelivery, and a cluster where the Reader's broker is not the
 * publisher's. Skips when node or src/test/js/node_modules is missing (npm install there).
 */
@Tag("conformance")
@Timeout(120)
class NsqjsIT {
  NsqFixture f;

  @BeforeEach
  void start() {
    assumeTrue(NodeScript.available(), "node and nsqjs (npm install in broker/src/test/js) are needed");
    f = new NsqFixture();
  }

  @AfterEach
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  private String nsqAddress(String broker) {
    return "127.0.0.1:" + f.brokers.get(broker).nsqPort();
  }

  /** nsqjs's authSecret against a broker with users: user:password, a bcrypt user, a refused secret and a refused topic. */
  @Test
  void authSecretAgainstABrokerWithUsers() throws Exception {
    f.startBroker("b1", """
        broker.auth.users = [
          {user: reader, password: rpw, permissions: {publish: "none", subscribe: "secured workers"}}
          {user: writer, password: "%s", permissions: {publish: "secured", subscribe: "none"}}
        ]
        """.formatted(NsqAuthTest.FOO_BCRYPT));
    try (NodeScript reader = new NodeScript(java.util.Map.of("NSQ_AUTH_SECRET", "reader:rpw"),
        "reader", "nsqd", nsqAddress("b1"), "secured", "workers", "2")) {
      reader.next("ready", 15_000);
      awaitChannel("b1", "secured", "workers");
      try (NodeScript w = new NodeScript(java.util.Map.of("NSQ_AUTH_SECRET", "writer:foo"),
          "writer", nsqAddress("b1"), "pub", "secured", "one")) {
        assertEquals(1, w.next("published", 15_000).get("published").asInt());
      }
      try (NodeScript w = new NodeScript(java.util.Map.of("NSQ_AUTH_SECRET", "writer:foo"),
          "writer", nsqAddress("b1"), "mpub", "secured", "two")) {
        assertEquals(1, w.next("published", 15_000).get("published").asInt());
      }
      Set<String> bodies = new HashSet<>();
      for (int i = 0; i < 2; i++) {
        bodies.add(reader.next("body", 15_000).get("body").asText());
      }
      assertEquals(Set.of("one", "two"), bodies);
      assertEquals(0, reader.waitFor(15_000), reader.seen.toString());
    }
    // a wrong password, no secret at all, and a topic the writer may not publish to
    for (Object[] c : new Object[][] {
        {java.util.Map.of("NSQ_AUTH_SECRET", "writer:bar"), "secured", "E_AUTH_FAILED"},
        {java.util.Map.of(), "secured", "E_AUTH_FIRST"},
        {java.util.Map.of("NSQ_AUTH_SECRET", "writer:foo"), "other", "E_UNAUTHORIZED"}}) {
      @SuppressWarnings("unchecked")
      java.util.Map<String, String> env = (java.util.Map<String, String>) c[0];
      try (NodeScript w = new NodeScript(env, "writer", nsqAddress("b1"), "pub", (String) c[1], "refused")) {
        String error = w.next("error", 15_000).get("error").asText();
        assertTrue(error.contains((String) c[2]), error);
      }
    }
  }

  @Test
  void readerAndWriterOnTheNsqListener() throws Exception {
    f.startBroker("b1", "");
    try (NodeScript reader = new NodeScript("reader", "nsqd", nsqAddress("b1"), "orders", "ch", "4")) {
      reader.next("ready", 15_000);
      awaitChannel("b1", "orders", "ch");
      try (NodeScript w = new NodeScript("writer", nsqAddress("b1"), "pub", "orders", "one")) {
        assertEquals(1, w.next("published", 15_000).get("published").asInt());
      }
      try (NodeScript w = new NodeScript("writer", nsqAddress("b1"), "mpub", "orders", "two", "three")) {
        assertEquals(2, w.next("published", 15_000).get("published").asInt());
      }
      try (NodeScript w = new NodeScript("writer", nsqAddress("b1"), "dpub", "orders", "four")) {
        w.next("published", 15_000);
      }
      Set<String> bodies = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        JsonNode m = reader.next("body", 15_000);
        assertEquals(1, m.get("attempts").asInt());
        bodies.add(m.get("body").asText());
      }
      assertEquals(Set.of("one", "two", "three", "four"), bodies);
      assertEquals(0, reader.waitFor(15_000), reader.seen.toString());
    }
  }

  @Test
  void natsPublisherReachesAnNsqjsReaderAndNsqjsWriterReachesNats() throws Exception {
    f.startBroker("b1", "");
    Connection nats = f.nats("b1");
    io.nats.client.Subscription natsSub = nats.subscribe("events");
    nats.flush(Duration.ofSeconds(5));
    try (NodeScript reader = new NodeScript("reader", "nsqd", nsqAddress("b1"), "events", "ch", "1")) {
      reader.next("ready", 15_000);
      awaitChannel("b1", "events", "ch");
      nats.publish("events", "from-jnats".getBytes(StandardCharsets.UTF_8));
      assertEquals("from-jnats", reader.next("body", 15_000).get("body").asText());
      assertEquals(0, reader.waitFor(15_000));
    }
    try (NodeScript w = new NodeScript("writer", nsqAddress("b1"), "pub", "events", "from-nsqjs")) {
      w.next("published", 15_000);
    }
    boolean seen = false;
    for (int i = 0; i < 3 && !seen; i++) {
      io.nats.client.Message m = natsSub.nextMessage(Duration.ofSeconds(5));
      seen = m != null && new String(m.getData(), StandardCharsets.UTF_8).equals("from-nsqjs");
    }
    assertTrue(seen, "the NATS subscriber got the nsqjs Writer's message");
  }

  @Test
  void reqAndTimeoutRedeliver() throws Exception {
    f.startBroker("b1", "");
    for (String behaviour : List.of("req", "timeout")) {
      String topic = "redeliver-" + behaviour;
      try (NodeScript reader = new NodeScript("reader", "nsqd", nsqAddress("b1"), topic, "ch", "1", behaviour)) {
        reader.next("ready", 15_000);
        awaitChannel("b1", topic, "ch");
        try (NodeScript w = new NodeScript("writer", nsqAddress("b1"), "pub", topic, "again")) {
          w.next("published", 15_000);
        }
        assertEquals(1, reader.next("body", 15_000).get("attempts").asInt(), behaviour);
        long t0 = System.nanoTime();
        JsonNode second = reader.next("body", 15_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, second.get("attempts").asInt(), behaviour);
        assertEquals("again", second.get("body").asText());
        if (behaviour.equals("timeout")) {
          assertTrue(ms >= 800, "redelivered after the 1 s msg_timeout, not at once: " + ms + " ms");
        }
        assertEquals(0, reader.waitFor(15_000), reader.seen.toString());
      }
    }
  }

  @Test
  void readerFindsTheBrokerThroughLookupd() throws Exception {
    f.startLookupd();
    f.startBroker("b1", "broker.lookupd-ping-interval = 1s\n");
    // nsqd creates a topic on /topic/create and registers it; so does the broker
    assertEquals("200", f.request("POST", f.brokers.get("b1").httpPort(), "/topic/create?topic=found")[0]);
    String lookupdHttp = "127.0.0.1:" + f.lookupd.httpPort();
    try (NodeScript reader = new NodeScript("reader", "lookupd", lookupdHttp, "found", "ch", "1")) {
      reader.next("ready", 20_000);
      awaitChannel("b1", "found", "ch");
      try (NodeScript w = new NodeScript("writer", nsqAddress("b1"), "pub", "found", "via-lookupd")) {
        w.next("published", 15_000);
      }
      assertEquals("via-lookupd", reader.next("body", 15_000).get("body").asText());
      assertEquals(0, reader.waitFor(15_000));
    }
  }

  @Test
  void clusterTheReadersBrokerIsNotThePublishers() throws Exception {
    f.startLookupd();
    f.startBroker("b1", "");
    f.startBroker("b2", "");
    assertEquals("200", f.request("POST", f.brokers.get("b2").httpPort(), "/topic/create?topic=spread")[0]);
    String lookupdHttp = "127.0.0.1:" + f.lookupd.httpPort();
    try (NodeScript reader = new NodeScript("reader", "lookupd", lookupdHttp, "spread", "ch", "1")) {
      reader.next("ready", 20_000);
      awaitChannel("b2", "spread", "ch");
      Connection nats = f.nats("b1");
      // until the route between the brokers carries b2's interest, b1 has nobody to deliver to
      JsonNode body = null;
      for (int i = 0; i < 100 && body == null; i++) {
        nats.publish("spread", ("m" + i).getBytes(StandardCharsets.UTF_8));
        nats.flush(Duration.ofSeconds(5));
        try {
          body = reader.next("body", 200);
        } catch (AssertionError notYet) {
          // try again
        }
      }
      assertTrue(body != null && body.get("body").asText().startsWith("m"), "published on b1, read on b2: " + reader.seen);
      assertEquals(0, reader.waitFor(15_000));
    }
  }

  /** Waits until the broker's /stats shows the channel with a client. */
  private void awaitChannel(String broker, String topic, String channel) {
    int http = f.brokers.get(broker).httpPort();
    NsqFixture.await(topic + "/" + channel + " on " + broker, Duration.ofSeconds(15), () -> {
      try {
        String[] r = f.request("GET", http, "/stats?format=json&topic=" + topic + "&channel=" + channel);
        JsonNode topics = NsqHttpTest.JSON.readTree(r[1]).get("topics");
        return topics.size() == 1 && topics.get(0).get("channels").size() == 1
            && topics.get(0).get("channels").get(0).get("client_count").asInt() == 1;
      } catch (Exception e) {
        return false;
      }
    });
  }
}
