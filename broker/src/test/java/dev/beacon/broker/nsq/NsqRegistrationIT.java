package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.broker.Broker;
import io.nats.client.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a broker with an NSQ listener tells a (Beacon) lookupd, so NSQ software sharing that lookupd
 * is not harmed: tcp_port is the NSQ port, channels only for NSQ consumers the broker really has,
 * registrations deleted in lookupd come back within one ping interval, and an nsqd (whose /varz
 * is a 404) is asked once per varz TTL, not on every poll.
 */
@Timeout(60)
class NsqRegistrationIT {
  NsqFixture f;
  Broker broker;

  @BeforeEach
  void start() throws Exception {
    f = new NsqFixture();
    f.startLookupd();
    broker = f.startBroker("b1", "broker.lookupd-ping-interval = 500ms\nbroker.discovery-long-poll-wait = 200ms\n");
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private JsonNode lookup(String topic) {
    try {
      String[] r = f.request("GET", f.lookupd.httpPort(), "/lookup?topic=" + topic);
      return r[0].equals("200") ? NsqHttpTest.JSON.readTree(r[1]) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static List<String> channels(JsonNode lookup) {
    List<String> out = new ArrayList<>();
    lookup.get("channels").forEach(c -> out.add(c.asText()));
    return out;
  }

  @Test
  void channelsOnlyForNsqConsumersAndTheNsqPortAsTcpPort() throws Exception {
    Connection nats = f.nats("b1");
    nats.subscribe("orders", "nats-workers");
    nats.flush(Duration.ofSeconds(5));
    NsqFixture.await("orders registered", Duration.ofSeconds(10), () -> {
      JsonNode l = lookup("orders");
      return l != null && l.get("producers").size() == 1;
    });
    JsonNode l = lookup("orders");
    assertEquals(List.of(), channels(l), "a NATS queue group is no NSQ channel");
    assertEquals(broker.nsqPort(), l.get("producers").get(0).get("tcp_port").asInt());
    assertEquals(broker.httpPort(), l.get("producers").get(0).get("http_port").asInt());

    try (RawNsq c = new RawNsq(broker.nsqPort()).consumer("orders", "nsq-workers")) {
      NsqFixture.await("the NSQ channel registered", Duration.ofSeconds(10),
          () -> channels(lookup("orders")).equals(List.of("nsq-workers")));
    }
    // (lookupd keeps listing an empty non-ephemeral channel after UNREGISTER, as nsqlookupd does;
    // LookupdRegistrarTest checks the UNREGISTER itself)
  }

  @Test
  void aTopicDeletedInLookupdIsRegisteredAgainWithinOnePingInterval() throws Exception {
    Connection nats = f.nats("b1");
    nats.subscribe("kept");
    nats.flush(Duration.ofSeconds(5));
    NsqFixture.await("kept registered", Duration.ofSeconds(10), () -> {
      JsonNode l = lookup("kept");
      return l != null && l.get("producers").size() == 1;
    });
    assertEquals("200", f.request("POST", f.lookupd.httpPort(), "/topic/delete?topic=kept")[0]);
    long deleted = System.nanoTime();
    NsqFixture.await("kept registered again", Duration.ofSeconds(5), () -> {
      JsonNode l = lookup("kept");
      return l != null && l.get("producers").size() == 1;
    });
    long ms = (System.nanoTime() - deleted) / 1_000_000;
    assertTrue(ms < 1500, "registered again " + ms + " ms after the delete (ping interval 500 ms)");
  }

  @Test
  void anNsqdIsAskedForVarzOncePerTtl() throws Exception {
    AtomicInteger varz = new AtomicInteger();
    HttpServer nsqd = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    nsqd.createContext("/", ex -> {
      if (ex.getRequestURI().getPath().equals("/varz")) {
        varz.incrementAndGet();
      }
      byte[] body = "404 page not found\n".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(404, body.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    });
    nsqd.start();
    try (Socket peer = new Socket("127.0.0.1", f.lookupd.tcpPort())) {
      peer.setSoTimeout(5000);
      OutputStream out = peer.getOutputStream();
      DataInputStream in = new DataInputStream(peer.getInputStream());
      byte[] body = ("{\"broadcast_address\":\"127.0.0.1\",\"hostname\":\"fake-nsqd\",\"http_port\":"
          + nsqd.getAddress().getPort() + ",\"tcp_port\":4150,\"version\":\"1.3.0\"}").getBytes(StandardCharsets.UTF_8);
      out.write("  V1IDENTIFY\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, (byte) (body.length >>> 8), (byte) body.length});
      out.write(body);
      out.write("REGISTER nsqd-topic\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      in.readFully(new byte[in.readInt()]);
      in.readFully(new byte[in.readInt()]);
      NsqFixture.await("the broker asked the nsqd once", Duration.ofSeconds(10), () -> varz.get() >= 1);
      // long polls come back every 200 ms: without the memory, that is ~15 more /varz requests
      long until = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < until) {
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
      }
      assertEquals(1, varz.get(), "an answer that is not /varz is remembered for discovery-varz-ttl");
    } finally {
      nsqd.stop(0);
    }
  }
}
