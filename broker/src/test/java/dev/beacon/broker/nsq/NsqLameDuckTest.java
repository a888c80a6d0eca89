package dev.beacon.broker.nsq;

import dev.beacon.broker.Broker;
import io.vertx.core.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lame duck mode on the NSQ listener: it stops accepting at once, its consumers stay for the grace
 * period and are then closed spread over the rest of lame-duck-duration, like NATS clients; what a
 * closed consumer had in flight goes to the channel's other consumers.
 */
@Timeout(60)
class NsqLameDuckTest {
  private static final String LDM = "broker.lame-duck-duration = 2s\nbroker.lame-duck-grace-period = 500ms\n";

  NsqFixture f;

  @AfterEach
  void stop() throws Exception {
    f.close();
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

  /** A consumer whose heartbeat interval outlasts the test, so only lame duck mode closes it. */
  private static RawNsq consumer(int port, String topic, String channel) throws IOException {
    RawNsq c = new RawNsq(port);
    c.send("IDENTIFY\n", "{\"client_id\":\"ldm\",\"hostname\":\"ldm\",\"heartbeat_interval\":30000}");
    c.expect("R:OK");
    c.send("SUB " + topic + " " + channel + "\n");
    c.expect("R:OK");
    return c;
  }

  @Test
  void consumersStayForTheGraceThenAreClosedSpreadAndInFlightMessagesMoveToTheOthers() throws Exception {
    f = new NsqFixture();
    Broker b = f.startBroker("b1", LDM);
    int nsq = b.nsqPort();
    try (RawNsq c1 = consumer(nsq, "t", "ch"); RawNsq c2 = consumer(nsq, "t", "ch")) {
      c1.send("RDY 1\n");
      try (RawNsq p = new RawNsq(nsq)) {
        p.send("PUB t\n", "held");
        p.expect("R:OK");
      }
      String m = c1.frame();
      assertTrue(m.startsWith("M:1:") && m.endsWith(":held"), m);
      String id = m.substring(4, 20);

      long t0 = System.nanoTime();
      Future<Void> closing = f.vertx.close();
      NsqFixture.await("new NSQ connections refused in lame duck mode", Duration.ofMillis(300), () -> refused(nsq));

      // still served during the grace period
      c2.send("RDY 1\n");
      c1.send("TOUCH " + id + "\n");
      long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(elapsedMs < 400, "test too slow to check the grace period: " + elapsedMs + " ms");

      // c1 goes first; its message in flight is redelivered to c2 before c2 is closed in turn
      assertTrue(c1.closedByServer(), "c1 not closed");
      long c1Ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(c1Ms >= 400, "closed during the grace period, after " + c1Ms + " ms");
      assertEquals("M:2:" + id + ":held", c2.frame());
      assertTrue(c2.closedByServer(), "c2 not closed");
      long c2Ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(c2Ms > c1Ms && c2Ms < 2000, "closed at " + c1Ms + " and " + c2Ms + " ms, not spread within the duration");
      closing.await(10, TimeUnit.SECONDS);
    }
  }
}
