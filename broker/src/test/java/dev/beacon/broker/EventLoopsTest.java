package dev.beacon.broker;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** event-loops = 3: client sockets on several loops, state on one; behaviour unchanged. */
@Timeout(60)
class EventLoopsTest {
  static RunningBroker b;

  @BeforeAll
  static void start() {
    b = RunningBroker.start("broker.event-loops=3\nbroker.max-pending=1MiB");
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
  }

  @Test
  void clientsLandOnSeveralLoopsAndStillTalkToEachOther() throws Exception {
    List<Connection> conns = new ArrayList<>();
    try {
      List<Subscription> subs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        Connection c = Nats.connect(Options.builder().server(b.url()).maxReconnects(0).build());
        conns.add(c);
        subs.add(c.subscribe("loops.>"));
        c.flush(Duration.ofSeconds(2));
      }
      int loops = b.onContext(() -> {
        Set<Object> l = new HashSet<>();
        b.broker.clients.values().forEach(c -> l.add(c.wire.loop()));
        return l.size();
      });
      assertEquals(3, loops, "client sockets spread over the event loops");
      for (int i = 0; i < 12; i++) {
        conns.get(i).publish("loops." + i, ("m" + i).getBytes(StandardCharsets.UTF_8));
      }
      for (Subscription s : subs) {
        Set<String> got = new HashSet<>();
        for (int i = 0; i < 12; i++) {
          got.add(new String(s.nextMessage(Duration.ofSeconds(3)).getData(), StandardCharsets.UTF_8));
        }
        assertEquals(12, got.size());
      }
      Connection svc = conns.get(0);
      svc.createDispatcher(m -> svc.publish(m.getReplyTo(), m.getData())).subscribe("loops.svc");
      svc.flush(Duration.ofSeconds(2));
      for (int i = 1; i < 12; i++) {
        assertNotNull(conns.get(i).request("loops.svc", new byte[] {1}, Duration.ofSeconds(3)));
      }
    } finally {
      for (Connection c : conns) {
        c.close();
      }
    }
  }

  @Test
  void protocolErrorsAndLimitsBehaveTheSame() throws IOException {
    for (int i = 0; i < 4; i++) {
      try (RawConn c = RawConn.connect(b.port())) {
        c.send("SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n").expect("MSG foo 1 2\r\nhi\r\nPONG\r\n");
        c.send("PUB foo 2\r\nabc\r\n").expectErr(Protocol.ERR_UNKNOWN_OP);
        c.expectClosed();
      }
    }
  }

  @Test
  void slowConsumerOnAnotherLoopIsCutOff() throws Exception {
    java.net.Socket slow = new java.net.Socket();
    slow.setReceiveBufferSize(4096);
    slow.connect(new java.net.InetSocketAddress("127.0.0.1", b.port()));
    slow.getOutputStream().write("CONNECT {\"verbose\":false}\r\nSUB sc 1\r\nPING\r\n".getBytes(StandardCharsets.UTF_8));
    long before = b.onContext(() -> b.broker.stats.slowConsumerClients);
    try (RawConn pub = RawConn.connect(b.port())) {
      // Wait until the slow client's SUB is in.
      b.await(java.time.Duration.ofSeconds(5), () -> b.broker.sublist.match("sc").psubs.length > 0);
      String chunk = ("PUB sc 1024\r\n" + "y".repeat(1024) + "\r\n").repeat(64);
      for (int i = 0; i < 384; i++) {
        pub.send(chunk);
      }
      pub.send("PING\r\n").expect("PONG\r\n");
    }
    assertTrue(b.onContext(() -> b.broker.stats.slowConsumerClients) > before);
    slow.close();
  }
}
