package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import dev.beacon.testkit.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * jnats, nats.go and nats.js over TLS against the broker and against nats-server 2.9 with the same
 * certificates (made at test time), with and without client certificates; a client that does not
 * set up TLS gets the same error from both.
 */
@Tag("conformance")
@Timeout(120)
class NatsTlsClientsIT {
  private static final TestCerts CERTS = TestCerts.get();
  private static final Path GOPATH = Path.of("/usr/share/gocode");
  private static final Path GO_OUT = Path.of("target/go");
  private static final Path GO_BINARY = GO_OUT.resolve("tls");
  private static final Path JS_DIR = Path.of("src/test/js");
  private static boolean goBuilt;

  @BeforeAll
  static void buildGo() throws Exception {
    if (!Files.isRegularFile(GOPATH.resolve("src/github.com/nats-io/nats.go/nats.go"))) {
      return;
    }
    Files.createDirectories(GO_OUT);
    ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", GO_BINARY.toString(), "src/test/go/tls/tls.go");
    Map<String, String> env = pb.environment();
    env.put("GO111MODULE", "off");
    env.put("GOPATH", GOPATH.toString());
    env.put("GOCACHE", GO_OUT.resolve("cache").toAbsolutePath().toString());
    env.put("GOPROXY", "off");
    env.put("GOFLAGS", "");
    try {
      Process p = pb.redirectErrorStream(true).start();
      assertTrue(p.waitFor(90, TimeUnit.SECONDS), "go build did not finish");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), "go build failed:\n" + out);
      goBuilt = true;
    } catch (IOException e) {
      goBuilt = false; // no go: the nats.go checks are skipped
    }
  }

  /** A TLS server of the given kind; {@code port()} is its client port. */
  private static final class Target implements AutoCloseable {
    final RunningBroker broker;
    final NatsServerProcess natsServer;

    Target(String kind, boolean verify) throws Exception {
      if (kind.equals("broker")) {
        broker = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.tls-verify=" + verify + "\n");
        natsServer = null;
      } else {
        assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
        broker = null;
        natsServer = new NatsServerProcess("tls {\n  cert_file: \"" + CERTS.serverCert + "\"\n  key_file: \""
            + CERTS.serverKey + "\"\n  ca_file: \"" + CERTS.ca + "\"\n  verify: " + verify + "\n  timeout: 2\n}\n", false);
      }
    }

    int port() {
      return broker != null ? broker.port() : natsServer.port();
    }

    @Override
    public void close() throws Exception {
      if (broker != null) {
        broker.close();
      } else {
        natsServer.close();
      }
    }
  }

  private static Connection jnats(int port, SSLContext ctx) throws Exception {
    Options.Builder o = Options.builder().server((ctx == null ? "nats" : "tls") + "://127.0.0.1:" + port)
        .connectionTimeout(Duration.ofSeconds(3)).maxReconnects(0);
    if (ctx != null) {
      o.sslContext(ctx);
    }
    return Nats.connect(o.build());
  }

  private static void roundTrip(Connection c) throws Exception {
    Subscription s = c.subscribe("tls.check");
    c.createDispatcher(m -> c.publish(m.getReplyTo(), ("re:" + new String(m.getData(), StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8))).subscribe("tls.svc");
    c.flush(Duration.ofSeconds(2));
    c.publish("tls.check", "secret".getBytes(StandardCharsets.UTF_8));
    Message m = s.nextMessage(Duration.ofSeconds(3));
    assertNotNull(m);
    assertEquals("secret", new String(m.getData(), StandardCharsets.UTF_8));
    Message r = c.request("tls.svc", "q".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3));
    assertEquals("re:q", new String(r.getData(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void jnatsOverTls(String kind) throws Exception {
    try (Target t = new Target(kind, false); Connection c = jnats(t.port(), BrokerTls.sslContext(null, null, CERTS.ca))) {
      roundTrip(c);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void jnatsWithAndWithoutAClientCertificateWhenVerifyIsOn(String kind) throws Exception {
    try (Target t = new Target(kind, true)) {
      try (Connection c = jnats(t.port(), BrokerTls.sslContext(CERTS.clientCert, CERTS.clientKey, CERTS.ca))) {
        roundTrip(c);
      }
      assertThrows(Exception.class, () -> jnats(t.port(), BrokerTls.sslContext(null, null, CERTS.ca)).close());
      assertThrows(Exception.class,
          () -> jnats(t.port(), BrokerTls.sslContext(CERTS.otherCert, CERTS.otherKey, CERTS.ca)).close());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void goAndJsOverTls(String kind) throws Exception {
    try (Target t = new Target(kind, false)) {
      expectPass(go(t.port(), CERTS.ca.toString()));
      expectPass(js(t.port(), CERTS.ca.toString()));
    }
    try (Target t = new Target(kind, true)) {
      expectPass(go(t.port(), CERTS.ca.toString(), CERTS.clientCert.toString(), CERTS.clientKey.toString()));
      expectPass(js(t.port(), CERTS.ca.toString(), CERTS.clientCert.toString(), CERTS.clientKey.toString()));
    }
  }

  /** A client without TLS set up: the same error from the broker and from nats-server, for each client. */
  @Test
  void clientsWithoutTlsAreRefusedAlike() throws Exception {
    assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    List<String> fromBroker = refusals("broker");
    List<String> fromNatsServer = refusals("nats-server");
    assertEquals(fromNatsServer, fromBroker);
    System.out.println("clients without TLS, refused alike by both: " + fromBroker);
  }

  private List<String> refusals(String kind) throws Exception {
    List<String> errors = new ArrayList<>();
    try (Target t = new Target(kind, false)) {
      List<String> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
      Options o = Options.builder().server("nats://127.0.0.1:" + t.port()).connectionTimeout(Duration.ofSeconds(3))
          .maxReconnects(0).errorListener(new io.nats.client.ErrorListener() {
            @Override
            public void exceptionOccurred(Connection conn, Exception exp) {
              reported.add(exp.getClass().getSimpleName() + ": " + exp.getMessage());
            }
          }).build();
      Exception e = assertThrows(Exception.class, () -> Nats.connect(o).close());
      errors.add("jnats: " + e.getClass().getSimpleName() + ": "
          + e.getMessage().replace(String.valueOf(t.port()), "PORT") + " " + reported);
      try (RawConn raw = new RawConn(t.port())) {
        raw.expect("INFO \\{[^\r\n]*\"tls_required\":true[^\r\n]*\\} ?\r\n");
        raw.send("CONNECT {\"verbose\":false}\r\nPING\r\n");
        raw.expectClosed(); // no -ERR, no PONG
        errors.add("raw socket: INFO with tls_required, then closed without a reply");
      }
      String go = go(t.port(), "plain");
      if (go != null) {
        assertTrue(go.startsWith("ERROR "), go);
        errors.add("nats.go: " + go);
      }
      String js = js(t.port(), "plain");
      if (js != null) {
        assertTrue(js.startsWith("ERROR "), js);
        errors.add("nats.js: " + js);
      }
    }
    return errors;
  }

  @Test
  void jnatsAndJsTlsFirstAgainstHandshakeFirst() throws Exception {
    try (RunningBroker b = RunningBroker.start(BrokerTls.clientTls(CERTS) + "broker.tls-handshake-first=true\n");
         Connection c = Nats.connect(Options.builder().server("tls://127.0.0.1:" + b.port())
             .sslContext(BrokerTls.sslContext(null, null, CERTS.ca)).tlsFirst()
             .connectionTimeout(Duration.ofSeconds(3)).maxReconnects(0).build())) {
      roundTrip(c);
      String js = js(Map.of("TLS_FIRST", "1"), b.port(), CERTS.ca.toString());
      expectPass(js);
      // Without handshakeFirst nats.js waits for an INFO in clear text that never comes.
      String waiting = js(Map.of(), b.port(), CERTS.ca.toString());
      if (waiting != null) {
        assertTrue(waiting.startsWith("FAIL "), waiting);
      }
    }
  }

  private static void expectPass(String out) {
    if (out != null) {
      assertTrue(out.lines().anyMatch("PASS tls"::equals), out);
    }
  }

  /** Runs the nats.go program; null when go or nats.go is missing. */
  private static String go(int port, String... args) throws Exception {
    if (!goBuilt) {
      return null;
    }
    List<String> cmd = new ArrayList<>(List.of(GO_BINARY.toAbsolutePath().toString(), String.valueOf(port)));
    cmd.addAll(List.of(args));
    return run(new ProcessBuilder(cmd));
  }

  /** Runs the nats.js program; null when node or the npm packages are missing. */
  private static String js(int port, String... args) throws Exception {
    return js(Map.of(), port, args);
  }

  private static String js(Map<String, String> env, int port, String... args) throws Exception {
    if (!Files.isDirectory(JS_DIR.resolve("node_modules/nats"))) {
      return null;
    }
    List<String> cmd = new ArrayList<>(List.of("node", "tls.js", String.valueOf(port)));
    cmd.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(JS_DIR.toFile());
      pb.environment().putAll(env);
      return run(pb);
    } catch (IOException e) {
      return null; // no node
    }
  }

  private static String run(ProcessBuilder pb) throws Exception {
    Process p = pb.redirectErrorStream(true).start();
    boolean exited = p.waitFor(30, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(exited, "did not exit: " + out);
    return out;
  }
}
