package dev.beacon.broker.discovery;

import static dev.beacon.broker.discovery.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.common.HostPort;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** lookupd + 3 brokers started with only --lookupd-tcp-address form one cluster and route messages. */
@Timeout(60)
class ClusterIT {
  private static final Duration JOIN = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(5);
  private TestCluster cluster;

  @BeforeEach
  void setUp() throws Exception {
    cluster = new TestCluster();
    cluster.startLookupd("lookupd", "127.0.0.1:0", "127.0.0.1:0");
    String l = cluster.lookupdTcp("lookupd");
    cluster.startBroker("b1", l);
    cluster.startBroker("b2", l);
    cluster.startBroker("b3", l);
    await("full mesh of 3", WAIT, cluster::fullMesh);
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Message m) {
    return new String(m.getData(), StandardCharsets.UTF_8);
  }

  @Test
  void messagesCrossBrokersWithWildcardsAndShowInLookup() throws Exception {
    Connection c1 = cluster.connect("b1");
    Connection c2 = cluster.connect("b2");
    Connection c3 = cluster.connect("b3");
    Subscription plain2 = c2.subscribe("orders");
    Subscription plain3 = c3.subscribe("orders");
    Subscription star3 = c3.subscribe("orders.*");
    Subscription tail2 = c2.subscribe("orders.>");
    c2.flush(WAIT);
    c3.flush(WAIT);
    await("interest on b1", WAIT, () -> cluster.routesWithInterest("b1", "orders") == 2
        && cluster.routesWithInterest("b1", "orders.*") == 1 && cluster.routesWithInterest("b1", "orders.>") == 1);

    c1.publish("orders", bytes("o1"));
    c1.publish("orders.eu", bytes("o2"));
    c1.publish("orders.eu.paris", bytes("o3"));
    c1.flush(WAIT);
    assertEquals("o1", text(plain2.nextMessage(WAIT)));
    assertEquals("o1", text(plain3.nextMessage(WAIT)));
    assertEquals("o2", text(star3.nextMessage(WAIT)));
    assertEquals("o2", text(tail2.nextMessage(WAIT)));
    assertEquals("o3", text(tail2.nextMessage(WAIT)));
    assertNull(star3.nextMessage(Duration.ofMillis(200)), "orders.* must not match orders.eu.paris");
    assertNull(plain2.nextMessage(Duration.ofMillis(50)), "exactly one copy: a message crosses one hop");

    // lookupd tells which brokers have subscribers on "orders"; wildcard subjects are never registered.
    JsonObject lookup = cluster.get(cluster.lookupd("lookupd").httpPort(), "/lookup?topic=orders");
    JsonArray producers = lookup.getJsonArray("producers");
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < producers.size(); i++) {
      ports.add(producers.getJsonObject(i).getInteger("tcp_port"));
    }
    assertEquals(Set.of(cluster.brokers.get("b2").clientPort(), cluster.brokers.get("b3").clientPort()), ports);
    JsonArray topics = cluster.get(cluster.lookupd("lookupd").httpPort(), "/topics").getJsonArray("topics");
    assertTrue(topics.stream().noneMatch(t -> ((String) t).contains("*") || ((String) t).contains(">")), topics.encode());
  }

  @Test
  void aQueueGroupGetsEachMessageOnceAcrossTheCluster() throws Exception {
    Connection c1 = cluster.connect("b1");
    Connection c2 = cluster.connect("b2");
    Connection c3 = cluster.connect("b3");
    Subscription q1 = c1.subscribe("work", "workers");
    Subscription q2 = c2.subscribe("work", "workers");
    Subscription q3 = c3.subscribe("work", "workers");
    for (Connection c : new Connection[] {c1, c2, c3}) {
      c.flush(WAIT);
    }
    await("queue interest on b1", WAIT, () -> cluster.routesWithInterest("b1", "work workers") == 2);

    int n = 300;
    for (int i = 0; i < n; i++) {
      c1.publish("work", bytes(Integer.toString(i)));
    }
    c1.flush(WAIT);
    Set<String> seen = new HashSet<>();
    int[] perMember = new int[3];
    Subscription[] subs = {q1, q2, q3};
    for (int k = 0; k < 3; k++) {
      for (Message m = subs[k].nextMessage(Duration.ofMillis(500)); m != null; m = subs[k].nextMessage(Duration.ofMillis(300))) {
        assertTrue(seen.add(text(m)), "delivered twice: " + text(m));
        perMember[k]++;
      }
    }
    assertEquals(n, seen.size(), "every message delivered exactly once; per member " + java.util.Arrays.toString(perMember));
    assertTrue(perMember[1] > 0 && perMember[2] > 0, "remote members get a share: " + java.util.Arrays.toString(perMember));
  }

  @Test
  void requestReplyAndNoRespondersAcrossBrokers() throws Exception {
    Connection c1 = cluster.connect("b1");
    Connection c3 = cluster.connect("b3");
    var responder = c3.createDispatcher(m -> c3.publish(m.getReplyTo(), bytes("re:" + text(m))));
    responder.subscribe("svc.echo");
    c3.flush(WAIT);
    await("svc.echo interest on b1", WAIT, () -> cluster.routesWithInterest("b1", "svc.echo") == 1);
    Message reply = c1.request("svc.echo", bytes("hi"), WAIT);
    assertNotNull(reply, "reply across brokers");
    assertEquals("re:hi", text(reply));

    responder.unsubscribe("svc.echo");
    c3.flush(WAIT);
    await("svc.echo interest gone on b1", WAIT, () -> cluster.routesWithInterest("b1", "svc.echo") == 0);
    long t0 = System.nanoTime();
    // jnats cancels the request future when the server answers 503 (no responders).
    assertThrows(CancellationException.class,
        () -> c1.request("svc.echo", bytes("anyone?")).get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(), "no responders is immediate, not a timeout");
  }

  @Test
  void aFourthBrokerIsRoutedWithinTwoSeconds() throws Exception {
    long t0 = System.nanoTime();
    cluster.startBroker("b4", cluster.lookupdTcp("lookupd"));
    await("b4 in the full mesh", JOIN, cluster::fullMesh);
    System.out.printf("b4 routed to b1..b3 %d ms after start%n", (System.nanoTime() - t0) / 1_000_000);

    Connection c1 = cluster.connect("b1");
    Connection c4 = cluster.connect("b4");
    Subscription s1 = c1.subscribe("news");
    c1.flush(WAIT);
    await("news interest on b4", WAIT, () -> cluster.routesWithInterest("b4", "news") == 1);
    c4.publish("news", bytes("from b4"));
    assertEquals("from b4", text(s1.nextMessage(WAIT)));
  }

  @Test
  void aKilledBrokerIsDroppedAndItsRestartRejoins() throws Exception {
    await("discovery complete", WAIT, cluster::discoveredAll);
    int oldRoutePort = cluster.brokers.get("b2").clusterPort();
    cluster.stop("b2");
    await("b1 and b3 routed only to each other", WAIT,
        () -> cluster.routedTo("b1").equals(Set.of("b3")) && cluster.routedTo("b3").equals(Set.of("b1")));
    // Gone from lookupd, the old address leaves the peer set after discovery-peer-expiry (not redialled for ever).
    HostPort oldRoute = new HostPort("127.0.0.1", oldRoutePort);
    assertTrue(cluster.routePeers("b1").contains(oldRoute), "still a peer right after the kill: " + cluster.routePeers("b1"));
    await("b2's old route address dropped", Duration.ofSeconds(10), () -> !cluster.routePeers("b1").contains(oldRoute)
        && !cluster.routePeers("b3").contains(oldRoute));

    cluster.startBroker("b2", cluster.lookupdTcp("lookupd"));
    await("b2 back in the mesh", JOIN, cluster::fullMesh);
    Connection c2 = cluster.connect("b2");
    Connection c3 = cluster.connect("b3");
    Subscription s = c3.subscribe("after.restart");
    c3.flush(WAIT);
    await("interest on b2", WAIT, () -> cluster.routesWithInterest("b2", "after.restart") == 1);
    c2.publish("after.restart", bytes("x"));
    assertEquals("x", text(s.nextMessage(WAIT)));
  }

  @Test
  void aLookupdRestartReRegistersEveryBrokerAndKeepsTheRoutes() throws Exception {
    Connection c1 = cluster.connect("b1");
    Connection c2 = cluster.connect("b2");
    Subscription s2 = c2.subscribe("keep.flowing");
    c2.flush(WAIT);
    await("interest on b1", WAIT, () -> cluster.routesWithInterest("b1", "keep.flowing") == 1);
    // Let every broker's discovery see every other, so the routes have settled before the snapshot.
    await("discovery complete", WAIT, cluster::discoveredAll);
    int removalsBefore = 0;
    for (String b : cluster.brokers.keySet()) {
      removalsBefore += cluster.discovery(b).removals();
    }
    int tcp = cluster.lookupd("lookupd").tcpPort();
    int httpPort = cluster.lookupd("lookupd").httpPort();

    cluster.stop("lookupd");
    c1.publish("keep.flowing", bytes("while lookupd is down"));
    assertEquals("while lookupd is down", text(s2.nextMessage(WAIT)));
    cluster.startLookupd("lookupd", "127.0.0.1:" + tcp, "127.0.0.1:" + httpPort);
    long t0 = System.nanoTime();
    await("3 brokers registered again within one ping interval", Duration.ofSeconds(15), () -> {
      JsonArray nodes = cluster.get(httpPort, "/nodes").getJsonArray("producers");
      JsonObject lookup = cluster.get(httpPort, "/lookup?topic=keep.flowing");
      return nodes != null && nodes.size() == 3 && lookup.getJsonArray("producers") != null
          && lookup.getJsonArray("producers").size() == 1;
    });
    System.out.printf("all brokers registered %d ms after the lookupd restart%n", (System.nanoTime() - t0) / 1_000_000);
    // Observe two discovery polls with the new lookupd: no broker may have dropped a route peer (a
    // deliberate bounded pause: what is checked is that nothing happens).
    Thread.sleep(2000);
    int removalsAfter = 0;
    for (String b : cluster.brokers.keySet()) {
      removalsAfter += cluster.discovery(b).removals();
      assertEquals(2, cluster.routePeers(b).size(), b + " peers " + cluster.routePeers(b));
    }
    assertEquals(removalsBefore, removalsAfter, "no route peer dropped across the lookupd restart");
    assertTrue(cluster.fullMesh(), "full mesh throughout");
    c1.publish("keep.flowing", bytes("after"));
    assertEquals("after", text(s2.nextMessage(WAIT)));
  }

  @Test
  void jnatsFailsOverFromAKilledBrokerThroughConnectUrls() throws Exception {
    // The client is given b1 only; it learns b2 and b3 from INFO connect_urls.
    Connection c = cluster.connect(new io.nats.client.Options.Builder().server(cluster.url("b1"))
        .reconnectWait(Duration.ofMillis(100)).maxReconnects(-1));
    await("connect_urls learned", WAIT, () -> c.getServers().size() >= 3);
    Subscription s = c.subscribe("failover");
    c.flush(WAIT);
    Connection c3 = cluster.connect("b3");
    await("interest on b3", WAIT, () -> cluster.routesWithInterest("b3", "failover") == 1);

    String b1Port = ":" + cluster.brokers.get("b1").clientPort();
    String b3Url = cluster.url("b3");
    cluster.stop("b1");
    await("reconnected to another broker", Duration.ofSeconds(10), () -> c.getStatus() == Connection.Status.CONNECTED
        && c.getConnectedUrl() != null && !c.getConnectedUrl().endsWith(b1Port));
    // jnats subscribes again on the new broker; once that interest reaches b3, messages flow.
    await("interest on b3 again", WAIT, () -> cluster.routesWithInterest("b3", "failover") == 1
        || c.getConnectedUrl().equals(b3Url));
    c3.publish("failover", bytes("after failover"));
    assertEquals("after failover", text(s.nextMessage(WAIT)));
  }
}
