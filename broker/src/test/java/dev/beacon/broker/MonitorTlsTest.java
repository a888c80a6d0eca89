package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitoring listener speaks HTTPS only when http-tls-cert and http-tls-key are set. */
@Timeout(30)
class MonitorTlsTest {
  private static final TestCerts CERTS = TestCerts.get();

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void httpsWhenConfigured() throws Exception {
    String conf = "broker.http-tls-cert=\"" + CERTS.serverCert + "\"\nbroker.http-tls-key=\"" + CERTS.serverKey + "\"\n";
    try (RunningBroker b = RunningBroker.start(conf)) {
      HttpClient https = HttpClient.newBuilder().sslContext(BrokerTls.sslContext(null, null, CERTS.ca))
          .connectTimeout(Duration.ofSeconds(10)).build();
      long t0 = System.nanoTime();
      HttpResponse<String> r = get(https, "https://127.0.0.1:" + b.broker.httpPort() + "/varz");
      long t1 = System.nanoTime();
      get(https, "https://127.0.0.1:" + b.broker.httpPort() + "/varz");
      System.out.println("first https " + (t1 - t0) / 1000000 + " ms, second " + (System.nanoTime() - t1) / 1000000 + " ms");
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains(b.broker.serverId()), r.body());
      // Plain HTTP on the same port gets no answer.
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      assertThrows(IOException.class, () -> get(plain, "http://127.0.0.1:" + b.broker.httpPort() + "/varz"));
      // A client that does not trust the certificate's CA is refused.
      HttpClient untrusting = HttpClient.newBuilder().sslContext(BrokerTls.sslContext(null, null, CERTS.otherCa))
          .connectTimeout(Duration.ofSeconds(2)).build();
      assertThrows(IOException.class, () -> get(untrusting, "https://127.0.0.1:" + b.broker.httpPort() + "/varz"));
    }
  }

  /** /varz and /connz show the TLS state with nats-server's field names. */
  @Test
  void varzAndConnzShowTls() throws Exception {
    String conf = BrokerTls.clientTls(CERTS) + "broker.tls-verify=true\nbroker.tls-timeout=3s\n"
        + BrokerTls.routeTls(CERTS.serverCert, CERTS.serverKey, CERTS.ca);
    try (RunningBroker b = RunningBroker.start(conf);
         RawConn plain = new RawConn(b.port())) {
      plain.expect("INFO \\{.*\\}\r\n");
      javax.net.ssl.SSLSocket t = BrokerTls.upgrade(plain.socket,
          BrokerTls.sslContext(CERTS.clientCert, CERTS.clientKey, CERTS.ca));
      try (RawConn c = new RawConn(t)) {
        c.send("CONNECT {\"verbose\":false,\"name\":\"tls-client\"}\r\nPING\r\n").expect("PONG\r\n");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        com.fasterxml.jackson.databind.JsonNode varz = Json.MAPPER.readTree(
            get(http, "http://127.0.0.1:" + b.broker.httpPort() + "/varz").body());
        assertTrue(varz.path("tls_required").asBoolean(), varz.toString());
        assertTrue(varz.path("tls_verify").asBoolean(), varz.toString());
        assertEquals(3.0, varz.path("tls_timeout").asDouble());
        assertEquals(b.broker.httpPort(), varz.path("http_port").asInt());
        assertEquals(0, varz.path("https_port").asInt());
        assertTrue(varz.path("cluster").path("tls_required").asBoolean(), varz.toString());
        assertTrue(varz.path("cluster").path("tls_verify").asBoolean(), varz.toString());
        com.fasterxml.jackson.databind.JsonNode conn = Json.MAPPER.readTree(
            get(http, "http://127.0.0.1:" + b.broker.httpPort() + "/connz").body()).path("connections").get(0);
        assertEquals("1.3", conn.path("tls_version").asText(), conn.toString());
        assertEquals("TLS_AES_128_GCM_SHA256", conn.path("tls_cipher_suite").asText(), conn.toString());
        List<String> keys = new java.util.ArrayList<>();
        conn.fieldNames().forEachRemaining(keys::add);
        // nats-server's order: after version, before authorized_user.
        assertEquals(keys.indexOf("version") + 1, keys.indexOf("tls_version"), keys.toString());
        assertEquals(keys.indexOf("tls_version") + 1, keys.indexOf("tls_cipher_suite"), keys.toString());
      }
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      b.await(Duration.ofSeconds(5), () -> b.broker.clients.isEmpty());
      com.fasterxml.jackson.databind.JsonNode closed = Json.MAPPER.readTree(
          get(http, "http://127.0.0.1:" + b.broker.httpPort() + "/connz?state=closed").body()).path("connections").get(0);
      assertEquals("1.3", closed.path("tls_version").asText(), closed.toString());
    }
    try (RunningBroker b = RunningBroker.start("broker.http-tls-cert=\"" + CERTS.serverCert
        + "\"\nbroker.http-tls-key=\"" + CERTS.serverKey + "\"\n")) {
      HttpClient https = HttpClient.newBuilder().sslContext(BrokerTls.sslContext(null, null, CERTS.ca))
          .connectTimeout(Duration.ofSeconds(10)).build();
      com.fasterxml.jackson.databind.JsonNode varz = Json.MAPPER.readTree(
          get(https, "https://127.0.0.1:" + b.broker.httpPort() + "/varz").body());
      assertEquals(0, varz.path("http_port").asInt());
      assertEquals(b.broker.httpPort(), varz.path("https_port").asInt());
      assertTrue(varz.path("tls_required").isMissingNode(), varz.toString());
      assertEquals(2.0, varz.path("tls_timeout").asDouble());
    }
  }

  @Test
  void plainHttpByDefault() throws Exception {
    try (RunningBroker b = RunningBroker.start("")) {
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      assertEquals(200, get(plain, "http://127.0.0.1:" + b.broker.httpPort() + "/varz").statusCode());
    }
  }

  @Test
  void certAndKeyGoTogether() {
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.http-tls-cert=\"/x.pem\""));
  }
}
