package dev.beacon.broker.discovery;

import dev.beacon.testkit.TestCerts;

import dev.beacon.testkit.Await;

import dev.beacon.broker.DiscoveryOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.beacon.common.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Discovery from plain nsqlookupd /nodes plus each node's /varz, against fake HTTP servers. */
@Timeout(20)
class PeerDiscoveryTest {
  private Vertx vertx;
  private Context context;
  private final List<HttpServer> servers = new ArrayList<>();
  private final List<Set<HostPort>> published = new CopyOnWriteArrayList<>();
  private PeerDiscovery discovery;

  /** An HTTP server answering GET path -> (status, body), changeable while running. */
  private final class FakeHttp {
    final Map<String, String> bodies = new ConcurrentHashMap<>();
    final HttpServer server;

    FakeHttp() throws Exception {
      this(new io.vertx.core.http.HttpServerOptions());
    }

    FakeHttp(io.vertx.core.http.HttpServerOptions options) throws Exception {
      server = vertx.createHttpServer(options).requestHandler(req -> {
        String body = bodies.get(req.path());
        if (body == null) {
          req.response().setStatusCode(404).end("404 page not found");
        } else {
          req.response().putHeader("Content-Type", "application/json").end(body);
        }
      });
      server.listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
      servers.add(server);
    }

    int port() {
      return server.actualPort();
    }

    HostPort address() {
      return new HostPort("127.0.0.1", port());
    }
  }

  /**
   * A lookupd's /nodes with Beacon's long poll: every answer carries X-Lookupd-Version; a request
   * with wait and the current version is parked until {@link #setNodes} changes the set.
   */
  private final class LongPollLookupd {
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong(1);
    private volatile String body = nodes();
    private final java.util.Queue<io.vertx.core.http.HttpServerResponse> parked = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final List<String> uris = new CopyOnWriteArrayList<>();
    final HttpServer server;

    LongPollLookupd() throws Exception {
      server = vertx.createHttpServer().requestHandler(req -> {
        uris.add(req.uri());
        String v = req.getParam("version");
        if (req.getParam("wait") != null && String.valueOf(version.get()).equals(v)) {
          parked.add(req.response());
        } else {
          answer(req.response());
        }
      });
      server.listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
      servers.add(server);
    }

    private void answer(io.vertx.core.http.HttpServerResponse r) {
      r.putHeader("X-Lookupd-Version", String.valueOf(version.get())).putHeader("Content-Type", "application/json").end(body);
    }

    void setNodes(String nodes) {
      body = nodes;
      version.incrementAndGet();
      for (io.vertx.core.http.HttpServerResponse r; (r = parked.poll()) != null; ) {
        answer(r);
      }
    }

    HostPort address() {
      return new HostPort("127.0.0.1", server.actualPort());
    }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (discovery != null) {
      context.runOnContext(v -> discovery.stop());
    }
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  private static String node(String address, int tcpPort, int httpPort) {
    return node("127.0.0.1:5000", address, tcpPort, httpPort);
  }

  private static String node(String remoteAddress, String address, int tcpPort, int httpPort) {
    return "{\"remote_address\":\"" + remoteAddress + "\",\"hostname\":\"h\",\"broadcast_address\":\"" + address
        + "\",\"tcp_port\":" + tcpPort + ",\"http_port\":" + httpPort + ",\"version\":\"1.3.0\",\"tombstones\":[],\"topics\":[]}";
  }

  private static String nodes(String... nodes) {
    return "{\"producers\":[" + String.join(",", nodes) + "]}";
  }

  private static String varz(String serverId, int clusterPort) {
    return "{\"server_id\":\"" + serverId + "\",\"beacon\":true,\"cluster\":{\"addr\":\"0.0.0.0\",\"cluster_port\":" + clusterPort + "}}";
  }

  private void start(int selfHttpPort, String extraConfig, List<HostPort> lookupds) {
    start(selfHttpPort, extraConfig, lookupds, new io.vertx.core.http.HttpClientOptions());
  }

  private void start(int selfHttpPort, String extraConfig, List<HostPort> lookupds,
      io.vertx.core.http.HttpClientOptions client) {
    DiscoveryOptions options = DiscoveryOptions.from(ConfigFactory.parseString(
            "broker.discovery-poll-interval = 50ms\n" + extraConfig)
        .withFallback(ConfigFactory.defaultReference()).resolve());
    PeerDiscovery.Node self = new PeerDiscovery.Node("127.0.0.1", 4222, selfHttpPort);
    context.runOnContext(v -> {
      discovery = new PeerDiscovery(vertx, vertx.createHttpClient(client), options, self, "SELF",
          () -> lookupds, published::add);
      discovery.start();
    });
  }

