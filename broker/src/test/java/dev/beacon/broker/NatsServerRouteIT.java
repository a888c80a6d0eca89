package dev.beacon.broker;

import dev.beacon.testkit.NatsServerProcess;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A real nats-server 2.9 with a static route to the broker joins it; messages flow both ways. */
@Tag("conformance")
@Timeout(60)
class NatsServerRouteIT {

  private static void await(RunningBroker b, Callable<Boolean> c) throws Exception {
    b.await(Duration.ofSeconds(15), c);
  }

  static Connection connect(String url) throws Exception {
    return Nats.connect(Options.builder().server(url).maxReconnects(0).build());
  }

  /** Polls until a publish from {@code pub} reaches {@code sub} (interest has crossed the route). */
  static void awaitFlow(Connection pub, Subscription sub, String subject) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      pub.publish(subject, "probe".getBytes(StandardCharsets.UTF_8));
      pub.flush(Duration.ofSeconds(1));
      if (sub.nextMessage(Duration.ofMillis(100)) != null) {
        while (sub.nextMessage(Duration.ofMillis(100)) != null) {
          // drop extra probes
        }
        return;
      }
    }
    fail("no flow on " + subject);
  }

  @Test
  void natsServerJoinsWithAStaticRouteAndMessagesFlowBothWays() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    try (RunningBroker b = RunningBroker.start("");
         NatsServerProcess ns = new NatsServerProcess("", true,
             "--routes", "nats-route://127.0.0.1:" + b.broker.clusterPort())) {
      await(b, () -> b.broker.routes.count() == 1);
      try (Connection onBroker = connect(b.url()); Connection onNats = connect(ns.url())) {
        // nats-server -> broker
        Subscription sb = onBroker.subscribe("to.broker");
        onBroker.flush(Duration.ofSeconds(2));
        awaitFlow(onNats, sb, "to.broker");
        Headers h = new Headers().add("X-Trace", "1");
        onNats.publish("to.broker", "reply.here", h, "hello".getBytes(StandardCharsets.UTF_8));
        io.nats.client.Message m = sb.nextMessage(Duration.ofSeconds(3));
        assertNotNull(m);
        assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));
        assertEquals("reply.here", m.getReplyTo());
        assertEquals("1", m.getHeaders().getFirst("X-Trace"));

        // broker -> nats-server
        Subscription sn = onNats.subscribe("to.nats.*");
        onNats.flush(Duration.ofSeconds(2));
        awaitFlow(onBroker, sn, "to.nats.x");
        onBroker.publish("to.nats.y", "r.y", new Headers().add("X-From", "beacon"), "hi".getBytes(StandardCharsets.UTF_8));
        io.nats.client.Message fromBroker = sn.nextMessage(Duration.ofSeconds(3));
        assertEquals("to.nats.y", fromBroker.getSubject());
        assertEquals("r.y", fromBroker.getReplyTo());
        assertEquals("beacon", fromBroker.getHeaders().getFirst("X-From"));
        assertEquals("hi", new String(fromBroker.getData(), StandardCharsets.UTF_8));
        assertNull(sn.nextMessage(Duration.ofMillis(200)));

        // Request/reply across the two implementations.
        onNats.createDispatcher(q -> onNats.publish(q.getReplyTo(), q.getData())).subscribe("svc.nats");
        onNats.flush(Duration.ofSeconds(2));
        await(b, () -> b.broker.sublist.match("svc.nats").psubs.length == 1);
        assertNotNull(onBroker.request("svc.nats", "r".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3)));
      }
    }
  }

  @Test
  void brokerSolicitsARouteToNatsServerFromItsStaticRoutes() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    try (NatsServerProcess ns = new NatsServerProcess("", true);
         RunningBroker b = RunningBroker.start("broker.routes=[\"nats-route://127.0.0.1:" + ns.clusterPort() + "\"]")) {
      await(b, () -> b.broker.routes.count() == 1 && b.broker.routes.all().get(0).solicited);
      try (Connection onBroker = connect(b.url()); Connection onNats = connect(ns.url())) {
        Subscription sn = onNats.subscribe("from.broker");
        onNats.flush(Duration.ofSeconds(2));
        awaitFlow(onBroker, sn, "from.broker");
        Subscription sb = onBroker.subscribe("from.nats");
        onBroker.flush(Duration.ofSeconds(2));
        awaitFlow(onNats, sb, "from.nats");
      }
    }
  }

  @Test
  void queueGroupSpanningBothServersGetsEachMessageOnce() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    try (RunningBroker b = RunningBroker.start("");
         NatsServerProcess ns = new NatsServerProcess("", true,
             "--routes", "nats-route://127.0.0.1:" + b.broker.clusterPort())) {
      await(b, () -> b.broker.routes.count() == 1);
      try (Connection onBroker = connect(b.url()); Connection onNats = connect(ns.url());
           Connection pubB = connect(b.url()); Connection pubN = connect(ns.url())) {
        Subscription qb = onBroker.subscribe("jobs", "workers");
        Subscription qn = onNats.subscribe("jobs", "workers");
        onBroker.flush(Duration.ofSeconds(2));
        onNats.flush(Duration.ofSeconds(2));
        // Wait until each side knows the other's member.
        await(b, () -> b.broker.sublist.match("jobs").qsubs.length == 1
            && b.broker.sublist.match("jobs").qsubs[0].length == 2);
        Subscription probe = pubN.subscribe("ready.probe");
        pubN.flush(Duration.ofSeconds(2));
        awaitFlow(pubB, probe, "ready.probe");
        for (Connection pub : List.of(pubB, pubN)) {
          int n = 200;
          for (int i = 0; i < n; i++) {
            pub.publish("jobs", new byte[] {1});
          }
          pub.flush(Duration.ofSeconds(2));
          int got = 0;
          int onB = 0;
          while (qb.nextMessage(Duration.ofMillis(300)) != null) {
            got++;
            onB++;
          }
          while (qn.nextMessage(Duration.ofMillis(300)) != null) {
            got++;
          }
          assertEquals(n, got, "each message exactly once across both servers");
          assertTrue(onB > 20 && onB < n - 20, "spread: " + onB + " of " + n + " on the broker");
        }
      }
    }
  }
}
