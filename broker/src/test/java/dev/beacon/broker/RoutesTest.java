package dev.beacon.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The test plays the peer server on raw sockets (nats-server test/routes_test.go). */
@Timeout(30)
class RoutesTest {
  private RunningBroker b;

  @BeforeEach
  void start() {
    b = RunningBroker.start("");
  }

  @AfterEach
  void stop() throws Exception {
    b.close();
  }

  /** A fake peer server: connects to the route port and does the INFO/CONNECT handshake. */
  private RawConn peer(String id) throws Exception {
    RawConn r = new RawConn(b.broker.clusterPort());
    String info = r.expect("INFO (\\{[^\r\n]*\\})\r\n").group(1);
    assertTrue(info.contains("\"server_id\":\"" + b.broker.serverId() + "\""), info);
    assertTrue(info.contains("\"cluster\":\"beacon\""), info);
    assertTrue(info.contains("\"port\":" + b.broker.clusterPort()), info);
    r.send("CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"headers\":true,\"name\":\"" + id
        + "\",\"cluster\":\"beacon\"}\r\nINFO {\"server_id\":\"" + id + "\",\"headers\":true,"
        + "\"connect_urls\":[\"10.0.0.9:4222\"]}\r\n");
    await(() -> b.broker.routes.byServerId().containsKey(id));
    return r;
  }

  private void await(Callable<Boolean> condition) {
    b.await(Duration.ofSeconds(10), condition);
  }

  @Test
  void localInterestIsSentOnConnectAndThenAsItChanges() throws Exception {
    try (RawConn client = RawConn.connect(b.port())) {
      client.send("SUB before 1\r\nSUB q.* grp 2\r\nPING\r\n").expect("PONG\r\n");
      try (RawConn route = peer("ROUTER:A")) {
        route.expect("(RS\\+ \\$G before\r\nRS\\+ \\$G q\\.\\* grp 1\r\n|RS\\+ \\$G q\\.\\* grp 1\r\nRS\\+ \\$G before\r\n)");
        client.send("SUB after 3\r\nSUB after 4\r\nPING\r\n").expect("PONG\r\n");
        route.expect("RS\\+ \\$G after\r\n");
        client.send("SUB q.* grp 5\r\nPING\r\n").expect("PONG\r\n");
        route.expect("RS\\+ \\$G q\\.\\* grp 2\r\n");
        client.send("UNSUB 5\r\nUNSUB 2\r\nUNSUB 3\r\nPING\r\n").expect("PONG\r\n");
        route.expect("RS\\+ \\$G q\\.\\* grp 1\r\nRS- \\$G q\\.\\* grp\r\n");
        route.expectNothing(Duration.ofMillis(100));
        client.send("UNSUB 4\r\nPING\r\n").expect("PONG\r\n");
        route.expect("RS- \\$G after\r\n");
      }
    }
  }

  @Test
  void routedMessagesReachLocalClientsAndNeverAnotherRoute() throws Exception {
    try (RawConn client = RawConn.connect(b.port());
         RawConn r1 = peer("ROUTER:1");
         RawConn r2 = peer("ROUTER:2")) {
      r2.send("RS+ $G foo\r\nPING\r\n").expect("PONG\r\n");
      client.send("SUB foo 1\r\nPING\r\n").expect("PONG\r\n");
      r1.expect("RS\\+ \\$G foo\r\n");
      r2.expect("RS\\+ \\$G foo\r\n");
      r1.send("RMSG $G foo reply.x 2\r\nhi\r\nPING\r\n").expect("PONG\r\n");
      client.expect("MSG foo 1 reply.x 2\r\nhi\r\n");
      r2.expectNothing(Duration.ofMillis(200)); // one hop
      // A client publish goes to the route that has interest, once.
      client.send("PUB foo 2\r\nyo\r\nPING\r\n").expect("MSG foo 1 2\r\nyo\r\nPONG\r\n");
      r2.expect("RMSG \\$G foo 2\r\nyo\r\n");
      r1.expectNothing(Duration.ofMillis(100));
      // Routed headers: HMSG on the route, stripped for a client without headers.
      try (RawConn plain = RawConn.connect(b.port(), "{\"verbose\":false}")) {
        plain.send("SUB foo 9\r\nPING\r\n").expect("PONG\r\n");
        r1.send("HMSG $G foo 12 14\r\nNATS/1.0\r\n\r\nab\r\nPING\r\n").expect("PONG\r\n");
        client.expect("HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nab\r\n");
        plain.expect("MSG foo 9 2\r\nab\r\n");
      }
    }
  }

