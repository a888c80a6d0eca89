package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

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
      HttpClient https = HttpClient.newBuilder().sslContext(TestCerts.sslContext(null, null, CERTS.ca))
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
      HttpClient untrusting = HttpClient.newBuilder().sslContext(TestCerts.sslContext(null, null, CERTS.otherCa))
          .connectTimeout(Duration.ofSeconds(2)).build();
      assertThrows(IOException.class, () -> get(untrusting, "https://127.0.0.1:" + b.broker.httpPort() + "/varz"));
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
