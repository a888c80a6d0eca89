package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write deadline (nats-server's write_deadline): a peer with bytes waiting whose socket takes
 * none of them for write-deadline is cut as a slow consumer, though its pending bytes stay far below
 * max-pending and below the stall mark; a peer that reads slowly but keeps reading is never cut.
 * Raw sockets with a small receive buffer, so the backlog stays in the broker.
 */
@Timeout(120)
class WriteDeadlineTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int SIZE = 1024;
  /**
   * 10,000 x 1 KiB: about 10 MiB, more than the kernel buffers for a socket here (up to 4 MiB sent
   * and unacknowledged), far below the stall mark (half of the default 64 MiB max-pending).
   */
  private static final int BELOW_STALL = 10_000;

  static JsonNode get(int httpPort, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(r.body());
  }

  /** The closed connection {@code cid} in /connz?state=closed, or a missing node. */
  static JsonNode closed(int httpPort, long cid) throws Exception {
    for (JsonNode c : get(httpPort, "/connz?state=closed").path("connections")) {
      if (c.path("cid").asLong() == cid) {
        return c;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static long cidOf(RunningBroker b, int peerPort) throws Exception {
    return b.onContext(() -> {
      for (ClientConnection c : b.broker.clients.values()) {
        if (c.port == peerPort) {
          return c.cid;
        }
      }
      throw new AssertionError("no client from port " + peerPort);
    });
  }

  @Test
  void aNeverReaderBelowTheStallMarkIsCutWithinTheDeadlineAndItsSocketFreed() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.write-deadline = 1s\n")) {
      long period = Broker.writeDeadlineSweepMillis(Duration.ofSeconds(1));
      assertEquals(250, period);
      Socket never = BackpressureTest.subscriber(b.port(), "wdl", 4096);
      try {
        int peer = never.getLocalPort();
        long cid = cidOf(b, peer);
        long t0 = System.nanoTime();
        BackpressureTest.publish(b.port(), "wdl", BELOW_STALL).get(60, TimeUnit.SECONDS);
        long published = System.nanoTime();
        // Bytes wait for it in the broker, far below max-pending: only the deadline can cut it.
        long pending = b.onContext(() -> b.broker.clients.containsKey(cid) ? b.broker.clients.get(cid).wire.pendingBytes() : -1L);
        assertTrue(pending > 0 || pending == -1, "bytes pending for the never-reader: " + pending);
        b.await(Duration.ofSeconds(10), () -> b.broker.stats.slowConsumers == 1);
        long cut = System.nanoTime();
        long sinceStart = (cut - t0) / 1_000_000;
        long sincePublished = (cut - published) / 1_000_000;
        System.out.println("write deadline 1s: cut " + sincePublished + " ms after the publisher stopped ("
            + sinceStart + " ms after it started), " + pending + " bytes pending");
        assertTrue(sinceStart >= 1000, "not before a whole deadline without progress: " + sinceStart + " ms");
        // deadline + one sweep period, plus scheduling slack on a loaded machine
        assertTrue(sincePublished <= 1000 + period + 1000, "cut " + sincePublished + " ms after the publisher stopped");

        int http = b.broker.httpPort();
        JsonNode varz = get(http, "/varz");
        assertEquals(1, varz.path("slow_consumers").asLong(), varz.toString());
        assertEquals(1, varz.path("slow_consumer_stats").path("clients").asLong(), varz.toString());
        assertEquals(1_000_000_000L, varz.path("write_deadline").asLong(), varz.toString());
        JsonNode c = Await.value("the cut subscriber in /connz?state=closed", Duration.ofSeconds(5),
            () -> closed(http, cid), n -> !n.isMissingNode());
        assertEquals("Slow Consumer (Write Deadline)", c.path("reason").asText(), c.toString());

        if (SlowConsumerCloseTest.ssAvailable()) {
          // Closed at once, unsent bytes dropped: the broker's side leaves ESTABLISHED though nothing was read.
          String state = Await.value("the broker's side of the cut socket to leave ESTABLISHED", Duration.ofSeconds(5),
              () -> SlowConsumerCloseTest.serverSideState(b.port(), peer), s -> !s.startsWith("ESTAB"));
          System.out.println("cut never-reader: broker side now '" + state + "'");
        }
        // The broker goes on serving.
        try (RawConn fresh = RawConn.connect(b.port())) {
          fresh.send("SUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n").expect("MSG x 1 2\r\nhi\r\nPONG\r\n");
        }
      } finally {
        never.close();
      }
    }
  }

  @Test
  void aSlowButSteadyReaderIsNotCut() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.write-deadline = 1s\n")) {
      int n = 4_000;
      long frame = ("MSG steady 1 " + SIZE + "\r\n").length() + SIZE + 2;
      try (Socket sub = BackpressureTest.subscriber(b.port(), "steady", 4096)) {
        CompletableFuture<Long> pub = BackpressureTest.publish(b.port(), "steady", n);
        long t0 = System.nanoTime();
        // 1 MB/s: about 4 s for all of it, with up to ~4 MB waiting in the broker at first.
        int got = BackpressureTest.readThrottled(sub, n * frame, 1_000_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        pub.get(30, TimeUnit.SECONDS);
        long peak = b.onContext(() -> b.broker.pendingTotalPeak());
        System.out.println("steady reader at 1 MB/s: " + got + " messages in " + ms + " ms, pending peak " + peak + " bytes");
        assertEquals(n, got);
        assertEquals(0, (long) b.onContext(() -> b.broker.stats.slowConsumers));
        // More was waiting than the reader takes in one deadline: bytes waited longer than the deadline.
        assertTrue(peak > 1_000_000, "pending peak " + peak);
        assertTrue(ms > 2000, "the transfer spans several deadlines: " + ms + " ms");
      }
    }
  }

  @Test
  void aRouteThatTakesNothingIsCutToo() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.write-deadline = 1s\n")) {
      Socket s = new Socket();
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", b.broker.clusterPort()));
      try (RawConn route = new RawConn(s)) {
        String id = "ROUTER:WDL";
        route.expect("INFO (\\{[^\r\n]*\\})\r\n");
        route.send("CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"headers\":true,\"name\":\"" + id
            + "\",\"cluster\":\"beacon\"}\r\nINFO {\"server_id\":\"" + id + "\",\"headers\":true}\r\n"
            + "RS+ $G wdl\r\nPING\r\n");
        route.expect("PONG\r\n");
        b.await(Duration.ofSeconds(10), () -> b.broker.routes.byServerId().containsKey(id));
        // From here the peer reads nothing.
        BackpressureTest.publish(b.port(), "wdl", BELOW_STALL).get(60, TimeUnit.SECONDS);
        b.await(Duration.ofSeconds(10), () -> b.broker.stats.slowConsumerRoutes == 1);
        b.await(Duration.ofSeconds(5), () -> !b.broker.routes.byServerId().containsKey(id));
        assertEquals(1, (long) b.onContext(() -> b.broker.stats.slowConsumers));
        assertEquals(0, (long) b.onContext(() -> b.broker.stats.slowConsumerClients));
      }
    }
  }

  @Test
  void writeDeadlineMustBeAboveZero() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> RunningBroker.options("broker.write-deadline = 0s\n"));
    assertTrue(e.getMessage().startsWith("write-deadline: "), e.getMessage());
    assertEquals(Duration.ofSeconds(10), RunningBroker.options("").writeDeadline());
    assertEquals(Duration.ofMillis(1500), RunningBroker.options("broker.write-deadline = \"1.5s\"\n").writeDeadline());
    assertEquals(1000, Broker.writeDeadlineSweepMillis(Duration.ofSeconds(10)));
  }
}
