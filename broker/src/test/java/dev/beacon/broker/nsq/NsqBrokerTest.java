package dev.beacon.broker.nsq;

import dev.beacon.broker.Broker;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NSQ listener of a real broker over real sockets: NATS and NSQ exchange messages, and every
 * nsqd error frame is sent with nsqd's text (and closes when nsqd closes).
 */
@Timeout(60)
class NsqBrokerTest {
  NsqFixture f;
  Broker broker;
  int nsq;

  @BeforeEach
  void start() throws Exception {
    f = new NsqFixture();
    broker = f.startBroker("b1", "broker.mem-queue-size = 3\nbroker.max-msg-size = 1024\n");
    nsq = broker.nsqPort();
    assertTrue(nsq > 0);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void natsPublishersReachNsqConsumersAndBack() throws Exception {
    Connection nats = f.nats("b1");
    Subscription natsSub = nats.subscribe("orders");
    nats.flush(Duration.ofSeconds(5));
    try (RawNsq c = new RawNsq(nsq).consumer("orders", "ch")) {
      c.send("RDY 5\n");
      // the SUB was answered after the channel's subscription was in the core
      nats.publish("orders", "from-nats".getBytes(StandardCharsets.UTF_8));
      nats.flush(Duration.ofSeconds(5));
      String m = c.frame();
      assertTrue(m.startsWith("M:1:") && m.endsWith(":from-nats"), m);
      c.send("FIN " + m.substring(4, 20) + "\n");

      try (RawNsq p = new RawNsq(nsq)) {
        p.send("PUB orders\n", "from-nsq");
        p.expect("R:OK");
        byte[] mpub = {0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b'};
        p.send("MPUB orders\n", mpub);
        p.expect("R:OK");
      }
      Message got = natsSub.nextMessage(Duration.ofSeconds(5));
      assertEquals("from-nats", new String(got.getData(), StandardCharsets.UTF_8));
      for (String want : new String[] {"from-nsq", "a", "b"}) {
        got = natsSub.nextMessage(Duration.ofSeconds(5));
        assertNotNull(got, want);
        assertEquals(want, new String(got.getData(), StandardCharsets.UTF_8));
        String frame = c.frame();
        assertTrue(frame.endsWith(":" + want), frame);
      }
    }
  }

  @Test
  void eachChannelGetsEveryMessageOnceSpreadOverItsConsumers() throws Exception {
    try (RawNsq a1 = new RawNsq(nsq).consumer("t", "a"); RawNsq a2 = new RawNsq(nsq).consumer("t", "a");
         RawNsq b = new RawNsq(nsq).consumer("t", "b"); RawNsq p = new RawNsq(nsq)) {
      a1.send("RDY 10\n");
      a2.send("RDY 10\n");
      b.send("RDY 10\n");
      for (int i = 0; i < 6; i++) {
        p.send("PUB t\n", "m" + i);
        p.expect("R:OK");
      }
      for (int i = 0; i < 6; i++) {
        assertTrue(b.frame().endsWith(":m" + i));
      }
      a1.socket.setSoTimeout(300);
      a2.socket.setSoTimeout(300);
      int n1 = drain(a1);
      int n2 = drain(a2);
      assertEquals(6, n1 + n2, "channel a got each message once");
    }
  }

  private static int drain(RawNsq c) throws Exception {
    int n = 0;
    try {
      while (c.frame().startsWith("M:")) {
        n++;
      }
    } catch (java.net.SocketTimeoutException e) {
      return n;
    }
    return n;
  }

  @Test
  void reqTimeoutAndDisconnectRedeliver() throws Exception {
    try (RawNsq p = new RawNsq(nsq)) {
      try (RawNsq c = new RawNsq(nsq)) {
        c.send("IDENTIFY\n", "{\"msg_timeout\":1000}");
        c.expect("R:OK");
        c.send("SUB t c\n");
        c.expect("R:OK");
        c.send("RDY 1\n");
        p.send("PUB t\n", "x");
        p.expect("R:OK");
        String m = c.frame();
        String id = m.substring(4, 20);
        c.send("REQ " + id + " 0\n");
        assertEquals("M:2:" + id + ":x", c.frame(), "REQ 0 redelivers at once");
        long t0 = System.nanoTime();
        assertEquals("M:3:" + id + ":x", c.frame(), "msg_timeout redelivers");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 900 && ms < 3000, ms + " ms");
      }
      try (RawNsq c2 = new RawNsq(nsq).consumer("t", "c")) {
        c2.send("RDY 1\n");
        assertTrue(c2.frame().startsWith("M:4:"), "the first consumer's disconnect redelivered to the next one");
      }
    }
  }

  private String fatal(String... commands) throws Exception {
    try (RawNsq c = new RawNsq(nsq)) {
      for (int i = 0; i < commands.length; i++) {
        if (i + 1 < commands.length && commands[i + 1].startsWith("BODY:")) {
          c.send(commands[i], commands[++i].substring(5));
        } else {
          c.send(commands[i]);
        }
      }
      String last = c.frame();
      while (last.startsWith("R:")) {
        last = c.frame();
      }
      assertTrue(c.closedByServer(), "closed after " + last);
      return last;
    }
  }

  @Test
  void nsqdsErrorFramesOverARealSocket() throws Exception {
    try (RawNsq c = new RawNsq(nsq, false)) {
      c.send("  V1");
      assertEquals("E:E_BAD_PROTOCOL", c.frame());
      assertTrue(c.closedByServer());
    }
    assertEquals("E:E_INVALID invalid command HELLO", fatal("HELLO\n"));
    assertEquals("E:E_INVALID cannot RDY in current state", fatal("RDY 1\n"));
    assertEquals("E:E_BAD_TOPIC SUB topic name \"b@d\" is not valid", fatal("SUB b@d c\n"));
    assertEquals("E:E_BAD_CHANNEL SUB channel name \"b@d\" is not valid", fatal("SUB t b@d\n"));
    assertEquals("E:E_BAD_TOPIC E_BAD_TOPIC MPUB topic name \"b@d\" is not valid", fatal("MPUB b@d\n"));
    assertEquals("E:E_BAD_MESSAGE PUB message too big 1025 > 1024", fatal("PUB t\n", "BODY:" + "x".repeat(1025)));
    assertEquals("E:E_BAD_MESSAGE PUB invalid message body size 0", fatal("PUB t\n\0\0\0\0"));
    assertEquals("E:E_BAD_BODY MPUB invalid message count 0", fatal("MPUB t\n", "BODY:\0\0\0\0"));
    assertEquals("E:E_BAD_BODY IDENTIFY failed to decode JSON body", fatal("IDENTIFY\n", "BODY:{"));
    assertEquals("E:E_AUTH_DISABLED AUTH disabled", fatal("AUTH\n", "BODY:secret"));
    assertEquals("E:E_INVALID DPUB timeout 3600001 out of range 0-3600000", fatal("DPUB t 3600001\n"));
    assertEquals("E:E_DPUB_FAILED DPUB failed deferred queue full (mem-queue-size 3)",
        fatal("DPUB t 60000\n", "BODY:1", "DPUB t 60000\n", "BODY:2", "DPUB t 60000\n", "BODY:3", "DPUB t 60000\n", "BODY:4"));
    try (RawNsq c = new RawNsq(nsq).consumer("t", "c")) {
      c.send("FIN 0000000000000099\n");
      assertEquals("E:E_FIN_FAILED FIN 0000000000000099 failed ID not in flight", c.frame());
      c.send("REQ 0000000000000099 0\n");
      assertEquals("E:E_REQ_FAILED REQ 0000000000000099 failed ID not in flight", c.frame());
      c.send("TOUCH 0000000000000099\n");
      assertEquals("E:E_TOUCH_FAILED TOUCH 0000000000000099 failed ID not in flight", c.frame());
      c.send("NOP\n");
      c.socket.setSoTimeout(300);
      assertTrue(!c.closedByServer(), "E_FIN_FAILED, E_REQ_FAILED and E_TOUCH_FAILED leave the connection open");
    }
  }

  @Test
  void heartbeatsAndTheReadDeadline() throws Exception {
    try (RawNsq c = new RawNsq(nsq)) {
      c.send("IDENTIFY\n", "{\"heartbeat_interval\":1000}");
      c.expect("R:OK");
      long t0 = System.nanoTime();
      assertEquals("R:_heartbeat_", c.anyFrame(), "a heartbeat every second");
      assertTrue(c.closedByServer(), "nothing read for twice the heartbeat interval (after at most one more heartbeat)");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 1800 && ms < 4000, ms + " ms");
    }
  }

  @Test
  void dpubReachesNatsSubscribersAfterTheDelay() throws Exception {
    Connection nats = f.nats("b1");
    Subscription sub = nats.subscribe("later");
    nats.flush(Duration.ofSeconds(5));
    try (RawNsq p = new RawNsq(nsq)) {
      long t0 = System.nanoTime();
      p.send("DPUB later 500\n", "x");
      p.expect("R:OK");
      Message m = sub.nextMessage(Duration.ofSeconds(5));
      assertNotNull(m);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 450, ms + " ms");
    }
  }
}
