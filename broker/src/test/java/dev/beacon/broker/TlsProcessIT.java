package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import dev.beacon.testkit.JarProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jars with the TLS flags as users give them: a broker with client TLS and mutual route
 * TLS registered in lookupd, and an outsider registered in the same lookupd with a certificate from
 * another CA. Both log every refused route handshake with the dialled address; a plaintext client
 * on the TLS client port is logged as nats-server logs it.
 */
@Timeout(180)
class TlsProcessIT {
  private static final Path LOOKUPD_JAR = Path.of("..", "lookupd", "target", "lookupd.jar");
  private static final Path BROKER_JAR = Path.of("target", "broker.jar");
  private static final Pattern LOOKUPD_READY = Pattern.compile("lookupd: ready, tcp [^ ]+:(\\d+) http [^ ]+:(\\d+).*");
  private static final Pattern BROKER_READY =
      Pattern.compile("broker: ready, .*clients on [^ ]+:(\\d+), monitoring on [^ ]+:(\\d+), routes on [^ ]+:(\\d+).*");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final TestCerts CERTS = TestCerts.get();

  private final List<JarProcess> processes = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (JarProcess p : processes) {
      p.kill();
    }
  }

  private JarProcess start(Path jar, Pattern ready, String... args) throws Exception {
    JarProcess p = JarProcess.start(jar, args);
    processes.add(p);
    p.awaitReady(ready, WAIT);
    return p;
  }

  @Test
  void refusedRouteHandshakesAndPlaintextClientsAreLogged() throws Exception {
    JarProcess lookupd = start(LOOKUPD_JAR, LOOKUPD_READY,
        "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--broadcast-address=127.0.0.1");
    String lookupdTcp = "127.0.0.1:" + lookupd.port(0);
    JarProcess member = start(BROKER_JAR, BROKER_READY, "--listen=127.0.0.1:0", "--http=127.0.0.1:0",
        "--cluster=127.0.0.1:0", "--lookupd-tcp-address", lookupdTcp, "--broadcast-address=127.0.0.1", "--name=member",
        "--tls-cert", CERTS.serverCert.toString(), "--tls-key", CERTS.serverKey.toString(),
        "--route-tls-cert", CERTS.serverCert.toString(), "--route-tls-key", CERTS.serverKey.toString(),
        "--route-tls-ca", CERTS.ca.toString(), "--route-user", "cluster", "--route-password", "s3cret");
    JarProcess outsider = start(BROKER_JAR, BROKER_READY, "--listen=127.0.0.1:0", "--http=127.0.0.1:0",
        "--cluster=127.0.0.1:0", "--lookupd-tcp-address", lookupdTcp, "--broadcast-address=127.0.0.1",
        "--name=outsider", "--route-tls-cert", CERTS.otherCert.toString(), "--route-tls-key", CERTS.otherKey.toString(),
        "--route-tls-ca", CERTS.ca.toString(), "--route-user", "cluster", "--route-password", "s3cret");
    int outsiderRoutes = outsider.port(2);
    int memberRoutes = member.port(2);

    // The member found the outsider through lookupd, dialled it and refused its certificate.
    member.awaitStderr(Pattern.compile(".*route\\(127\\.0\\.0\\.1:" + outsiderRoutes + " solicited\\) TLS route handshake"
        + " error: .*\\(dialled 127\\.0\\.0\\.1:" + outsiderRoutes + ": the peer's certificate must chain to route-tls-ca"
        + " and carry 127\\.0\\.0\\.1 as a subject alternative name\\).*"), WAIT);
    // The outsider dialled the member and was refused (the member logs the accepted side).
    member.awaitStderr(Pattern.compile(".*TLS route handshake error: .*\\(an accepted route must present a certificate"
        + " that chains to route-tls-ca\\).*"), WAIT);
    outsider.awaitStderr(Pattern.compile(".*route\\(127\\.0\\.0\\.1:" + memberRoutes
        + " solicited\\) TLS route handshake error: .*"), WAIT);

    // A client that does not start TLS on the member's client port.
    try (RawConn c = new RawConn(member.port(0))) {
      c.expect("INFO \\{.*\"tls_required\":true.*\\}\r\n");
      c.send("CONNECT {\"verbose\":false}\r\nPING\r\n");
      c.expectClosed();
    }
    member.awaitStderr(Pattern.compile(".*client\\(127\\.0\\.0\\.1:\\d+ cid=\\d+\\) TLS handshake error: first record does"
        + " not look like a TLS handshake.*"), WAIT);
    assertTrue(member.stderr().lines().noneMatch(l -> l.contains("route registered")), member.stderr());
    assertTrue(outsider.stderr().lines().noneMatch(l -> l.contains("route registered")), outsider.stderr());
  }
}
