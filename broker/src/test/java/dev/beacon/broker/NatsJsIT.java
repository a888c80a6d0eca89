package dev.beacon.broker;

import dev.beacon.testkit.NatsServerProcess;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * nats.js (npm nats 2.29.3, installed by .ci/run into src/test/js) against the broker and against
 * nats-server; skipped when node_modules or node is missing.
 */
@Tag("conformance")
@Timeout(60)
class NatsJsIT {
  private static final Path DIR = Path.of("src/test/js");

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void natsJsConformanceScriptPasses(String target) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(DIR.resolve("node_modules/nats")), "npm install not run in " + DIR);
    Assumptions.assumeTrue(target.equals("broker") || NatsServerProcess.installed(), "nats-server not installed");
    RunningBroker b = target.equals("broker") ? RunningBroker.start("") : null;
    NatsServerProcess ns = target.equals("broker") ? null : new NatsServerProcess("", false);
    try {
      int port = b != null ? b.port() : ns.port();
      Process p;
      try {
        p = new ProcessBuilder("node", "conformance.js", String.valueOf(port))
            .directory(DIR.toFile()).redirectErrorStream(true).start();
      } catch (java.io.IOException e) {
        Assumptions.abort("node not available: " + e.getMessage());
        return;
      }
      boolean exited = p.waitFor(45, TimeUnit.SECONDS);
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!exited) {
        p.destroyForcibly();
      }
      assertEquals(0, exited ? p.exitValue() : -1, out);
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
