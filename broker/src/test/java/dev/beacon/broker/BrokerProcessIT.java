package dev.beacon.broker;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar as a process: ready line, bind failure line, SIGTERM. */
@Timeout(60)
class BrokerProcessIT {
  private static final Path JAR = Path.of("target/broker.jar");

  private static Process start(String... flags) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-Xmx256m", "-jar", JAR.toString()));
    cmd.addAll(List.of(flags));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  @Test
  void sigtermWithLameDuckDurationTellsClientsAndLogsWhatItDoes() throws Exception {
    Process p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0",
        "--lame-duck-duration=2s", "--lame-duck-grace-period=300ms");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      Pattern ready = Pattern.compile("broker: ready, server_id N\\w+, clients on 127.0.0.1:(\\d+),");
      Matcher m = null;
      String line;
      while ((line = out.readLine()) != null && !(m = ready.matcher(line)).find()) {
        // start-up lines
      }
      assertNotNull(line, "no ready line");
      // protocol 1: a client that takes async INFO, as every current client does.
      try (RawConn c = RawConn.connect(Integer.parseInt(m.group(1)), "{\"verbose\":false,\"protocol\":1}")) {
        long t0 = System.nanoTime();
        // SIGTERM through the handle: Process.destroy() would also close our end of its output.
        p.toHandle().destroy();
        c.expect("INFO \\{[^\r\n]*\"ldm\":true[^\r\n]*\\}\r\n");
        c.expectClosed();
        long closedAfterMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closedAfterMs >= 250 && closedAfterMs < 2500, "closed after " + closedAfterMs + " ms");
      }
      // What the broker logged while stopping is not lost to the JDK's LogManager shutdown hook.
      // Read to the end of its output (the process exits), then check the exit.
      StringBuilder rest = new StringBuilder();
      while ((line = out.readLine()) != null) {
        rest.append(line).append('\n');
      }
      assertTrue(p.waitFor(15, TimeUnit.SECONDS), "did not stop on SIGTERM");
      assertTrue(rest.toString().contains("entering lame duck mode"), "output after the ready line: [" + rest + "]");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void readyLineThenSigtermStopsGracefully() throws Exception {
    Process p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      Matcher m = null;
      Pattern ready = Pattern.compile("broker: ready, server_id N\\w+, clients on 127.0.0.1:(\\d+), monitoring on 127.0.0.1:(\\d+), routes on 127.0.0.1:(\\d+)");
      while ((line = out.readLine()) != null) {
        m = ready.matcher(line);
        if (m.find()) {
          break;
        }
      }
      assertNotNull(line, "no ready line");
      int port = Integer.parseInt(m.group(1));
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
        p.destroy(); // SIGTERM
        for (int i = 0; i < 500; i++) {
          lazy.expect("MSG q 1 1000\r\n");
          assertEquals(body + "\r\n", lazy.readN(1002));
        }
        lazy.expectClosed();
        assertTrue(p.waitFor(15, TimeUnit.SECONDS), "did not stop on SIGTERM");
      }
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void bindFailureExitsNonZeroWithOneClearLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Process p = start("--listen=127.0.0.1:" + port, "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(1, p.exitValue(), out);
      assertTrue(out.contains("broker: listen 127.0.0.1:" + port + " failed: "), out);
    }
  }

  @Test
  void unknownFlagIsAUsageError() throws Exception {
    Process p = start("--no-such-flag=1");
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.exitValue() != 0, out);
    assertTrue(out.contains("no-such-flag"), out);
  }

  /** SIGHUP on the packaged jar: the --config file is read again; only the client whose password changed is dropped. */
  @Test
  void sighupReloadsUsersAndPermissions() throws Exception {
    Path conf = java.nio.file.Files.createTempFile("broker-auth", ".conf");
    java.nio.file.Files.writeString(conf, AuthReloadTest.BEFORE);
    Process p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0", "--config=" + conf);
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      Pattern ready = Pattern.compile("broker: ready, server_id N\\w+, clients on 127.0.0.1:(\\d+),");
      Matcher m = null;
      String line;
      while ((line = out.readLine()) != null && !(m = ready.matcher(line)).find()) {
        // start-up lines
      }
      assertNotNull(line, "no ready line");
      int port = Integer.parseInt(m.group(1));
      try (RawConn keep = RawConn.connect(port, AuthReloadTest.login("keep", "k"));
           RawConn repassed = RawConn.connect(port, AuthReloadTest.login("repassed", "old"));
           RawConn narrowed = RawConn.connect(port, AuthReloadTest.login("narrowed", "n"))) {
        keep.send("SUB a 1\r\nPING\r\n").expect("PONG\r\n");
        java.nio.file.Files.writeString(conf, AuthReloadTest.AFTER);
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(p.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP failed");
        repassed.expectErr("Authorization Violation");
        repassed.expectClosed();
        narrowed.send("PUB secret.x 1\r\nx\r\n");
        narrowed.expectErr("Permissions Violation for Publish to \"secret.x\"");
        keep.send("PUB a 2\r\nhi\r\n").expect("MSG a 1 2\r\nhi\r\n");
      }
      assertTrue(readUntil(out, "reloaded users and permissions (5 users)"), "no reload line");
    } finally {
      p.destroyForcibly();
      java.nio.file.Files.deleteIfExists(conf);
    }
  }

  private static boolean readUntil(BufferedReader out, String text) throws java.io.IOException {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains(text)) {
        return true;
      }
    }
    return false;
  }
}
