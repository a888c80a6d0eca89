package dev.beacon.broker;

import dev.beacon.common.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Joining without churn: the second side of a pair to discover the other does not dial it again,
 * and when a truly simultaneous handshake does produce a duplicate, the route that stays takes over
 * the interest of the one it replaces, which keeps delivering what is in flight for a grace period.
 */
@Timeout(60)
class RouteJoinTest {

  private static void await(RunningBroker b, Callable<Boolean> c) throws Exception {
    b.await(Duration.ofSeconds(20), c);
  }

  private static HostPort route(RunningBroker b) {
    return new HostPort("127.0.0.1", b.broker.clusterPort());
  }

  @Test
  void discoveringAPeerThatAlreadyRoutedHereDoesNotDialIt() throws Exception {
    try (RunningBroker a = RunningBroker.start(); RunningBroker b = RunningBroker.start()) {
      a.onContext(() -> {
        a.broker.discoveryHost().setRoutePeers(Set.of(route(b)));
        return null;
      });
      await(a, () -> a.broker.routes.count() == 1);
      await(b, () -> b.broker.routes.count() == 1);
      RouteConnection onA = a.onContext(() -> a.broker.routes.all().get(0));
      RouteConnection onB = b.onContext(() -> b.broker.routes.all().get(0));

      // b now discovers a too (as PeerDiscovery does a poll later).
      b.onContext(() -> {
        b.broker.discoveryHost().setRoutePeers(Set.of(route(a)));
        return null;
      });
      await(b, () -> a.broker.serverId().equals(b.broker.routes.peerServerId(route(a))));
      assertEquals(0L, (long) b.onContext(() -> b.broker.stats.duplicateRoutes), "b dialled a route it already had");
      assertEquals(0L, (long) a.onContext(() -> a.broker.stats.duplicateRoutes));
      assertSame(onA, a.onContext(() -> a.broker.routes.all().get(0)));
      assertSame(onB, b.onContext(() -> b.broker.routes.all().get(0)));
      assertTrue(b.onContext(() -> onB.registered && !onB.closed));
    }
  }

  @Test
  void aDuplicateThatWinsTakesOverTheInterestOfTheRouteItReplaces() throws Exception {
    // "O..." sorts after every broker id ("N..."), so the route the broker solicits wins the tie-break.
    String x = "OXSERVER";
    try (RunningBroker a = RunningBroker.start("broker.route-duplicate-grace = 500ms");
         ServerSocket xListener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
         RawConn client = RawConn.connect(a.port());
         RawConn accepted = new RawConn(a.broker.clusterPort())) {
      // x routes to a first (advertising no address, so a cannot tell it is the one it will dial).
      accepted.expect("INFO \\{[^\r\n]*\\}\r\n");
      accepted.send("CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"headers\":true,\"name\":\"" + x
          + "\",\"cluster\":\"beacon\"}\r\nINFO {\"server_id\":\"" + x + "\",\"headers\":true}\r\n"
          + "RS+ $G foo\r\nPING\r\n").expect("PONG\r\n");
      await(a, () -> a.broker.sublist.match("foo").psubs.length == 1);

      // Then a dials x at the same moment (a simultaneous handshake): the solicited route wins.
      a.onContext(() -> {
        a.broker.discoveryHost().setRoutePeers(Set.of(new HostPort("127.0.0.1", xListener.getLocalPort())));
        return null;
      });
      try (RawConn dialled = new RawConn(xListener.accept())) {
        dialled.expect("CONNECT \\{[^\r\n]*\\}\r\nINFO \\{[^\r\n]*\\}\r\n");
        dialled.send("INFO {\"server_id\":\"" + x + "\",\"headers\":true}\r\n");
        await(a, () -> {
          RouteConnection r = a.broker.routes.byServerId().get(x);
          return r != null && r.solicited;
        });
        // x sent no RS+ on the new route, yet a still knows x wants foo: nothing was dropped.
        assertEquals(1, (int) a.onContext(() -> a.broker.sublist.match("foo").psubs.length));
        client.send("PUB foo 2\r\nhi\r\nPING\r\n").expect("PONG\r\n");
        dialled.expect("RMSG \\$G foo 2\r\nhi\r\n");
        // What x still sends on the replaced route during the grace period is delivered.
        client.send("SUB late 1\r\nPING\r\n").expect("PONG\r\n");
        accepted.send("RMSG $G late 3\r\nyes\r\n");
        client.expect("MSG late 1 3\r\nyes\r\n");
        // Then the replaced route is closed; the interest stays with the new one.
        accepted.expectClosed();
        assertEquals(1, (int) a.onContext(() -> a.broker.sublist.match("foo").psubs.length));
        accepted.close();
        dialled.send("RS- $G foo\r\nPING\r\n").expect("RS\\+ \\$G late\r\nPONG\r\n");
        assertEquals(0, (int) a.onContext(() -> a.broker.sublist.match("foo").psubs.length));
      }
    }
  }
}
