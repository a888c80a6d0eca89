package dev.beacon.broker;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NATS C client (Debian's libnats-dev, libnats 3.4.1; src/test/c compiled with gcc into
 * target/c) against the broker and against nats-server; skipped when gcc or nats.h is missing.
 */
@Tag("conformance")
@Timeout(60)
class NatsCIT {
  private static final Path SOURCE = Path.of("src/test/c/conformance.c");
  private static final Path HEADER = Path.of("/usr/include/nats/nats.h");
  private static final Path OUT = Path.of("target/c");
  private static final Path BINARY = OUT.resolve("conformance");
  /** Every scenario of conformance.c; a missing line fails as surely as a FAIL line. */
  private static final List<String> SCENARIOS = List.of("connect", "pubsub", "wildcard", "queue", "request",
      "headers", "noresponders", "flush", "autounsubscribe", "maxpayload", "noecho");

  @BeforeAll
  static void build() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(HEADER), HEADER + " missing: apt-get install libnats-dev");
    Files.createDirectories(OUT);
    Process p;
    try {
      p = new ProcessBuilder("gcc", "-O1", "-Wall", "-o", BINARY.toString(), SOURCE.toString(), "-lnats")
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("gcc not available: " + e.getMessage());
      return;
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "gcc did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "gcc failed:\n" + out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void natsCConformanceProgramPasses(String target) throws Exception {
    Assumptions.assumeTrue(target.equals("broker") || NatsServerProcess.installed(), "nats-server not installed");
    RunningBroker b = target.equals("broker") ? RunningBroker.start("") : null;
    NatsServerProcess ns = target.equals("broker") ? null : new NatsServerProcess("", false);
    try {
      int port = b != null ? b.port() : ns.port;
      Process p = new ProcessBuilder(BINARY.toAbsolutePath().toString(), String.valueOf(port))
          .redirectErrorStream(true).start();
      boolean exited = p.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, exited ? p.exitValue() : -1, out);
      List<String> lines = out.lines().toList();
      for (String s : SCENARIOS) {
        assertTrue(lines.contains("PASS " + s), "no 'PASS " + s + "' line:\n" + out);
      }
    } finally {
      if (b != null) {
        b.close();
      }
      if (ns != null) {
        ns.close();
      }
    }
  }
}
