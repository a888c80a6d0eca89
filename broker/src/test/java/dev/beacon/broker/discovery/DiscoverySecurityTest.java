package dev.beacon.broker.discovery;

import dev.beacon.lookupd.Lookupd;
import dev.beacon.testkit.Await;
import dev.beacon.testkit.TestCerts;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Brokers and a lookupd with a registration secret, over TLS (lookupd-tls) and without. */
@Timeout(90)
class DiscoverySecurityTest {
  static final TestCerts CERTS = TestCerts.get();

  static String nodes(int httpPort, boolean https) throws Exception {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (https) {
      b.sslContext(TestCerts.trusting(CERTS.ca));
    }
    HttpResponse<String> r = b.build().send(HttpRequest.newBuilder(URI.create((https ? "https" : "http")
        + "://127.0.0.1:" + httpPort + "/nodes")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  static String frame(java.io.DataInputStream in) throws java.io.IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** The secret, TLS to lookupd, and monitoring over HTTPS read by peers over HTTPS (peer-http-tls). */
  static final String SECURE = "broker.lookupd-secret = \"s3cret\"\nbroker.lookupd-tls = true\n"
      + "broker.discovery-tls-ca = \"" + CERTS.ca + "\"\nbroker.peer-http-tls = true\n"
      + "broker.http-tls-cert = \"" + CERTS.serverCert + "\"\nbroker.http-tls-key = \"" + CERTS.serverKey + "\"\n";

  @Test
  void brokersWithTheSecretClusterOverTlsAndAnIntruderIsNotListed() throws Exception {
    try (TestCluster c = new TestCluster()) {
      Lookupd l = c.startLookupd("l", "127.0.0.1:0", "127.0.0.1:0", Map.of("registration-secret", "s3cret",
          "tls-cert", CERTS.serverCert.toString(), "tls-key", CERTS.serverKey.toString(), "tcp-tls", true));
      c.startBrokerWith("a", SECURE, c.lookupdTcp("l"));
      c.startBrokerWith("b", SECURE, c.lookupdTcp("l"));
      // Discovery read /nodes over HTTPS from the lookupd and each peer's /varz over HTTPS.
      TestCluster.await("brokers discover each other through the TLS lookupd", Duration.ofSeconds(20), c::discoveredAll);

      // Someone on the network without the secret: identified over TLS, REGISTER refused, not listed.
      SSLContext ctx = TestCerts.trusting(CERTS.ca);
      try (javax.net.ssl.SSLSocket intruder = TestCerts.connect(ctx, l.tcpPort())) {
        java.io.DataInputStream in = new java.io.DataInputStream(intruder.getInputStream());
        byte[] body = "{\"broadcast_address\":\"127.0.0.1\",\"tcp_port\":5150,\"http_port\":5151,\"version\":\"1.3.0\"}"
            .getBytes(StandardCharsets.UTF_8);
        java.io.DataOutputStream out = new java.io.DataOutputStream(intruder.getOutputStream());
        out.writeBytes("  V1IDENTIFY\n");
        out.writeInt(body.length);
        out.write(body);
        out.flush();
        assertTrue(frame(in).contains("\"registration_secret\":\"refused\""));
        out.writeBytes("REGISTER evil\n");
        out.flush();
        assertTrue(frame(in).startsWith("E_UNAUTHORIZED "));
        String listed = nodes(l.httpPort(), true);
        assertFalse(listed.contains("\"tcp_port\":5150"), listed);
        assertEquals(2, listed.split("\"broadcast_address\"").length - 1, listed);
      }
      assertEquals(1, c.routePeers("a").size());

      // Messages cross the route.
      Connection sub = c.connect("b");
      Subscription s = sub.subscribe("secure.x");
      sub.flush(Duration.ofSeconds(2));
      Connection pub = c.connect("a");
      Await.until("b's interest reached a", Duration.ofSeconds(10), () -> {
        pub.publish("secure.x", "hi".getBytes(StandardCharsets.UTF_8));
        pub.flush(Duration.ofSeconds(2));
        Message m = s.nextMessage(Duration.ofMillis(200));
        return m != null && new String(m.getData(), StandardCharsets.UTF_8).equals("hi");
      });
    }
  }

  @Test
  void aBrokerWithAWrongSecretIsNeitherListedNorFindsPeers() throws Exception {
    try (TestCluster c = new TestCluster()) {
      Lookupd l = c.startLookupd("l", "127.0.0.1:0", "127.0.0.1:0", Map.of("registration-secret", "s3cret"));
      c.startBrokerWith("a", "broker.lookupd-secret = \"s3cret\"\n", c.lookupdTcp("l"));
      c.startBrokerWith("wrong", "broker.lookupd-secret = \"guess\"\n", c.lookupdTcp("l"));
      c.startBrokerWith("none", "", c.lookupdTcp("l"));
      TestCluster.await("a listed", Duration.ofSeconds(10), () -> nodes(l.httpPort(), false).contains("broadcast_address"));
      TestCluster.await("a registered", Duration.ofSeconds(10), () -> c.registrars("a").get(0).isReady());
      // the others stay out of the registry: a's discovery finds nobody, and the lookupd lists a alone
      Await.until("the refused brokers tried", Duration.ofSeconds(10),
          () -> c.registrars("wrong").get(0).failedAttempts() >= 1 && c.registrars("none").get(0).isReady());
      assertFalse(c.registrars("wrong").get(0).isReady());
      String listed = nodes(l.httpPort(), false);
      assertEquals(1, listed.split("\"broadcast_address\"").length - 1, listed);
      assertTrue(c.routePeers("a").isEmpty(), c.routePeers("a").toString());
      // "none" (no secret) was identified but cannot be found, and finds only what the lookupd lists (a)
      assertNotNull(c.registrars("none").get(0).discoveryAddress());
    }
  }

  @Test
  void withASecretALookupdThatChecksNoneIsNotUsedForDiscovery() throws Exception {
    try (TestCluster c = new TestCluster()) {
      Lookupd l = c.startLookupd("plain", "127.0.0.1:0", "127.0.0.1:0");
      c.startBrokerWith("a", "broker.lookupd-secret = \"s3cret\"\n", c.lookupdTcp("plain"));
      c.startBrokerWith("b", "broker.lookupd-secret = \"s3cret\"\n", c.lookupdTcp("plain"));
      TestCluster.await("both listed", Duration.ofSeconds(10),
          () -> nodes(l.httpPort(), false).split("\"broadcast_address\"").length - 1 == 2);
      // lookupd lists a node once it read the IDENTIFY; the broker is ready once it read the answer
      TestCluster.await("a identified", Duration.ofSeconds(10), () -> c.registrars("a").get(0).isReady());
      assertEquals(null, c.registrars("a").get(0).discoveryAddress());
      c.discovery("a").pollAll();
      assertTrue(c.routePeers("a").isEmpty() && c.routePeers("b").isEmpty());
    }
  }

  @Test
  void aLookupdWhoseCertificateIsNotFromTheCaIsNeverRegisteredWith() throws Exception {
    try (TestCluster c = new TestCluster()) {
      Lookupd l = c.startLookupd("fake", "127.0.0.1:0", "127.0.0.1:0", Map.of("registration-secret", "s3cret",
          "tls-cert", CERTS.otherCert.toString(), "tls-key", CERTS.otherKey.toString(), "tcp-tls", true));
      c.startBrokerWith("a", SECURE, c.lookupdTcp("fake"));
      // It keeps trying (and failing the handshake) and never registers, so the fake lookupd learns nothing.
      Await.until("two refused dials", Duration.ofSeconds(15), () -> c.registrars("a").get(0).failedAttempts() >= 2);
      javax.net.ssl.SSLContext trustOther = TestCerts.trusting(CERTS.otherCa);
      HttpClient client = HttpClient.newBuilder().sslContext(trustOther).build();
      Await.until("the fake lookupd still lists nobody", Duration.ofSeconds(3), () -> client.send(HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + l.httpPort() + "/nodes")).build(), HttpResponse.BodyHandlers.ofString())
          .body().contains("\"producers\":[]"));
      assertFalse(c.registrars("a").get(0).isReady());
      assertEquals(null, c.registrars("a").get(0).discoveryAddress());
    }
  }
}