  private Set<HostPort> last() {
    return published.isEmpty() ? Set.of() : published.get(published.size() - 1);
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(what, Duration.ofSeconds(5), condition::getAsBoolean);
  }

  @Test
  void aBeaconLookupdIsLongPolledSoANewBrokerIsKnownFasterThanThePollInterval() throws Exception {
    LongPollLookupd lookupd = new LongPollLookupd();
    FakeHttp b = new FakeHttp();
    b.bodies.put("/varz", varz("B", 6001));
    FakeHttp c = new FakeHttp();
    c.bodies.put("/varz", varz("C", 6002));
    lookupd.setNodes(nodes(node("127.0.0.1", 1, b.port())));
    start(1, "broker.discovery-poll-interval = 30s", List.of(lookupd.address()));
    context.runOnContext(v -> discovery.pollAll()); // as LookupdDiscovery does after IDENTIFY
    await("B", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6001))));
    await("a parked long poll", () -> lookupd.parked.size() == 1);

    long joined = System.nanoTime();
    lookupd.setNodes(nodes(node("127.0.0.1", 1, b.port()), node("127.0.0.1", 2, c.port())));
    await("C", () -> last().contains(new HostPort("127.0.0.1", 6002)));
    long tookMs = (System.nanoTime() - joined) / 1_000_000;
    assertTrue(tookMs < 3_000, "C known after " + tookMs + " ms; the poll interval is 30 s");
    assertEquals("/nodes", lookupd.uris.get(0), "the first request is a plain nsqlookupd /nodes");
    assertTrue(lookupd.uris.get(1).matches("/nodes\\?wait=\\d+ms&version=2"), lookupd.uris.toString());
  }

  /** peer-http-tls: /varz over HTTPS, the peer's certificate checked against discovery-tls-ca and its broadcast address. */
  @Test
  void peerHttpTlsFetchesVarzOverHttpsFromPeersWithACertificateFromTheCa() throws Exception {
    dev.beacon.testkit.TestCerts certs = dev.beacon.testkit.TestCerts.get();
    FakeHttp lookupd = new FakeHttp();
    FakeHttp good = new FakeHttp(new io.vertx.core.http.HttpServerOptions().setSsl(true).setKeyCertOptions(
        new io.vertx.core.net.PemKeyCertOptions().setCertPath(certs.serverCert.toString()).setKeyPath(certs.serverKey.toString())));
    good.bodies.put("/varz", varz("B", 6001));
    FakeHttp stranger = new FakeHttp(new io.vertx.core.http.HttpServerOptions().setSsl(true).setKeyCertOptions(
        new io.vertx.core.net.PemKeyCertOptions().setCertPath(certs.otherCert.toString()).setKeyPath(certs.otherKey.toString())));
    stranger.bodies.put("/varz", varz("X", 6009));
    FakeHttp plain = new FakeHttp();
    plain.bodies.put("/varz", varz("P", 6008));
    lookupd.bodies.put("/nodes", nodes(node("127.0.0.1", 4223, good.port()), node("127.0.0.1", 4224, stranger.port()),
        node("127.0.0.1", 4225, plain.port())));
    start(1, "broker.peer-http-tls = true\nbroker.discovery-tls-ca = \"" + certs.ca + "\"\n", List.of(lookupd.address()),
        new io.vertx.core.http.HttpClientOptions().setVerifyHost(true)
            .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(certs.ca.toString())));
    await("peer B over https", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6001))));
    // The stranger (another CA) and the plain-HTTP node are asked again each poll and never added.
    // Deliberately waits for nothing to happen: a bounded pause of several poll periods (50 ms).
    Thread.sleep(200);
    assertEquals(Set.of(new HostPort("127.0.0.1", 6001)), last(), "published " + published);
  }

  @Test
  void routesToBeaconBrokersOnlyNeverToItself() throws Exception {
    FakeHttp lookupd = new FakeHttp();
    FakeHttp self = new FakeHttp();
    self.bodies.put("/varz", varz("SELF", 6000));
    FakeHttp peer = new FakeHttp();
    peer.bodies.put("/varz", varz("B", 6001));
    FakeHttp nsqd = new FakeHttp();
    FakeHttp natsServer = new FakeHttp();
    natsServer.bodies.put("/varz", "{\"server_id\":\"N\",\"cluster\":{\"addr\":\"0.0.0.0\",\"cluster_port\":6222}}");
    FakeHttp selfElsewhere = new FakeHttp();
    selfElsewhere.bodies.put("/varz", varz("SELF", 6000));
    lookupd.bodies.put("/nodes", nodes(node("127.0.0.1", 4222, self.port()), node("127.0.0.1", 4223, peer.port()),
        node("127.0.0.1", 4150, nsqd.port()), node("127.0.0.1", 4224, selfElsewhere.port()),
        node("127.0.0.1", 4225, natsServer.port())));

    start(self.port(), "", List.of(lookupd.address()));
    await("peer B", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6001))));
    // Observe several poll periods: the nsqd (404 on /varz), the nats-server (no
    // Beacon marker) and our own node under another address must never be added.
    int polls = published.size();
    // Deliberately waits for nothing to happen: a bounded pause of several poll periods.
    Thread.sleep(200);
    assertEquals(polls, published.size(), "published " + published);
  }

  @Test
  void acceptsThePre10EnvelopeAndUnionsLookupds() throws Exception {
    FakeHttp l1 = new FakeHttp();
    FakeHttp l2 = new FakeHttp();
    FakeHttp b = new FakeHttp();
    b.bodies.put("/varz", varz("B", 6001));
    FakeHttp c = new FakeHttp();
    c.bodies.put("/varz", varz("C", 6002));
    l1.bodies.put("/nodes", nodes(node("127.0.0.1", 1, b.port())));
    l2.bodies.put("/nodes", "{\"status_code\":200,\"status_txt\":\"OK\",\"data\":" + nodes(node("127.0.0.1", 2, c.port())) + "}");
    start(1, "", List.of(l1.address(), l2.address()));
    await("B and C", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6001), new HostPort("127.0.0.1", 6002))));
  }

  @Test
  void aPeerGoneFromEveryLookupdIsDroppedButAnOutageDropsNothing() throws Exception {
    FakeHttp l1 = new FakeHttp();
    FakeHttp l2 = new FakeHttp();
    FakeHttp b = new FakeHttp();
    b.bodies.put("/varz", varz("B", 6001));
    FakeHttp c = new FakeHttp();
    c.bodies.put("/varz", varz("C", 6002));
    l1.bodies.put("/nodes", nodes(node("127.0.0.1", 1, b.port()), node("127.0.0.1", 2, c.port())));
    l2.bodies.put("/nodes", nodes(node("127.0.0.1", 1, b.port())));
    start(1, "broker.discovery-peer-expiry = 300ms", List.of(l1.address(), l2.address()));
    HostPort routeB = new HostPort("127.0.0.1", 6001);
    HostPort routeC = new HostPort("127.0.0.1", 6002);
    await("B and C", () -> last().equals(Set.of(routeB, routeC)));

    l1.bodies.put("/nodes", nodes(node("127.0.0.1", 1, b.port())));
    await("C dropped, B kept (still listed by both)", () -> last().equals(Set.of(routeB)));

    // Both lookupds down (the /nodes route fails): nothing expires, routes stay.
    l1.bodies.remove("/nodes");
    l2.bodies.remove("/nodes");
    int before = published.size();
    Thread.sleep(900); // observe three expiry periods with no lookupd answering
    assertEquals(before, published.size());
    assertEquals(Set.of(routeB), last());
  }

  @Test
  void oversizedAnswersAreRejected() throws Exception {
    FakeHttp lookupd = new FakeHttp();
    FakeHttp b = new FakeHttp();
    b.bodies.put("/varz", varz("B", 6001) + " ".repeat(2000));
    FakeHttp c = new FakeHttp();
    c.bodies.put("/varz", varz("C", 6002));
    lookupd.bodies.put("/nodes", nodes(node("127.0.0.1", 1, b.port()), node("127.0.0.1", 2, c.port())));
    start(1, "broker.discovery-max-response-size = 1KiB", List.of(lookupd.address()));
    await("C", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6002))));
    lookupd.bodies.put("/nodes", nodes(node("127.0.0.1", 2, c.port())) + " ".repeat(2000));
    // An oversized /nodes answer counts as no answer: observe several polls, C must stay (a
    // deliberate bounded pause: what is checked is that nothing happens).
    Thread.sleep(300);
    assertTrue(last().contains(new HostPort("127.0.0.1", 6002)));
  }

  @Test
  void aNodeThatReconnectsToLookupdIsAskedAgainForItsRoutePort() throws Exception {
    FakeHttp lookupd = new FakeHttp();
    FakeHttp b = new FakeHttp();
    b.bodies.put("/varz", varz("B", 6001));
    lookupd.bodies.put("/nodes", nodes(node("127.0.0.1:5000", "127.0.0.1", 1, b.port())));
    start(1, "", List.of(lookupd.address()));
    await("B on 6001", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6001))));
    // B restarts on the same client and HTTP ports with another route port (well inside the varz TTL).
    b.bodies.put("/varz", varz("B2", 6002));
    lookupd.bodies.put("/nodes", nodes(node("127.0.0.1:5001", "127.0.0.1", 1, b.port())));
    await("B on 6002", () -> last().equals(Set.of(new HostPort("127.0.0.1", 6002))));
    assertTrue(published.stream().noneMatch(Set::isEmpty), "B was never dropped while asked again: " + published);
  }
}
