package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** broker/src/test/js/nsq.js run with node: its JSON lines, read with a deadline. */
final class NodeScript implements AutoCloseable {
  static final Path JS = Path.of("src", "test", "js");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final LinkedBlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
  final List<String> seen = new ArrayList<>();

  /** True when node and nsqjs are installed (npm install in src/test/js). */
  static boolean available() {
    if (!Files.isDirectory(JS.resolve("node_modules").resolve("nsqjs"))) {
      return false;
    }
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  NodeScript(String... args) throws Exception {
    this(java.util.Map.of(), args);
  }

  /** With extra environment variables (NSQ_AUTH_SECRET). */
  NodeScript(java.util.Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", "nsq.js"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(JS.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(env);
    process = pb.start();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          try {
            lines.add(JSON.readTree(line));
          } catch (Exception e) {
            lines.add(JSON.createObjectNode().put("unparsed", line));
          }
        }
      } catch (Exception ignored) {
        // the process ended
      }
    }, "node-output");
    t.setDaemon(true);
    t.start();
  }

  /** The next line with {@code field}, skipping others (kept in {@link #seen}); fails after the timeout. */
  JsonNode next(String field, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      JsonNode n = left <= 0 ? null : lines.poll(left, TimeUnit.MILLISECONDS);
      if (n == null) {
        throw new AssertionError("no '" + field + "' line from node within " + timeoutMs + " ms; saw " + seen);
      }
      seen.add(n.toString());
      if (n.has(field)) {
        return n;
      }
    }
  }

  int waitFor(long timeoutMs) throws InterruptedException {
    if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
      throw new AssertionError("node still running after " + timeoutMs + " ms; saw " + seen);
    }
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
