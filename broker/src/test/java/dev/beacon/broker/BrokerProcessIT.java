package dev.beacon.broker;

import dev.beacon.testkit.JarProcess;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar as a process: ready line, bind failure line, SIGTERM, exit codes. */
@Timeout(60)
class BrokerProcessIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern READY = BrokerJars.READY;
  private final BrokerJars jars = new BrokerJars();

  private JarProcess start(String... flags) throws Exception {
    return jars.start(flags);
  }

  @AfterEach
  void killLeftovers() throws Exception {
    jars.killAll();
  }

  /** SIGTERM through the handle: Process.destroy() would also close our end of its output. */
  private static void sigterm(JarProcess p) {
    p.process().toHandle().destroy();
  }

  @Test
  void sigtermWithLameDuckDurationTellsClientsAndLogsWhatItDoes() throws Exception {
    JarProcess p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0",
        "--lame-duck-duration=2s", "--lame-duck-grace-period=300ms");
    int port = p.awaitReady(READY, WAIT)[0];
    // protocol 1: a client that takes async INFO, as every current client does.
    try (RawConn c = RawConn.connect(port, "{\"verbose\":false,\"protocol\":1}")) {
      long t0 = System.nanoTime();
      sigterm(p);
      c.expect("INFO \\{[^\r\n]*\"ldm\":true[^\r\n]*\\}\r\n");
      c.expectClosed();
      long closedAfterMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(closedAfterMs >= 250 && closedAfterMs < 2500, "closed after " + closedAfterMs + " ms");
    }
    // What the broker logged while stopping is not lost to the JDK's shutdown hooks: read to the
    // end of its output (the process exits), then look for it.
    p.awaitExit(Duration.ofSeconds(15));
    String out = p.stdout() + p.stderr();
    assertTrue(out.contains("entering lame duck mode"), "output: [" + out + "]");
  }

  @Test
  void readyLineThenSigtermStopsGracefully() throws Exception {
    JarProcess p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    int port = p.awaitReady(READY, WAIT)[0];
    try (Connection nc = Nats.connect(Options.builder().server("nats://127.0.0.1:" + port).maxReconnects(0).build());
         RawConn lazy = RawConn.connect(port)) {
      Subscription s = nc.subscribe("x");
      nc.flush(Duration.ofSeconds(2));
      nc.publish("x", new byte[] {1});
      assertNotNull(s.nextMessage(Duration.ofSeconds(2)));
      // A subscriber that is not reading yet: what is queued for it must still arrive after SIGTERM.
      lazy.send("SUB q 1\r\nPING\r\n").expect("PONG\r\n");
      String body = "z".repeat(1000);
      for (int i = 0; i < 500; i++) {
        nc.publish("q", body.getBytes(StandardCharsets.UTF_8));
      }
      nc.flush(Duration.ofSeconds(5));
      sigterm(p);
      for (int i = 0; i < 500; i++) {
        lazy.expect("MSG q 1 1000\r\n");
        assertEquals(body + "\r\n", lazy.readN(1002));
      }
      lazy.expectClosed();
      p.awaitExit(Duration.ofSeconds(15));
    }
  }

  @Test
  void bindFailureExitsNonZeroWithOneClearLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      JarProcess p = start("--listen=127.0.0.1:" + port, "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
      int status = p.awaitExit(WAIT);
      String out = p.stdout() + p.stderr();
      assertEquals(1, status, out);
      assertTrue(out.contains("broker: listen 127.0.0.1:" + port + " failed: "), out);
    }
  }

  @Test
  void unknownFlagIsAUsageError() throws Exception {
    JarProcess p = start("--no-such-flag=1");
    int status = p.awaitExit(WAIT);
    String out = p.stdout() + p.stderr();
    assertTrue(status != 0, out);
    assertTrue(out.contains("no-such-flag"), out);
  }

  /** SIGHUP on the packaged jar: the --config file is read again; only the client whose password changed is dropped. */
  @Test
  void sighupReloadsUsersAndPermissions() throws Exception {
    Path conf = java.nio.file.Files.createTempFile("broker-auth", ".conf");
    java.nio.file.Files.writeString(conf, AuthReloadTest.BEFORE);
    try {
      JarProcess p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0", "--config=" + conf);
      int port = p.awaitReady(READY, WAIT)[0];
      try (RawConn keep = RawConn.connect(port, AuthReloadTest.login("keep", "k"));
           RawConn repassed = RawConn.connect(port, AuthReloadTest.login("repassed", "old"));
           RawConn narrowed = RawConn.connect(port, AuthReloadTest.login("narrowed", "n"))) {
        keep.send("SUB a 1\r\nPING\r\n").expect("PONG\r\n");
        java.nio.file.Files.writeString(conf, AuthReloadTest.AFTER);
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(p.process().pid())).start();
        assertTrue(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP failed");
        repassed.expectErr("Authorization Violation");
        repassed.expectClosed();
        narrowed.send("PUB secret.x 1\r\nx\r\n");
        narrowed.expectErr("Permissions Violation for Publish to \"secret.x\"");
        keep.send("PUB a 2\r\nhi\r\n").expect("MSG a 1 2\r\nhi\r\n");
      }
      p.awaitStderr(Pattern.compile("reloaded users and permissions \\(5 users\\)"), WAIT);
    } finally {
      java.nio.file.Files.deleteIfExists(conf);
    }
  }

  @Test
  void aBadSettingExitsOneAndAUsageErrorTwo() throws Exception {
    JarProcess bad = start("--max-payload=0", "--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    int status = bad.awaitExit(WAIT);
    String out = bad.stdout() + bad.stderr();
    assertEquals(1, status, out);
    assertTrue(out.contains("max-payload"), out);
    JarProcess usage = start("--no-such-flag=1");
    assertEquals(2, usage.awaitExit(WAIT), usage.stdout() + usage.stderr());
  }
}
