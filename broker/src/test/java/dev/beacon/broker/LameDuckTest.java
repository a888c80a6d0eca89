package dev.beacon.broker;

import dev.beacon.testkit.Await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.common.HostPort;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Lame duck mode (as nats-server's): the SIGTERM path (Broker.stop) with lame-duck-duration above 0. */
@Timeout(60)
class LameDuckTest {
  private static final String LDM = "broker.lame-duck-duration=2s\nbroker.lame-duck-grace-period=500ms\n";
  private static final String FAST_ROUTES = "broker.route-reconnect-min=50ms\nbroker.route-reconnect-max=500ms\n";
  private static final String PROTO1 = "{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}";

  private final List<RunningBroker> brokers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (RunningBroker b : brokers) {
      b.close();
    }
  }

  private RunningBroker start(String overrides) {
    RunningBroker b = RunningBroker.start(overrides);
    brokers.add(b);
    return b;
  }

  private static String clientUrl(RunningBroker b) {
    return "127.0.0.1:" + b.port();
  }

  /** Routes a and b to each other and waits until both see the other's client URL. */
  private static void mesh(RunningBroker a, RunningBroker b) throws Exception {
    Set<HostPort> both = Set.of(new HostPort("127.0.0.1", a.broker.clusterPort()),
        new HostPort("127.0.0.1", b.broker.clusterPort()));
    for (RunningBroker x : List.of(a, b)) {
      x.onContext(() -> {
        x.broker.discoveryHost().setRoutePeers(both);
        return null;
      });
    }
    for (RunningBroker x : List.of(a, b)) {
      x.await(Duration.ofSeconds(15), () -> x.broker.routes.connectUrls().size() == 2);
    }
  }

  private static JsonNode infoJson(Matcher m) throws IOException {
    return Json.MAPPER.readTree(m.group(1));
  }

  private static List<String> urls(JsonNode info) {
    List<String> urls = new ArrayList<>();
    info.path("connect_urls").forEach(u -> urls.add(u.asText()));
    return urls;
  }

  private static JsonNode varz(RunningBroker b) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + b.broker.httpPort() + "/varz")).build(), HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(r.body());
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void rawClientGetsLdmInfoStaysForGraceThenIsClosedBeforeDurationEnds() throws Exception {
    RunningBroker a = start(LDM + FAST_ROUTES);
    RunningBroker b = start(FAST_ROUTES);
    mesh(a, b);
    try (RawConn c = RawConn.connect(a.port(), PROTO1)) {
      c.send("SUB foo 1\r\nPING\r\n");
      c.expect("PONG\r\n");
      assertFalse(varz(a).has("ldm"), "no ldm in /varz before lame duck mode");

      long t0 = System.nanoTime();
      Future<Void> closing = a.vertx.close();

      JsonNode info = infoJson(c.expect("INFO (\\{.*?\\}) ?\r\n"));
      assertTrue(info.path("ldm").asBoolean(false), "INFO without ldm: " + info);
      assertEquals(List.of(clientUrl(b)), urls(info), "connect_urls must be the others' URLs only: " + info);

      // New clients are refused while in lame duck mode.
      Await.until("new client connections refused during lame duck mode", Duration.ofMillis(300),
          () -> refused(a.port()));
      assertTrue(varz(a).path("ldm").asBoolean(false), "/varz has no ldm:true in lame duck mode");

      // Still served during the grace period.
      c.send("PUB foo 2\r\nhi\r\nPING\r\n");
      c.expect("MSG foo 1 2\r\nhi\r\nPONG\r\n");
      long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(elapsedMs < 450, "test too slow to check the grace period: " + elapsedMs + " ms");
      c.expectNothing(Duration.ofMillis(Math.max(1, 400 - elapsedMs)));

      c.expectClosed();
      long closedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(closedMs >= 400, "closed during the grace period, after " + closedMs + " ms");
      assertTrue(closedMs < 2000, "closed only after the lame duck duration: " + closedMs + " ms");
      closing.await(10, TimeUnit.SECONDS);
    }
  }

  /** event-loops > 1: the client listeners are other verticles; their sockets must survive the listener's close. */
  @Test
  void withSeveralEventLoopsClientsStayForGraceAndStopEndsOnTime() throws Exception {
    RunningBroker a = start(LDM + "broker.event-loops=2\n");
    try (RawConn c = RawConn.connect(a.port(), PROTO1)) {
      long t0 = System.nanoTime();
      Future<Void> closing = a.vertx.close();
      JsonNode info = infoJson(c.expect("INFO (\\{.*?\\}) ?\r\n"));
      assertTrue(info.path("ldm").asBoolean(false), "INFO without ldm: " + info);
      c.send("PING\r\n");
      c.expect("PONG\r\n");
      c.expectNothing(Duration.ofMillis(300));
      c.expectClosed();
      long closedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(closedMs >= 400 && closedMs < 2000, "closed after " + closedMs + " ms");
      closing.await(10, TimeUnit.SECONDS);
      long stoppedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(stoppedMs < 4000, "stop took " + stoppedMs + " ms");
    }
  }

  @Test
  void manyClientsAreClosedSpreadOverTheRestOfTheDuration() throws Exception {
    RunningBroker a = start(LDM);
    int n = 20;
    List<RawConn> conns = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        conns.add(RawConn.connect(a.port(), PROTO1));
      }
      a.await(Duration.ofSeconds(5), () -> a.broker.clients.size() == n);
      long t0 = System.nanoTime();
      a.vertx.close();
      long firstMs = -1;
      long lastMs = -1;
      while (lastMs < 0) {
        int left = a.onContext(() -> a.broker.clients.size());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (left < n && firstMs < 0) {
          firstMs = ms;
        }
        if (left == 0) {
          lastMs = ms;
        }
        if (ms > 5000) {
          fail("clients left after 5 s: " + left);
        }
        // Sampling period of this measurement (when each client closed), bounded by the 5 s check above.
        Thread.sleep(5);
      }
      assertTrue(firstMs >= 450, "first client closed during the grace period: " + firstMs + " ms");
      assertTrue(lastMs - firstMs >= 500, "clients closed at once, not spread: " + firstMs + ".." + lastMs + " ms");
      assertTrue(lastMs < 2000, "last client closed after the lame duck duration: " + lastMs + " ms");
    } finally {
      for (RawConn c : conns) {
        c.close();
      }
    }
  }

  @Test
  void jnatsGetsLameDuckEvent() throws Exception {
    RunningBroker a = start(LDM);
    CountDownLatch lameDuck = new CountDownLatch(1);
    CountDownLatch disconnected = new CountDownLatch(1);
    ConnectionListener listener = (conn, event) -> {
      if (event == ConnectionListener.Events.LAME_DUCK) {
        lameDuck.countDown();
      } else if (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.CLOSED) {
        disconnected.countDown();
      }
    };
    Connection nc = Nats.connect(Options.builder().server(a.url()).maxReconnects(0).connectionListener(listener).build());
    try {
      a.vertx.close();
      assertTrue(lameDuck.await(5, TimeUnit.SECONDS), "no LAME_DUCK event");
      assertEquals(1, disconnected.getCount(), "disconnected before the grace period ended");
      assertTrue(disconnected.await(5, TimeUnit.SECONDS), "not disconnected after the lame duck duration");
    } finally {
      nc.close();
    }
  }

  @Test
  void peerDropsLameDuckServersUrlAndTellsItsClients() throws Exception {
    RunningBroker a = start(LDM + FAST_ROUTES);
    RunningBroker b = start(FAST_ROUTES);
    mesh(a, b);
    try (RawConn c = RawConn.connect(b.port(), PROTO1)) {
      // b's connect_urls hold both servers before a enters lame duck mode.
      assertTrue(b.onContext(() -> b.broker.routes.connectUrls()).contains(clientUrl(a)));
      a.vertx.close();
      JsonNode info = infoJson(c.expect("INFO (\\{.*?\\}) ?\r\n"));
      assertEquals(List.of(clientUrl(b)), urls(info), "b's async INFO still lists a: " + info);
      assertFalse(info.path("ldm").asBoolean(false), "b is not in lame duck mode: " + info);
      // b keeps the route until a closes it.
      assertEquals(1, (int) b.onContext(() -> b.broker.routes.count()));
    }
  }

  @Test
  void withoutLameDuckDurationStopClosesClientsAtOnceWithoutInfo() throws Exception {
    RunningBroker a = start("");
    try (RawConn c = RawConn.connect(a.port(), PROTO1)) {
      long t0 = System.nanoTime();
      a.vertx.close();
      c.expectClosed(); // no bytes (no INFO "ldm") before the close
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 1500, "plain stop took " + ms + " ms");
    }
  }

  @Test
  void graceMustBeBelowDuration() {
    assertThrows(IllegalArgumentException.class,
        () -> BrokerOptions.of("broker.lame-duck-duration=1s\nbroker.lame-duck-grace-period=1s"));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.lame-duck-duration=-1s"));
    BrokerOptions off = BrokerOptions.of("");
    assertTrue(off.lameDuckDuration().isZero());
    assertEquals(Duration.ofSeconds(10), off.lameDuckGracePeriod());
    BrokerOptions.of("broker.lame-duck-duration=30s");
  }
}
