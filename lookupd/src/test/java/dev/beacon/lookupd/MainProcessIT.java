package dev.beacon.lookupd;

import dev.beacon.common.ExitCodes;
import dev.beacon.testkit.Await;
import dev.beacon.testkit.JarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar, as users run it (failsafe, after package). */
@Timeout(60)
class MainProcessIT {
  private static final Path JAR = Path.of("target", "lookupd.jar");
  private static final List<String> JVM = List.of("-Xmx64m");
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern READY = Pattern.compile("^lookupd: ready, tcp 127\\.0\\.0\\.1:(\\d+) http 127\\.0\\.0\\.1:(\\d+)$");

  private static JarProcess start(String... args) throws Exception {
    return JarProcess.start(JAR, JVM, List.of(args));
  }

  @Test
  void readyLineThenServesThenHelpAndVersion() throws Exception {
    try (JarProcess p = start("--tcp-address=127.0.0.1:0", "--http-address", "127.0.0.1:0", "--broadcast-address=127.0.0.1")) {
      p.awaitReady(READY, WAIT);
      assertTrue(p.stdoutLines().get(0).matches(READY.pattern()), "the ready line is the first line: " + p.stdout());
      try (TestPeer peer = TestPeer.connect(p.port(0))) {
        // nsqd drops a lookupd that takes over 1 s to answer; a fresh JVM must not (it took 0.9-1.5 s before warm-up).
        long start = System.nanoTime();
        peer.identify();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms < 1000, "first IDENTIFY answered after " + ms + " ms");
        assertEquals("OK", peer.command("PING"));
      }
      p.stop(WAIT);
    }
    try (JarProcess help = start("--help")) {
      assertEquals(ExitCodes.OK, help.awaitExit(WAIT));
      assertTrue(help.stdout().contains("--tombstone-lifetime (default \"45s\")"), help.stdout());
    }
    try (JarProcess version = start("--version")) {
      assertEquals(ExitCodes.OK, version.awaitExit(WAIT));
      assertTrue(version.stdout().startsWith("lookupd v"), version.stdout());
    }
  }

  @Test
  void bindFailureExitsNonZeroWithOneClearLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         JarProcess p = start("--tcp-address=127.0.0.1:" + taken.getLocalPort(), "--http-address=127.0.0.1:0")) {
      assertEquals(ExitCodes.START_FAILURE, p.awaitExit(WAIT));
      assertEquals("", p.stdout());
      assertEquals("lookupd: listen 127.0.0.1:" + taken.getLocalPort() + " failed: Address already in use\n", p.stderr());
    }
  }

  @Test
  void unknownFlagIsAUsageError() throws Exception {
    try (JarProcess p = start("--no-such-flag=1")) {
      assertEquals(ExitCodes.USAGE, p.awaitExit(WAIT));
      assertTrue(p.stderr().contains("unknown flag --no-such-flag"), p.stderr());
    }
  }

  @Test
  void aBadSettingExitsWithTheBadSettingCode() throws Exception {
    try (JarProcess p = start("--log-level=loud", "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0")) {
      assertEquals(ExitCodes.BAD_SETTING, p.awaitExit(WAIT));
      assertEquals("lookupd: bad configuration: log-level must be one of [debug, info, warn, error, fatal], not 'loud'\n",
          p.stderr());
    }
  }

  // ---- nsqlookupd's own command line and config file, unchanged ---------------------------------

  private static String httpGet(int port, String pathAndQuery) throws Exception {
    return http("GET", port, pathAndQuery);
  }

  private static String http(String method, int port, String pathAndQuery) throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + pathAndQuery)).method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  @Test
  void nsqlookupdCommandLineWithGoFlagsAndDurations() throws Exception {
    try (JarProcess p = start("-tcp-address=127.0.0.1:0", "-http-address=127.0.0.1:0", "-broadcast-address=lk1.test",
        "-inactive-producer-timeout=1m30s", "-tombstone-lifetime=45s", "-log-level=debug", "-log-prefix=[nsqlookupd] ",
        "-verbose")) {
      int[] ports = p.awaitReady(READY, WAIT);
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
      p.awaitStderr(Pattern.compile("closing"), WAIT);
      assertTrue(p.stderr().contains("TCP: new client("), p.stderr());
      for (String line : p.stderrLines()) {
        assertTrue(line.startsWith("[nsqlookupd] "), line);
      }
      p.stop(WAIT);
    }
  }

  @Test
  void nsqlookupdTomlConfigFile() throws Exception {
    Path cfg = Files.createTempFile("nsqlookupd", ".cfg");
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
    try (JarProcess p = start("--config=" + cfg)) {
      int[] ports = p.awaitReady(READY, WAIT);
      try (TestPeer peer = TestPeer.connect(ports[0])) {
        assertTrue(peer.identify().contains("\"broadcast_address\":\"lk2.test\""));
        assertEquals("OK", peer.command("REGISTER orders"));
        long start = System.nanoTime();
        assertEquals("200 ", http("POST", ports[1], "/topic/tombstone?topic=orders&node=127.0.0.1:5151"));
        assertEquals("200 {\"channels\":[],\"producers\":[]}", httpGet(ports[1], "/lookup?topic=orders"));
        // tombstone_lifetime = "1.5s": the producer comes back once the tombstone has lived 1.5 s
        String back = Await.value("the producer back after the tombstone", WAIT,
            () -> httpGet(ports[1], "/lookup?topic=orders"), a -> a.contains("5150"));
        long tombstoneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(back.contains("\"tcp_port\":5150"), back);
        assertTrue(tombstoneMs >= 1400 && tombstoneMs < 6000, "tombstone lived " + tombstoneMs + " ms");
        // inactive_producer_timeout = 4000 (an integer is milliseconds): without a PING the producer is hidden
        String gone = Await.value("the inactive producer hidden", WAIT,
            () -> httpGet(ports[1], "/nodes"), a -> a.equals("200 {\"producers\":[]}"));
        long inactiveMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("200 {\"producers\":[]}", gone);
        assertTrue(inactiveMs >= 2400, "hidden after " + inactiveMs + " ms");
      }
      p.stop(WAIT);
      assertTrue(p.stderrLines().stream().allMatch(l -> l.startsWith("[lk-toml] ")), p.stderr());
    } finally {
      Files.deleteIfExists(cfg);
    }
  }

  @Test
  void unknownKeyInATomlConfigExitsOneNamingTheKey() throws Exception {
    Path cfg = Files.createTempFile("nsqlookupd", ".cfg");
    try {
      Files.writeString(cfg, "tcp_address = \"127.0.0.1:0\"\ntombstone_lifetme = \"45s\"\n");
      try (JarProcess p = start("-config", cfg.toString(), "-http-address=127.0.0.1:0")) {
        assertEquals(ExitCodes.BAD_SETTING, p.awaitExit(WAIT));
        assertEquals("lookupd: unknown key 'tombstone_lifetme' in config file " + cfg, p.stderr().strip());
      }
      Files.writeString(cfg, "lookupd { tcp-address = \"127.0.0.1:0\", tombstone-lifetme = 45s }");
      try (JarProcess p = start("-config", cfg.toString())) {
        assertEquals(ExitCodes.BAD_SETTING, p.awaitExit(WAIT));
        assertEquals("lookupd: unknown key 'lookupd.tombstone-lifetme' in config file " + cfg, p.stderr().strip());
      }
      try (JarProcess p = start("-tcp-address=127.0.0.1:0", "-tombstone-lifetime=1m30")) {
        assertEquals(ExitCodes.USAGE, p.awaitExit(WAIT), "as Go's flag package");
        String text = p.stderr().strip();
        assertTrue(text.startsWith("lookupd: invalid value \"1m30\" for flag -tombstone-lifetime") && !text.contains("\n"), text);
      }
    } finally {
      Files.deleteIfExists(cfg);
    }
  }

  /** nsqlookupd-style flags for TLS and the registration secret on the packaged jar; a half TLS setting is refused. */
  @Test
  void tlsAndRegistrationSecretFlags() throws Exception {
    dev.beacon.testkit.TestCerts certs = dev.beacon.testkit.TestCerts.get();
    try (JarProcess p = start("-tcp-address=127.0.0.1:0", "-http-address=127.0.0.1:0", "-broadcast-address=127.0.0.1",
        "-tls-cert=" + certs.serverCert, "-tls-key=" + certs.serverKey, "-tcp-tls", "-registration-secret", "s3cret")) {
      p.awaitReady(READY, WAIT);
      java.net.http.HttpResponse<String> ping = java.net.http.HttpClient.newBuilder()
          .sslContext(dev.beacon.testkit.TestCerts.trusting(certs.ca)).build()
          .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + p.port(1) + "/ping")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals("OK", ping.body());
      try (TestPeer peer = new TestPeer(dev.beacon.testkit.TestCerts.connect(dev.beacon.testkit.TestCerts.trusting(certs.ca), p.port(0)))) {
        peer.send("  V1");
        assertTrue(peer.identify().contains("\"registration_secret\":\"refused\""));
        assertTrue(peer.command("REGISTER t").startsWith("E_UNAUTHORIZED "));
      }
      p.stop(WAIT);
    }
    try (JarProcess half = start("-tcp-address=127.0.0.1:0", "-http-address=127.0.0.1:0", "-tls-cert=" + certs.serverCert)) {
      assertEquals(ExitCodes.BAD_SETTING, half.awaitExit(WAIT));
      assertTrue(half.stderr().contains("tls-cert and tls-key must be set together"), half.stderr());
    }
  }
}
