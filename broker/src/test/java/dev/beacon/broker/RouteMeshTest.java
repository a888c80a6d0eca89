package dev.beacon.broker;

import dev.beacon.common.HostPort;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** In-process brokers wired with setRoutePeers directly: full mesh, one route per pair, self refused. */
@Timeout(60)
class RouteMeshTest {
  private final List<RunningBroker> brokers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (RunningBroker b : brokers) {
      b.close();
    }
  }

  private RunningBroker start() {
    RunningBroker b = RunningBroker.start("broker.route-reconnect-min=50ms\nbroker.route-reconnect-max=500ms");
    brokers.add(b);
    return b;
  }

  private static HostPort route(RunningBroker b) {
    return new HostPort("127.0.0.1", b.broker.clusterPort());
  }

  /** Gives every broker the whole set, itself included (as discovery would). */
  private void meshAll() throws Exception {
    Set<HostPort> all = new HashSet<>();
    for (RunningBroker b : brokers) {
      all.add(route(b));
    }
    for (RunningBroker b : brokers) {
      b.onContext(() -> {
        b.broker.discoveryHost().setRoutePeers(all);
        return null;
      });
    }
    awaitMesh();
  }

  private void awaitMesh() throws Exception {
    for (RunningBroker b : brokers) {
      await(b, () -> b.broker.routes.count() == brokers.size() - 1);
    }
  }

  private static void await(RunningBroker b, Callable<Boolean> c) throws Exception {
    b.await(Duration.ofSeconds(15), c);
  }

  private static Connection connect(RunningBroker b) throws Exception {
    return Nats.connect(Options.builder().server(b.url()).maxReconnects(0).build());
  }

  /** Interest from a subscription on one broker has reached {@code other}. */
  private static void awaitInterest(RunningBroker other, String subject, int count) throws Exception {
    await(other, () -> other.broker.sublist.match(subject).psubs.length
        + java.util.Arrays.stream(other.broker.sublist.match(subject).qsubs).mapToInt(q -> q.length).sum() >= count);
  }

  @Test
  void threeBrokersFormOneRoutePerPairAndRouteMessages() throws Exception {
    RunningBroker a = start();
    RunningBroker b = start();
    RunningBroker c = start();
    meshAll();
    for (RunningBroker x : brokers) {
      assertEquals(2, (int) x.onContext(() -> x.broker.routes.count()));
    }
    try (Connection pa = connect(a); Connection sb = connect(b); Connection sc = connect(c)) {
      Subscription onB = sb.subscribe("orders.*");
      Subscription onC = sc.subscribe("orders.>");
      sb.flush(Duration.ofSeconds(2));
      sc.flush(Duration.ofSeconds(2));
      awaitInterest(a, "orders.eu", 2);
      pa.publish("orders.eu", "m".getBytes(StandardCharsets.UTF_8));
      assertNotNull(onB.nextMessage(Duration.ofSeconds(3)));
      assertNotNull(onC.nextMessage(Duration.ofSeconds(3)));
      // Exactly one copy each: one hop, no loops in a full mesh.
      assertNull(onB.nextMessage(Duration.ofMillis(200)));
      assertNull(onC.nextMessage(Duration.ofMillis(50)));

      // Request/reply across brokers, and no responders across brokers.
      sb.createDispatcher(m -> sb.publish(m.getReplyTo(), m.getData())).subscribe("svc.echo");
      sb.flush(Duration.ofSeconds(2));
      awaitInterest(a, "svc.echo", 1);
      Message r = pa.request("svc.echo", "ping".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3));
      assertNotNull(r);
      assertEquals("ping", new String(r.getData(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void queueGroupGetsEachMessageOnceAcrossTheCluster() throws Exception {
    RunningBroker a = start();
    RunningBroker b = start();
    RunningBroker c = start();
    meshAll();
    try (Connection pa = connect(a); Connection qa = connect(a); Connection qb = connect(b); Connection qc = connect(c)) {
      List<Subscription> members = List.of(qa.subscribe("work", "g"), qb.subscribe("work", "g"),
          qc.subscribe("work", "g"), qc.subscribe("work", "g"));
      for (Connection x : List.of(qa, qb, qc)) {
        x.flush(Duration.ofSeconds(2));
      }
      awaitInterest(a, "work", 3);
      await(a, () -> {
        for (dev.beacon.broker.Subscription[] q : a.broker.sublist.match("work").qsubs) {
          int w = 0;
          for (dev.beacon.broker.Subscription s : q) {
            w += s.weight;
          }
          return w == 4;
        }
        return false;
      });
      int n = 400;
      for (int i = 0; i < n; i++) {
        pa.publish("work", new byte[] {1});
      }
      pa.flush(Duration.ofSeconds(2));
      int total = 0;
      int[] per = new int[members.size()];
      for (int i = 0; i < members.size(); i++) {
        while (members.get(i).nextMessage(Duration.ofMillis(300)) != null) {
          per[i]++;
        }
        total += per[i];
      }
      assertEquals(n, total);
      for (int p : per) {
        assertTrue(p > n / 4 / 3, java.util.Arrays.toString(per)); // spread over members, by weight
      }
    }
  }

  @Test
  void routeToSelfIsRefusedWithoutARedialLoop() throws Exception {
    RunningBroker a = start();
    a.onContext(() -> {
      a.broker.discoveryHost().setRoutePeers(Set.of(route(a)));
      return null;
    });
    await(a, () -> a.broker.routes.count() == 0 && a.broker.routes.selfDetected(route(a)));
    long total = a.onContext(() -> a.broker.stats.totalConnections);
    assertEquals(0, (int) a.onContext(() -> a.broker.routes.count()));
    assertEquals(total, (long) a.onContext(() -> a.broker.stats.totalConnections));
  }

  @Test
  void aRemovedPeerIsNotRedialledAndABrokerComingBackIsRejoined() throws Exception {
    RunningBroker a = start();
    RunningBroker b = start();
    meshAll();
    HostPort bRoute = route(b);
    // b goes away while still in a's set: a redials with backoff; when b is back on the same port it rejoins.
    b.close();
    brokers.remove(b);
    await(a, () -> a.broker.routes.count() == 0);
    RunningBroker b2 = RunningBroker.start("broker.cluster=\"127.0.0.1:" + bRoute.port() + "\"");
    brokers.add(b2);
    await(a, () -> a.broker.routes.count() == 1);
    // Removed from the set: the established route stays, but after it closes it is not redialled.
    a.onContext(() -> {
      a.broker.discoveryHost().setRoutePeers(Set.of());
      return null;
    });
    b2.close();
    brokers.remove(b2);
    await(a, () -> a.broker.routes.count() == 0 && !a.broker.routes.wants(bRoute));
  }

  @Test
  void simultaneousDialsEndWithExactlyOneRoutePerPair() throws Exception {
    for (int i = 0; i < 4; i++) {
      start();
    }
    meshAll();
    // A dial that was already in flight when the peer's own route registered is dropped on
    // connect; the peer notices that close a moment later. The end state is what counts.
    for (RunningBroker x : brokers) {
      await(x, () -> x.broker.routes.everything().size() == 3);
      assertEquals(3, (int) x.onContext(() -> x.broker.routes.count()), "registered routes on " + x.broker.serverId());
    }
  }
}
