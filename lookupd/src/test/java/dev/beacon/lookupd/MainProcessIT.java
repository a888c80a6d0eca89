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
}
