package dev.beacon.broker;

import dev.beacon.testkit.NatsServerProcess;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Subjects are bytes: {@code u8.\xff}, {@code u8.\xfe} and {@code u8.\xef\xbf\xbd} (U+FFFD in UTF-8)
 * are three different subjects, on the broker as on nats-server 2.9, and across a route either way.
 * Strings in this test carry one char per byte (ISO-8859-1), as {@link RawConn#sendBytes} sends them.
 */
@Tag("conformance")
@Timeout(60)
class ByteSubjectsIT {
  private static final String FF = "u8.\u00ff";
  private static final String FE = "u8.\u00fe";
  private static final String REPLACEMENT = "u8.\u00ef\u00bf\u00bd";
  /** nats-server may PING a new client at any time; those PINGs are skipped. */
  private static final String PINGS = "(?:PING\r\n)*";

  /** Each subscription gets exactly its own message, nothing published to the others. */
  private static void exchange(int subPort, int pubPort, Runnable afterSub) throws Exception {
    try (RawConn sub = RawConn.connect(subPort); RawConn pub = RawConn.connect(pubPort)) {
      sub.sendBytes("SUB " + FF + " 1\r\nSUB " + FE + " 2\r\nSUB " + REPLACEMENT + " 3\r\nSUB probe 9\r\nPING\r\n")
          .expect(PINGS + "PONG\r\n");
      afterSub.run();
      awaitProbe(sub, pub);
      pub.sendBytes("PUB " + FF + " 1\r\na\r\nPUB " + FE + " 1\r\nb\r\nPUB " + REPLACEMENT + " 1\r\nc\r\nPING\r\n")
          .expect(PINGS + "PONG\r\n");
      sub.expect(PINGS + Pattern.quote("MSG " + FF + " 1 1\r\na\r\n"));
      sub.expect(PINGS + Pattern.quote("MSG " + FE + " 2 1\r\nb\r\n"));
      sub.expect(PINGS + Pattern.quote("MSG " + REPLACEMENT + " 3 1\r\nc\r\n"));
      sub.sendBytes("PING\r\n").expect(PINGS + "PONG\r\n");
      sub.expectNothing(Duration.ofMillis(300));
    }
  }

  /**
   * Publishes "probe" until it arrives: the subscriptions sent before it have then reached the
   * publisher's server too (a route carries interest in order).
   */
  private static void awaitProbe(RawConn sub, RawConn pub) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      pub.sendBytes("PUB probe 0\r\n\r\nPING\r\n").expect(PINGS + "PONG\r\n");
      try {
        sub.expect(PINGS + "(MSG probe 9 0\r\n\r\n)+");
        sub.sendBytes("PING\r\n").expect("(MSG probe 9 0\r\n\r\n|PING\r\n)*PONG\r\n");
        return;
      } catch (AssertionError notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
      }
    }
  }

  @Test
  void brokerKeepsTheThreeSubjectsApart() throws Exception {
    try (RunningBroker b = RunningBroker.start()) {
      exchange(b.port(), b.port(), () -> { });
    }
  }

  @Test
  void natsServerKeepsTheThreeSubjectsApart() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    try (NatsServerProcess ns = new NatsServerProcess()) {
      exchange(ns.port(), ns.port(), () -> { });
    }
  }

  @Test
  void acrossARouteBetweenTwoBrokers() throws Exception {
    try (RunningBroker a = RunningBroker.start();
         RunningBroker b = RunningBroker.start("broker.routes=[\"127.0.0.1:" + a.broker.clusterPort() + "\"]")) {
      a.await(Duration.ofSeconds(10), () -> a.broker.routes.count() == 1);
      exchange(a.port(), b.port(), () -> { });
      exchange(b.port(), a.port(), () -> { });
    }
  }

  @Test
  void acrossARouteToNatsServerBothWays() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    try (RunningBroker b = RunningBroker.start();
         NatsServerProcess ns = new NatsServerProcess("", true,
             "--routes", "nats-route://127.0.0.1:" + b.broker.clusterPort())) {
      b.await(Duration.ofSeconds(15), () -> b.broker.routes.count() == 1);
      // Subscribed on nats-server: RS+ with the raw bytes reaches the broker, RMSG goes back.
      exchange(ns.port(), b.port(), () -> { });
      // Subscribed on the broker: the broker's RS+ and nats-server's RMSG carry the bytes.
      exchange(b.port(), ns.port(), () -> { });
    }
  }
}
