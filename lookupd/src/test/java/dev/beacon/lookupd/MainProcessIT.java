package dev.beacon.lookupd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar, as users run it (failsafe, after package). */
@Timeout(60)
class MainProcessIT {
  private static final Path JAR = Path.of("target", "lookupd.jar");

  private static Process start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
        "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(false).start();
  }

  private static String run(Process p) throws Exception {
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("process did not exit");
    }
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void readyLineThenServesThenHelpAndVersion() throws Exception {
    assertTrue(Files.exists(JAR), "run after package");
    Process p = start("--tcp-address=127.0.0.1:0", "--http-address", "127.0.0.1:0", "--broadcast-address=127.0.0.1");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String ready = out.readLine();
      Matcher m = Pattern.compile("lookupd: ready, tcp 127\\.0\\.0\\.1:(\\d+) http 127\\.0\\.0\\.1:(\\d+)").matcher(ready);
      assertTrue(m.matches(), ready);
      try (TestPeer peer = TestPeer.connect(Integer.parseInt(m.group(1)))) {
        // nsqd drops a lookupd that takes over 1 s to answer; a fresh JVM must not (it took 0.9-1.5 s before warm-up).
        long start = System.nanoTime();
        peer.identify();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 1000, "first IDENTIFY answered after " + ms + " ms");
        assertEquals("OK", peer.command("PING"));
      }
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    Process help = start("--help");
    String text = run(help);
    assertEquals(0, help.exitValue());
    assertTrue(text.contains("--tombstone-lifetime (default \"45s\")"), text);
    Process version = start("--version");
    assertTrue(run(version).startsWith("lookupd v"));
    assertEquals(0, version.exitValue());
  }

  @Test
  void bindFailureExitsNonZeroWithOneClearLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Process p = start("--tcp-address=127.0.0.1:" + taken.getLocalPort(), "--http-address=127.0.0.1:0");
      String text = run(p).strip();
      assertNotEquals(0, p.exitValue());
      assertEquals("lookupd: listen 127.0.0.1:" + taken.getLocalPort() + " failed: Address already in use", text);
    }
  }

  @Test
  void unknownFlagExitsNonZero() throws Exception {
    Process p = start("--no-such-flag=1");
    String text = run(p);
    assertNotEquals(0, p.exitValue());
    assertTrue(text.contains("unknown flag --no-such-flag"), text);
  }

  // ---- nsqlookupd's own command line and config file, unchanged ---------------------------------

  /** Reads stdout's ready line; returns {tcp port, http port}. Stderr goes to a file so the log can be checked. */
  private static int[] ready(Process p) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String ready = out.readLine();
    Matcher m = Pattern.compile("lookupd: ready, tcp 127\\.0\\.0\\.1:(\\d+) http 127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(ready));
    assertTrue(m.matches(), "ready line: " + ready);
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  private static Process startLogged(Path stderr, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
        "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
  }

  private static String httpGet(int port, String pathAndQuery) throws Exception {
    return http("GET", port, pathAndQuery);
  }

  private static String http(String method, int port, String pathAndQuery) throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + pathAndQuery)).method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
        .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  /** GETs until the answer satisfies done or the deadline passes; returns the last answer. */
  private static String poll(int port, String pathAndQuery, java.util.function.Predicate<String> done, long deadlineNanos)
      throws Exception {
    String last;
    do {
      last = httpGet(port, pathAndQuery);
      if (done.test(last)) {
        return last;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    } while (System.nanoTime() < deadlineNanos);
    return last;
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
  }

  @Test
  void nsqlookupdCommandLineWithGoFlagsAndDurations() throws Exception {
    Path log = Files.createTempFile("lookupd", ".log");
    Process p = startLogged(log, "-tcp-address=127.0.0.1:0", "-http-address=127.0.0.1:0", "-broadcast-address=lk1.test",
        "-inactive-producer-timeout=1m30s", "-tombstone-lifetime=45s", "-log-level=debug", "-log-prefix=[nsqlookupd] ",
        "-verbose");
    try {
      int[] ports = ready(p);
      try (TestPeer peer = TestPeer.connect(ports[0])) {
        String answer = peer.identify();
        assertTrue(answer.contains("\"broadcast_address\":\"lk1.test\""), answer);
        assertEquals("OK", peer.command("REGISTER orders"));
        assertTrue(httpGet(ports[1], "/lookup?topic=orders").contains("\"tcp_port\":5150"));
        // -tombstone-lifetime=45s took: the tombstone still hides the producer
        assertEquals("200 ", http("POST", ports[1], "/topic/tombstone?topic=orders&node=127.0.0.1:5151"));
        assertEquals("200 {\"channels\":[],\"producers\":[]}", httpGet(ports[1], "/lookup?topic=orders"));
      }
      // -log-prefix and -log-level=debug took: every line has the prefix
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      String text = Files.readString(log);
      while (!text.contains("closing") && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        text = Files.readString(log);
      }
      assertTrue(text.contains("TCP: new client("), text);
      for (String line : text.strip().split("\n")) {
        assertTrue(line.startsWith("[nsqlookupd] "), line);
      }
    } finally {
      stop(p);
      Files.deleteIfExists(log);
    }
  }

  @Test
  void nsqlookupdTomlConfigFile() throws Exception {
    Path cfg = Files.createTempFile("nsqlookupd", ".cfg");
    Path log = Files.createTempFile("lookupd", ".log");
    Files.writeString(cfg, """
        ## log verbosity level: debug, info, warn, error, or fatal
        log_level = "info"
        log_prefix = "[lk-toml] "

        ## <addr>:<port> to listen on for TCP clients
        tcp_address = "127.0.0.1:0"

        ## <addr>:<port> to listen on for HTTP clients
        http_address = "127.0.0.1:0"

        ## address that will be registered with lookupd (defaults to the OS hostname)
        broadcast_address = "lk2.test"

        ## duration of time a producer will remain in the active list since its last ping
        inactive_producer_timeout = 4000

        ## duration of time a producer will remain tombstoned if registration remains
        tombstone_lifetime = "1.5s"
        """);
    Process p = startLogged(log, "--config=" + cfg);
    try {
      int[] ports = ready(p);
      try (TestPeer peer = TestPeer.connect(ports[0])) {
        long identified = System.nanoTime();
        assertTrue(peer.identify().contains("\"broadcast_address\":\"lk2.test\""));
        assertEquals("OK", peer.command("REGISTER orders"));
        long start = System.nanoTime();
        assertEquals("200 ", http("POST", ports[1], "/topic/tombstone?topic=orders&node=127.0.0.1:5151"));
        assertEquals("200 {\"channels\":[],\"producers\":[]}", httpGet(ports[1], "/lookup?topic=orders"));
        // tombstone_lifetime = "1.5s": the producer comes back once the tombstone has lived 1.5 s
        String back = poll(ports[1], "/lookup?topic=orders", a -> a.contains("5150"), start + TimeUnit.SECONDS.toNanos(10));
        long tombstoneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(back.contains("\"tcp_port\":5150"), back);
        assertTrue(tombstoneMs >= 1400 && tombstoneMs < 6000, "tombstone lived " + tombstoneMs + " ms");
        // inactive_producer_timeout = 4000 (an integer is milliseconds): without a PING the producer is hidden
        String gone = poll(ports[1], "/nodes", a -> a.equals("200 {\"producers\":[]}"), start + TimeUnit.SECONDS.toNanos(15));
        long inactiveMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("200 {\"producers\":[]}", gone);
        assertTrue(inactiveMs >= 2400, "hidden after " + inactiveMs + " ms");
      }
      assertTrue(Files.readString(log).lines().allMatch(l -> l.startsWith("[lk-toml] ")), Files.readString(log));
    } finally {
      stop(p);
      Files.deleteIfExists(cfg);
      Files.deleteIfExists(log);
    }
  }

  @Test
  void unknownKeyInATomlConfigExitsOneNamingTheKey() throws Exception {
    Path cfg = Files.createTempFile("nsqlookupd", ".cfg");
    try {
      Files.writeString(cfg, "tcp_address = \"127.0.0.1:0\"\ntombstone_lifetme = \"45s\"\n");
      Process p = start("-config", cfg.toString(), "-http-address=127.0.0.1:0");
      String text = run(p).strip();
      assertEquals(1, p.exitValue());
      assertEquals("lookupd: unknown key 'tombstone_lifetme' in config file " + cfg, text);
      Files.writeString(cfg, "lookupd { tcp-address = \"127.0.0.1:0\", tombstone-lifetme = 45s }");
      p = start("-config", cfg.toString());
      text = run(p).strip();
      assertEquals(1, p.exitValue());
      assertEquals("lookupd: unknown key 'lookupd.tombstone-lifetme' in config file " + cfg, text);
      p = start("-tcp-address=127.0.0.1:0", "-tombstone-lifetime=1m30");
      text = run(p).strip();
      assertEquals(2, p.exitValue(), "as Go's flag package");
      assertTrue(text.startsWith("lookupd: invalid value \"1m30\" for flag -tombstone-lifetime") && !text.contains("\n"), text);
    } finally {
      Files.deleteIfExists(cfg);
    }
  }
}
