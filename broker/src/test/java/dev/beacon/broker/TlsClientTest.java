package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client TLS on raw sockets: INFO in clear, then the upgrade (nats-server's order), and who is refused. */
@Timeout(60)
class TlsClientTest {
  private static final TestCerts CERTS = TestCerts.get();

  /** Reads INFO in clear text, upgrades to TLS and returns the TLS connection. */
  private static RawConn upgraded(int port, SSLContext ctx) throws IOException {
    RawConn plain = new RawConn(port);
    String info = plain.expect("INFO (\\{.*\\}) ?\r\n").group(1);
    assertTrue(info.contains("\"tls_required\":true"), info);
    SSLSocket tls = BrokerTls.upgrade(plain.socket, ctx);
    return new RawConn(tls);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void infoInClearThenTlsThenTheProtocol(int eventLoops) throws Exception {
    try (RunningBroker b = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.event-loops=" + eventLoops + "\n")) {
      SSLContext ctx = BrokerTls.sslContext(null, null, CERTS.ca);
      try (RawConn sub = upgraded(b.port(), ctx); RawConn pub = upgraded(b.port(), ctx)) {
        sub.send("CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nPING\r\n").expect("PONG\r\n");
        pub.send("CONNECT {\"verbose\":false}\r\nPUB foo 5\r\nhello\r\nPING\r\n").expect("PONG\r\n");
        sub.expect("MSG foo 1 5\r\nhello\r\n");
        String version = ((SSLSocket) sub.socket).getSession().getProtocol();
        assertEquals("TLSv1.3", version);
        b.await(Duration.ofSeconds(5), () -> b.broker.clients.values().stream()
            .allMatch(c -> "1.3".equals(c.tlsVersion) && "TLS_AES_128_GCM_SHA256".equals(c.tlsCipher)));
      }
    }
  }

  /** nats-server 2.9: a client that sends protocol instead of a TLS handshake gets nothing more and is closed. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void plaintextClientIsClosedWithoutReply(int eventLoops) throws Exception {
    try (RunningBroker b = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.event-loops=" + eventLoops + "\n");
         RawConn c = new RawConn(b.port())) {
      c.expect("INFO \\{.*\"tls_required\":true.*\\} ?\r\n");
      c.send("CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nPING\r\n");
      c.expectClosed();
      b.await(Duration.ofSeconds(5), () -> b.broker.clients.isEmpty()
          && b.broker.closedClients().stream().anyMatch(m -> "TLS Handshake Failure".equals(m.reason())));
    }
  }

  @Test
  void handshakeTimeoutClosesTheConnection() throws Exception {
    try (RunningBroker b = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.tls-timeout=200ms\n");
         RawConn c = new RawConn(b.port())) {
      c.expect("INFO \\{.*\\} ?\r\n");
      long t0 = System.nanoTime();
      // Netty ends the handshake with a TLS alert record; then the connection closes.
      c.socket.setSoTimeout(3000);
      java.io.InputStream in = c.socket.getInputStream();
      while (in.read() >= 0) {
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos());
      }
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos());
    }
  }

  @Test
  void verifyRequiresAClientCertificateFromTheCa() throws Exception {
    try (RunningBroker b = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.tls-verify=true\n")) {
      try (RawConn plain = new RawConn(b.port())) {
        String info = plain.expect("INFO (\\{.*\\}) ?\r\n").group(1);
        assertTrue(info.contains("\"tls_required\":true,\"tls_verify\":true"), info);
      }
      // With a certificate from the CA: admitted.
      try (RawConn ok = upgraded(b.port(), BrokerTls.sslContext(CERTS.clientCert, CERTS.clientKey, CERTS.ca))) {
        ok.send("CONNECT {\"verbose\":false}\r\nPING\r\n").expect("PONG\r\n");
      }
      // Without one, or with one from another CA: the handshake (TLS 1.3: the first read) fails.
      for (SSLContext bad : new SSLContext[] {BrokerTls.sslContext(null, null, CERTS.ca),
          BrokerTls.sslContext(CERTS.otherCert, CERTS.otherKey, CERTS.ca)}) {
        RawConn plain = new RawConn(b.port());
        plain.expect("INFO \\{.*\\} ?\r\n");
        assertThrows(IOException.class, () -> {
          SSLSocket t = BrokerTls.upgrade(plain.socket, bad);
          t.getOutputStream().write("CONNECT {}\r\nPING\r\n".getBytes());
          t.getOutputStream().flush();
          assertEquals(-1, t.getInputStream().read());
        });
        plain.close();
      }
    }
  }

  @Test
  void handshakeFirstStartsTlsBeforeInfo() throws Exception {
    try (RunningBroker b = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.tls-handshake-first=true\nbroker.event-loops=2\n")) {
      SSLSocket t = BrokerTls.upgrade(new Socket("127.0.0.1", b.port()), BrokerTls.sslContext(null, null, CERTS.ca));
      try (RawConn c = new RawConn(t)) {
        c.expect("INFO \\{.*\"tls_required\":true.*\\} ?\r\n");
        c.send("CONNECT {\"verbose\":false}\r\nPING\r\n").expect("PONG\r\n");
      }
      // A client waiting for INFO in clear gets none.
      try (RawConn plain = new RawConn(b.port())) {
        plain.expectNothing(Duration.ofMillis(300));
      }
    }
  }

  @Test
  void pkcs1KeyIsAccepted() throws Exception {
    String conf = "broker.tls-cert=\"" + CERTS.rsaCert + "\"\nbroker.tls-key=\"" + CERTS.rsaKey + "\"\n";
    assertTrue(java.nio.file.Files.readString(CERTS.rsaKey).contains("BEGIN RSA PRIVATE KEY"));
    try (RunningBroker b = RunningBroker.start(conf);
         RawConn c = upgraded(b.port(), BrokerTls.sslContext(null, null, CERTS.ca))) {
      c.send("CONNECT {\"verbose\":false}\r\nPING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void badSettingsStopStartUp() {
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.tls-cert=\"/x.pem\""));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.tls-min-version=\"1.1\"\n"
        + "broker.tls-cert=\"/x\"\nbroker.tls-key=\"/y\""));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.route-tls-cert=\"/x\"\n"
        + "broker.route-tls-key=\"/y\""));
    Exception e = assertThrows(IllegalStateException.class, () -> RunningBroker.start(
        "broker.tls-cert=\"" + CERTS.dir.resolve("missing.pem") + "\"\nbroker.tls-key=\"" + CERTS.serverKey + "\"\n"));
    assertTrue(String.valueOf(e.getMessage()).contains("missing.pem"), e.getMessage());
    e = assertThrows(IllegalStateException.class, () -> RunningBroker.start(BrokerTls.clientTls(CERTS)
        + "broker.tls-ciphers=[\"TLS_NO_SUCH_CIPHER\"]\n"));
    assertTrue(String.valueOf(e.getMessage()).contains("TLS_NO_SUCH_CIPHER"), e.getMessage());
    assertFalse(BrokerOptions.of("").clustered());
  }
}
