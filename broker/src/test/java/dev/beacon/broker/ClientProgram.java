package dev.beacon.broker;

import dev.beacon.testkit.NatsServerProcess;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compiled third-party-client conformance program (src/test/go, src/test/c): built once, then run
 * against the broker or nats-server; it prints one {@code PASS name} or {@code FAIL name: why} line
 * per scenario and exits non-zero on any failure.
 */
final class ClientProgram {
  private ClientProgram() {}

  /** Runs a build command; aborts the test class (skip) when the tool is missing, fails when it fails. */
  static void build(ProcessBuilder pb, String tool, long timeoutSeconds) throws Exception {
    Process p;
    try {
      p = pb.redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort(tool + " not available: " + e.getMessage());
      return;
    }
    assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), tool + " did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), tool + " failed:\n" + out);
  }

  /**
   * Runs {@code binary port} against a fresh broker ("broker") or nats-server ("nats-server") and
   * requires exit 0 and a {@code PASS} line for every scenario: a missing line fails like a FAIL line.
   */
  static void passesAgainst(String target, Path binary, List<String> scenarios) throws Exception {
    Assumptions.assumeTrue(target.equals("broker") || NatsServerProcess.installed(), "nats-server not installed");
    RunningBroker b = target.equals("broker") ? RunningBroker.start("") : null;
    NatsServerProcess ns = target.equals("broker") ? null : new NatsServerProcess("", false);
    try {
      int port = b != null ? b.port() : ns.port();
      Process p = new ProcessBuilder(binary.toAbsolutePath().toString(), String.valueOf(port))
          .redirectErrorStream(true).start();
      boolean exited = p.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, exited ? p.exitValue() : -1, out);
      List<String> lines = out.lines().toList();
      for (String s : scenarios) {
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
