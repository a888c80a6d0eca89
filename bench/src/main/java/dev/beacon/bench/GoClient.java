package dev.beacon.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The broker rows driven by nats.go instead of this module's own client: each run starts
 * bench/go/natsbench (built by bench/run) for one row against one server and parses its one
 * {@code result ...} line. The rows have the ids of {@link NatsRows#broker()}, so the report can
 * set both clients' figures side by side; {@link NatsRows} interleaves them, takes the median and
 * measures the server's CPU time around each run exactly as for its own client.
 */
final class GoClient {
  /** Longest a run may take beyond its measuring time (connecting, draining: natsbench waits up to 30 s). */
  static final long SLACK_SECONDS = 90;

  private final Path binary;

  GoClient(Path binary) {
    this.binary = binary;
  }

  Map<String, NatsRows.Row> broker() {
    Map<String, NatsRows.Row> rows = new LinkedHashMap<>();
    rows.put("pub16", (b, s) -> run(b, s, "pub", 16, 0));
    rows.put("pub1k", (b, s) -> run(b, s, "pub", 1024, 0));
    rows.put("sub16", (b, s) -> run(b, s, "pubsub", 16, 1));
    rows.put("sub1k", (b, s) -> run(b, s, "pubsub", 1024, 1));
    rows.put("fan16", (b, s) -> run(b, s, "pubsub", 16, 4));
    rows.put("fan1k", (b, s) -> run(b, s, "pubsub", 1024, 4));
    rows.put("rtt", (b, s) -> run(b, s, "rtt", 16, 1));
    rows.put("req16", (b, s) -> run(b, s, "req", 16, 16));
    return rows;
  }

  NatsBench.Run run(NatsBench b, double seconds, String row, int size, int subs) throws IOException {
    List<String> cmd = List.of(binary.toString(), "-url", "nats://" + b.host() + ":" + b.pubPort(), "-row", row,
        "-size", Integer.toString(size), "-subs", Integer.toString(subs), "-requesters", Integer.toString(subs),
        "-seconds", Double.toString(seconds));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      if (!p.waitFor((long) Math.ceil(seconds) + SLACK_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException("natsbench " + row + " did not finish");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException("natsbench " + row + " exited " + p.exitValue() + " (its error is in the client log)");
    }
    return parse(out);
  }

  /**
   * The figures of natsbench's {@code result key=value ...} line: rate (or, for the rtt row, p50
   * and p99 in microseconds), lost, ops and the program's own CPU seconds.
   */
  static NatsBench.Run parse(String output) throws IOException {
    String line = output.lines().filter(l -> l.startsWith("result ")).reduce((a, b) -> b)
        .orElseThrow(() -> new IOException("no result line from natsbench: " + output.strip()));
    Map<String, String> f = new HashMap<>();
    for (String kv : line.substring("result ".length()).trim().split(" +")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IOException("bad natsbench field '" + kv + "' in: " + line);
      }
      f.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    try {
      boolean latency = "rtt".equals(f.get("row"));
      double value = Double.parseDouble(need(f, latency ? "p50us" : "rate", line));
      double value2 = latency ? Double.parseDouble(need(f, "p99us", line)) : 0;
      return new NatsBench.Run(value, value2, Long.parseLong(need(f, "lost", line)), Long.parseLong(need(f, "ops", line)),
          Double.parseDouble(need(f, "cpus", line)));
    } catch (NumberFormatException e) {
      throw new IOException("bad number in natsbench line: " + line);
    }
  }

  private static String need(Map<String, String> f, String key, String line) throws IOException {
    String v = f.get(key);
    if (v == null) {
      throw new IOException("natsbench line without " + key + ": " + line);
    }
    return v;
  }
}
