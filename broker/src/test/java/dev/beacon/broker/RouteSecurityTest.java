package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import dev.beacon.broker.discovery.LookupdDiscovery;
import dev.beacon.lookupd.LookupdFixture;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import dev.beacon.common.HostPort;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Who may join a cluster: brokers found through an in-process lookupd with mutual route TLS and
 * route credentials form a mesh; a process registered in the same lookupd with a certificate from
 * another CA gets no route and no message, and the failure is logged; a dialled address that is not
 * on the peer's certificate is refused; a raw socket without credentials delivers nothing.
 */
@Timeout(90)
class RouteSecurityTest {
  private static final TestCerts CERTS = TestCerts.get();
  private static final String CREDENTIALS = "broker.route-user=\"cluster\"\nbroker.route-password=\"s3cret\"\n";

  private final Vertx vertx = Vertx.vertx();
  private final List<Connection> clients = new ArrayList<>();
  @AfterEach
  void stop() throws Exception {
    for (Connection c : clients) {
      c.close();
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private String startLookupd() {
    return new LookupdFixture(vertx, Map.of("log-level", "warn")).tcpAddress();
  }

  private Broker startBroker(String name, String overrides) throws Exception {
    Broker b = new Broker(RunningBroker.options("broker.name=\"" + name + "\"\nbroker.discovery-peer-expiry=3s\n"
        + overrides), LookupdDiscovery::new);
    vertx.deployVerticle(b).await(10, TimeUnit.SECONDS);
    return b;
  }

  private static <T> T on(Broker b, Callable<T> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    b.context().runOnContext(v -> {
      try {
        f.complete(task.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    return f.get(5, TimeUnit.SECONDS);
  }

  private static void await(String what, Callable<Boolean> check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!check.call()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
  }

  private Connection connect(Broker b) throws Exception {
    Connection c = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + b.clientPort())
        .connectionTimeout(Duration.ofSeconds(2)).build());
    clients.add(c);
    return c;
  }

  private static int routes(Broker b) throws Exception {
    return on(b, () -> b.routes.count());
  }

  @Test
  void onlyBrokersWithAClusterCertificateJoin() throws Exception {
    String lookupd = startLookupd();
    String member = BrokerTls.routeTls(CERTS.serverCert, CERTS.serverKey, CERTS.ca) + CREDENTIALS
        + "broker.lookupd-tcp-address=[\"" + lookupd + "\"]\n";
    Broker b1 = startBroker("b1", member);
    Broker b2 = startBroker("b2", member);
    Broker b3 = startBroker("b3", member);
    await("a full mesh", () -> routes(b1) == 2 && routes(b2) == 2 && routes(b3) == 2);
    assertTrue(on(b1, () -> b1.routes.all().stream().allMatch(r -> "1.3".equals(r.tlsVersion))));

    // An outsider that knows the cluster's CA and credentials but holds a certificate from another CA.
    Broker intruder = startBroker("intruder", BrokerTls.routeTls(CERTS.otherCert, CERTS.otherKey, CERTS.ca)
        + CREDENTIALS + "broker.lookupd-tcp-address=[\"" + lookupd + "\"]\n");
    HostPort intruderRoute = new HostPort("127.0.0.1", intruder.clusterPort());
    // Every member found it through lookupd and dialled it, and it dialled every member: every
    // handshake fails on both sides (each failure is also logged: RouteTlsProcessIT reads those lines).
    for (Broker b : List.of(b1, b2, b3)) {
      await(b.serverName() + " dialling the intruder and being dialled by it, refused",
          () -> on(b, () -> b.routes.wants(intruderRoute) && b.stats.tlsHandshakeFailures >= 2));
    }
    await("the intruder refused by all three", () -> on(intruder, () -> intruder.stats.tlsHandshakeFailures >= 6));

    Connection sub3 = connect(b3);
    Subscription s3 = sub3.subscribe("secret.>");
    sub3.flush(Duration.ofSeconds(2));
    Connection spy = connect(intruder);
    Subscription spied = spy.subscribe(">");
    spy.flush(Duration.ofSeconds(2));
    await("interest on b1", () -> on(b1, () -> b1.sublist.match("secret.x").psubs.length > 0));
    Connection pub = connect(b1);
    pub.publish("secret.x", "for members".getBytes(StandardCharsets.UTF_8));
    pub.flush(Duration.ofSeconds(2));
    Message m = s3.nextMessage(Duration.ofSeconds(5));
    assertNotNull(m);
    assertEquals("for members", new String(m.getData(), StandardCharsets.UTF_8));
    assertNull(spied.nextMessage(Duration.ofMillis(500)));
    assertEquals(0, routes(intruder));
    assertEquals(2, routes(b1));
  }

  @Test
  void dialledAddressMustBeANameOnThePeersCertificate() throws Exception {
    Broker a = startBroker("a", BrokerTls.routeTls(CERTS.wrongNameCert, CERTS.wrongNameKey, CERTS.ca));
    Broker b = startBroker("b", BrokerTls.routeTls(CERTS.serverCert, CERTS.serverKey, CERTS.ca)
        + "broker.routes=[\"nats-route://127.0.0.1:" + a.clusterPort() + "\"]\n");
    // b refuses a's certificate (a's own end sees the refusal as an alert).
    await("b refusing a's certificate", () -> on(b, () -> b.stats.tlsHandshakeFailures >= 1)
        && on(a, () -> a.stats.tlsHandshakeFailures >= 1));
    assertEquals(0, routes(a));
    assertEquals(0, routes(b));
  }

  @Test
  void routeWithoutCredentialsIsRefusedAndDeliversNothing() throws Exception {
    Broker b = startBroker("b", CREDENTIALS);
    Connection sub = connect(b);
    Subscription s = sub.subscribe("orders.>");
    sub.flush(Duration.ofSeconds(2));
    String[] connects = {
        "CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"name\":\"ROUTER:X\",\"cluster\":\"beacon\"}\r\n",
        "CONNECT {\"verbose\":false,\"user\":\"cluster\",\"pass\":\"wrong\",\"name\":\"ROUTER:X\",\"cluster\":\"beacon\"}\r\n",
        "INFO {\"server_id\":\"ROUTER:X\"}\r\n",
        "RMSG $G orders.new 4\r\nfake\r\n"};
    for (String first : connects) {
      try (RawConn r = new RawConn(b.clusterPort())) {
        String info = r.expect("INFO (\\{.*\\})\r\n").group(1);
        assertTrue(info.contains("\"auth_required\":true"), info);
        r.send(first + "INFO {\"server_id\":\"ROUTER:X\",\"headers\":true}\r\nRMSG $G orders.new 4\r\nfake\r\n");
        r.expectErr("Authorization Violation");
        r.expectClosed();
      }
    }
    assertNull(s.nextMessage(Duration.ofMillis(300)));
    assertEquals(0, routes(b));
    // With the credentials the same peer is a route.
    try (RawConn r = new RawConn(b.clusterPort())) {
      r.expect("INFO (\\{.*\\})\r\n");
      r.send("CONNECT {\"verbose\":false,\"user\":\"cluster\",\"pass\":\"s3cret\",\"name\":\"ROUTER:X\",\"cluster\":\"beacon\"}\r\n"
          + "INFO {\"server_id\":\"ROUTER:X\",\"headers\":true}\r\n");
      r.expect("RS\\+ \\$G orders\\.>\r\n");
      r.send("RMSG $G orders.new 4\r\nreal\r\n");
      assertEquals("real", new String(s.nextMessage(Duration.ofSeconds(5)).getData(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void plainSocketOnATlsRoutePortGetsNothing() throws Exception {
    Broker b = startBroker("b", BrokerTls.routeTls(CERTS.serverCert, CERTS.serverKey, CERTS.ca));
    Connection sub = connect(b);
    Subscription s = sub.subscribe(">");
    sub.flush(Duration.ofSeconds(2));
    try (RawConn r = new RawConn(b.clusterPort())) {
      r.send("CONNECT {\"name\":\"ROUTER:X\"}\r\nINFO {\"server_id\":\"ROUTER:X\"}\r\nRMSG $G x 4\r\nfake\r\n");
      r.expectClosed();
    }
    assertNull(s.nextMessage(Duration.ofMillis(300)));
  }

  @Test
  void noRouteListenerUnlessClustered() throws Exception {
    Broker alone = new Broker(BrokerOptions.of("broker.listen=\"127.0.0.1:0\"\nbroker.http=\"127.0.0.1:0\"\n"),
        Discovery.NONE);
    vertx.deployVerticle(alone).await(10, TimeUnit.SECONDS);
    assertEquals(-1, alone.clusterPort());
    java.net.http.HttpResponse<String> varz = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + alone.httpPort() + "/varz")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(0, dev.beacon.broker.Json.MAPPER.readTree(varz.body()).path("cluster").path("cluster_port").asInt(-1));
    assertTrue(BrokerOptions.of("broker.routes=[\"127.0.0.1:1\"]").clustered());
    assertTrue(BrokerOptions.of("broker.lookupd-tcp-address=[\"127.0.0.1:1\"]").clustered());
    assertTrue(BrokerOptions.of("broker.cluster=\"0.0.0.0:6222\"").clustered());
  }
}