  @Test
  void queueGroupsOverRoutesCarryTheGroupName() throws Exception {
    try (RawConn client = RawConn.connect(b.port()); RawConn r = peer("ROUTER:Q")) {
      r.send("RS+ $G work grp 3\r\nPING\r\n").expect("PONG\r\n");
      client.send("PUB work 1\r\nx\r\nPUB work _INBOX.r 1\r\ny\r\nPING\r\n").expect("PONG\r\n");
      r.expect("RMSG \\$G work \\| grp 1\r\nx\r\nRMSG \\$G work \\+ _INBOX.r grp 1\r\ny\r\n");
      // A routed message for a group is delivered to one local member of that group only.
      client.send("SUB work grp 1\r\nSUB work other 2\r\nPING\r\n").expect("PONG\r\n");
      r.expect("RS\\+ \\$G work grp 1\r\nRS\\+ \\$G work other 1\r\n");
      r.send("RMSG $G work | grp 1\r\nz\r\nPING\r\n").expect("PONG\r\n");
      client.expect("MSG work 1 1\r\nz\r\n");
      client.send("PING\r\n").expect("PONG\r\n");
      // No queue list: no local queue delivery.
      r.send("RMSG $G work 1\r\nw\r\nPING\r\n").expect("PONG\r\n");
      client.expectNothing(Duration.ofMillis(200));
    }
  }

  @Test
  void whatARouteTaughtIsDroppedWhenItCloses() throws Exception {
    int before = b.onContext(() -> b.broker.sublist.count());
    RawConn r = peer("ROUTER:D");
    r.send("RS+ $G a\r\nRS+ $G b grp 2\r\nRS+ $G a\r\nPING\r\n").expect("PONG\r\n");
    assertEquals(before + 2, (int) b.onContext(() -> b.broker.sublist.count()));
    r.close();
    await(() -> b.broker.sublist.count() == before && b.broker.routes.count() == 0);
  }

  @Test
  void firstOpMustBeConnectOnTheRoutePort() throws Exception {
    try (RawConn r = new RawConn(b.broker.clusterPort())) {
      r.expect("INFO .*?\r\n");
      r.send("PING\r\n");
      r.expectErr(Protocol.ERR_AUTH_VIOLATION);
      r.expectClosed();
    }
  }

  @Test
  void clusterNameMismatchIsRejected() throws Exception {
    try (RawConn r = new RawConn(b.broker.clusterPort())) {
      r.expect("INFO .*?\r\n");
      r.send("CONNECT {\"name\":\"X\",\"cluster\":\"other\"}\r\n");
      r.expectErr("Rejecting connection, cluster name \"other\" does not match \"beacon\"");
      r.expectClosed();
    }
  }

  @Test
  void routeInfoUpdatesClientConnectUrlsAndClientsGetAnAsyncInfo() throws Exception {
    try (RawConn client = RawConn.connect(b.port(), "{\"verbose\":false,\"protocol\":1}")) {
      RawConn r = peer("ROUTER:U");
      String info = client.expect("INFO (\\{[^\r\n]*\\})\r\n").group(1);
      assertTrue(info.contains("\"connect_urls\":[\"127.0.0.1:" + b.port() + "\",\"10.0.0.9:4222\"]"), info);
      r.close();
      info = client.expect("INFO (\\{[^\r\n]*\\})\r\n").group(1);
      assertTrue(!info.contains("10.0.0.9"), info);
    }
  }

  @Test
  void routesArePingedAndAnswered() throws Exception {
    b.close();
    b = RunningBroker.start("broker.route-ping-interval=100ms");
    try (RawConn r = peer("ROUTER:P")) {
      r.expect("PING\r\n");
      r.send("PONG\r\n");
      r.expect("PING\r\n");
    }
  }
}
