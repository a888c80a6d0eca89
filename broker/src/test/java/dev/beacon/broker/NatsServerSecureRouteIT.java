package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import dev.beacon.testkit.FreePorts;
import dev.beacon.testkit.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.Subscription;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.beacon.broker.NatsServerRouteIT.awaitFlow;
import static dev.beacon.broker.NatsServerRouteIT.connect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real nats-server 2.9 routed to the broker with mutual route TLS (the same CA) and cluster
 * credentials, in both directions; with a wrong password no route comes up.
 */
@Tag("conformance")
@Timeout(60)
class NatsServerSecureRouteIT {
  private static final TestCerts CERTS = TestCerts.get();
  private static final String BROKER_SECURITY = BrokerTls.routeTls(CERTS.serverCert, CERTS.serverKey, CERTS.ca)
      + "broker.route-user=\"cluster\"\nbroker.route-password=\"s3cret\"\n";

  @BeforeEach
  void natsServerInstalled() {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
  }

  /** nats-server's cluster block with TLS (verify: mutual) and authorization; {@code routes} may be "". */
  private static String clusterConfig(int clusterPort, String password, String routes) {
    return "cluster {\n  name: beacon\n  listen: \"127.0.0.1:" + clusterPort + "\"\n"
        + "  authorization { user: cluster, password: " + password + ", timeout: 2 }\n"
        + "  tls { cert_file: \"" + CERTS.serverCert + "\", key_file: \"" + CERTS.serverKey + "\", ca_file: \""
        + CERTS.ca + "\", verify: true, timeout: 2 }\n"
        + (routes.isEmpty() ? "" : "  routes: [ \"" + routes + "\" ]\n") + "}\n";
  }

  private static void bothWays(RunningBroker b, NatsServerProcess ns) throws Exception {
    try (Connection onBroker = connect(b.url()); Connection onNats = connect(ns.url())) {
      Subscription sb = onBroker.subscribe("to.broker");
      onBroker.flush(Duration.ofSeconds(2));
      awaitFlow(onNats, sb, "to.broker");
      Subscription sn = onNats.subscribe("to.nats");
      onNats.flush(Duration.ofSeconds(2));
      awaitFlow(onBroker, sn, "to.nats");
      onBroker.publish("to.nats", "over tls".getBytes(StandardCharsets.UTF_8));
      assertEquals("over tls", new String(sn.nextMessage(Duration.ofSeconds(3)).getData(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void natsServerDialsTheBrokerWithTlsAndCredentials() throws Exception {
    try (RunningBroker b = RunningBroker.start(BROKER_SECURITY);
         NatsServerProcess ns = new NatsServerProcess(clusterConfig(FreePorts.one(), "s3cret",
             "nats-route://cluster:s3cret@127.0.0.1:" + b.broker.clusterPort()), false)) {
      b.await(Duration.ofSeconds(15), () -> b.broker.routes.count() == 1);
      RouteConnection r = b.onContext(() -> b.broker.routes.all().get(0));
      assertTrue(!r.solicited && r.tlsVersion != null, "accepted TLS route expected");
      bothWays(b, ns);
    }
  }

  @Test
  void brokerDialsNatsServerWithTlsAndCredentials() throws Exception {
    int clusterPort = FreePorts.one();
    try (NatsServerProcess ns = new NatsServerProcess(clusterConfig(clusterPort, "s3cret", ""), false);
         RunningBroker b = RunningBroker.start(BROKER_SECURITY + "broker.routes=[\"nats-route://127.0.0.1:"
             + clusterPort + "\"]\n")) {
      b.await(Duration.ofSeconds(15), () -> b.broker.routes.count() == 1);
      RouteConnection r = b.onContext(() -> b.broker.routes.all().get(0));
      assertTrue(r.solicited && r.tlsVersion != null, "solicited TLS route expected");
      bothWays(b, ns);
    }
  }

  /** Credentials in the route URL (nats-route://user:pass@host:port) are sent instead of route-user's, as nats-server. */
  @Test
  void brokerDialsWithTheCredentialsOfTheRouteUrl() throws Exception {
    int clusterPort = FreePorts.one();
    try (NatsServerProcess ns = new NatsServerProcess(clusterConfig(clusterPort, "s3cret", ""), false);
         RunningBroker b = RunningBroker.start(BrokerTls.routeTls(CERTS.serverCert, CERTS.serverKey, CERTS.ca)
             + "broker.routes=[\"nats-route://cluster:s3cret@127.0.0.1:" + clusterPort + "\"]\n")) {
      b.await(Duration.ofSeconds(15), () -> b.broker.routes.count() == 1);
      bothWays(b, ns);
    }
  }

  @Test
  void wrongPasswordGetsNoRouteEitherWay() throws Exception {
    int clusterPort = FreePorts.one();
    try (RunningBroker b = RunningBroker.start(BROKER_SECURITY + "broker.routes=[\"nats-route://127.0.0.1:"
             + clusterPort + "\"]\n");
         NatsServerProcess ns = new NatsServerProcess(clusterConfig(clusterPort, "other",
             "nats-route://cluster:other@127.0.0.1:" + b.broker.clusterPort()), false);
         Connection onBroker = connect(b.url()); Connection onNats = connect(ns.url())) {
      Subscription sb = onBroker.subscribe("x");
      onBroker.flush(Duration.ofSeconds(2));
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < until) {
        onNats.publish("x", new byte[] {1});
        onNats.flush(Duration.ofSeconds(1));
        assertNull(sb.nextMessage(Duration.ofMillis(100)));
      }
      // The route nats-server dialled was refused by the broker; the one the broker dialled is refused by
      // nats-server (it is registered on nats-server's INFO for a moment, until its -ERR arrives, as
      // between two nats-servers), so the count of routes is not checked, only that nothing flows.
    }
  }
}
