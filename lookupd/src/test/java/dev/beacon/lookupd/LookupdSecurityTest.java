package dev.beacon.lookupd;

import dev.beacon.testkit.Await;
import dev.beacon.testkit.TestCerts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS API, TLS on the TCP port, client certificates, and the registration secret. */
class LookupdSecurityTest {
  static final TestCerts CERTS = TestCerts.get();
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  static Map<String, Object> tls(boolean tcp, boolean clientCa) {
    Map<String, Object> o = new HashMap<>();
    o.put("tls-cert", CERTS.serverCert.toString());
    o.put("tls-key", CERTS.serverKey.toString());
    o.put("tcp-tls", tcp);
    if (clientCa) {
      o.put("tls-ca", CERTS.ca.toString());
    }
    return o;
  }

  /** GET over HTTPS with a Vert.x client that trusts the test CA; {@code cert} null: no client certificate. */
  static String httpsGet(int port, String path, java.nio.file.Path cert, java.nio.file.Path key) {
    HttpClientOptions o = new HttpClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(CERTS.ca.toString()));
    if (cert != null) {
      o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
    }
    HttpClient client = vertx.createHttpClient(o);
    try {
      return client.request(HttpMethod.GET, port, "127.0.0.1", path)
          .compose(r -> r.send())
          .compose(r -> r.body().map(b -> r.statusCode() + " " + b.toString(StandardCharsets.UTF_8)))
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      client.close();
    }
  }

  @Test
  void httpApiOverTls() throws Exception {
    try (LookupdFixture lookupd = new LookupdFixture(tls(false, false))) {
      assertEquals("200 OK", httpsGet(lookupd.httpPort(), "/ping", null, null));
      assertTrue(httpsGet(lookupd.httpPort(), "/info", null, null).contains("\"version\""));
      // Plain HTTP on the HTTPS port gets no answer from the API.
      assertThrows(IOException.class, () -> lookupd.get("/ping"));
      // The TCP port stays plain without tcp-tls: nsqd registers as before.
      try (TestPeer peer = lookupd.connect()) {
        assertEquals("OK", peer.command("PING"));
      }
    }
  }

  @Test
  void httpApiRequiresClientCertificateFromCa() {
    try (LookupdFixture lookupd = new LookupdFixture(tls(false, true))) {
      assertEquals("200 OK", httpsGet(lookupd.httpPort(), "/ping", CERTS.clientCert, CERTS.clientKey));
      assertThrows(IllegalStateException.class, () -> httpsGet(lookupd.httpPort(), "/ping", null, null));
      assertThrows(IllegalStateException.class,
          () -> httpsGet(lookupd.httpPort(), "/ping", CERTS.otherCert, CERTS.otherKey));
    }
  }

  @Test
  void tcpRegistrationOverTls() throws Exception {
    try (LookupdFixture lookupd = new LookupdFixture(tls(true, false))) {
      SSLContext ctx = TestCerts.trusting(CERTS.ca);
      try (TestPeer peer = new TestPeer(TestCerts.connect(ctx, lookupd.tcpPort()))) {
        peer.send("  V1");
        assertEquals("OK", peer.command("PING"));
        assertTrue(peer.identify().contains("\"tcp_port\":" + lookupd.tcpPort()));
        assertEquals("OK", peer.command("REGISTER tls-topic"));
        Await.value("topic listed", Duration.ofSeconds(5),
            () -> httpsGet(lookupd.httpPort(), "/lookup?topic=tls-topic", null, null),
            body -> body.startsWith("200 ") && body.contains("\"tcp_port\":5150"));
      }
      // A plaintext peer on the TLS port gets no lookup answer.
      try (TestPeer plain = lookupd.connect()) {
        plain.send("PING\n");
        assertThrows(IOException.class, plain::readFrame);
      }
      // A server certificate from another CA is refused by a client that trusts only ours.
      try (LookupdFixture other = new LookupdFixture(Map.of("tls-cert", CERTS.otherCert.toString(),
          "tls-key", CERTS.otherKey.toString(), "tcp-tls", true))) {
        assertThrows(SSLHandshakeException.class, () -> TestCerts.connect(ctx, other.tcpPort()).close());
      }
    }
  }

  static final String SECRET_BODY = "{\"broadcast_address\":\"127.0.0.1\",\"tcp_port\":4222,\"http_port\":8222,"
      + "\"version\":\"1.3.0\",\"hostname\":\"broker\",\"registration_secret\":\"s3cret\"}";

  @Test
  void registrationSecret() throws Exception {
    try (LookupdFixture lookupd = new LookupdFixture(Map.of("registration-secret", "s3cret"))) {
      try (TestPeer broker = lookupd.connect(); TestPeer raw = lookupd.connect();
           TestPeer wrong = lookupd.connect()) {
        String accepted = broker.identify(SECRET_BODY);
        assertTrue(accepted.contains("\"registration_secret\":\"accepted\""), accepted);
        assertEquals("OK", broker.command("REGISTER beacon"));

        // Without the secret: identified, may PING, but not listed and REGISTER refused, connection open.
        String refused = raw.identify();
        assertTrue(refused.contains("\"registration_secret\":\"refused\""), refused);
        assertEquals("OK", raw.command("PING"));
        assertEquals("E_UNAUTHORIZED REGISTER refused: IDENTIFY did not carry this lookupd's registration_secret",
            raw.command("REGISTER evil"));
        assertEquals("E_UNAUTHORIZED UNREGISTER refused: IDENTIFY did not carry this lookupd's registration_secret",
            raw.command("UNREGISTER beacon"));
        assertEquals("OK", raw.command("PING"));
        assertEquals("E_INVALID cannot IDENTIFY again", raw.command("IDENTIFY"));

        assertTrue(wrong.identify(SECRET_BODY.replace("s3cret", "guess")).contains("\"registration_secret\":\"refused\""));
        assertTrue(wrong.command("REGISTER evil").startsWith("E_UNAUTHORIZED "));

        // Reading over HTTP is open to anyone; only the broker with the secret is listed.
        String nodes = lookupd.get("/nodes").body();
        assertTrue(nodes.contains("\"tcp_port\":4222"), nodes);
        assertFalse(nodes.contains("\"tcp_port\":5150"), nodes);
        assertEquals(404, lookupd.get("/lookup?topic=evil").statusCode());
        assertTrue(lookupd.get("/lookup?topic=beacon").body().contains("\"tcp_port\":4222"));
        assertFalse(lookupd.get("/topics").body().contains("evil"));
      }
    }
  }

  @Test
  void withoutSecretTheIdentifyAnswerIsNsqlookupds() throws Exception {
    try (LookupdFixture lookupd = new LookupdFixture(); TestPeer peer = lookupd.connect()) {
      String answer = peer.identify(SECRET_BODY);
      assertFalse(answer.contains("registration_secret"), answer);
      assertEquals("OK", peer.command("REGISTER any"));
    }
  }

  @Test
  void badTlsSettingsRefused() {
    assertThrows(IllegalArgumentException.class, () -> LookupdOptions.of(Map.of("tls-cert", CERTS.serverCert.toString())));
    assertThrows(IllegalArgumentException.class, () -> LookupdOptions.of(Map.of("tcp-tls", true)));
    assertThrows(IllegalArgumentException.class, () -> LookupdOptions.of(Map.of("tls-ca", CERTS.ca.toString())));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LookupdOptions.of(
        Map.of("tls-cert", "/nonexistent/cert.pem", "tls-key", CERTS.serverKey.toString())));
    assertEquals("tls-cert: cannot read /nonexistent/cert.pem", e.getMessage());
  }
}
