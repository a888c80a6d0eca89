package dev.beacon.lookupd;

import dev.beacon.common.ExitCodes;
import dev.beacon.testkit.JarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
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
}
