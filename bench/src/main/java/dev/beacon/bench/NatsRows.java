package dev.beacon.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the NATS rows against the reference and Beacon, interleaved: a warm-up pass over every row
 * on every server, then {@code reps} measured passes, each running one row on one server after
 * the other. On a shared machine, load that comes and goes then hits both servers alike instead
 * of whichever ran during it. Each figure is the median pass, with the server CPU time of that pass.
 * Section "broker" targets one server each; section "cluster" a publisher node and a subscriber node.
 */
final class NatsRows {
  /** Row id -> how to run it. Latency rows yield two figures (p50, p99). */
  interface Row {
    NatsBench.Run run(NatsBench b, double seconds) throws IOException;
  }

  /** One server (or node pair) under test. */
  record Target(String server, NatsBench bench, long[] pids) {}

  static Map<String, Row> broker() {
    Map<String, Row> rows = new LinkedHashMap<>();
    rows.put("pub16", (b, s) -> b.publishOnly(16, s));
    rows.put("pub1k", (b, s) -> b.publishOnly(1024, s));
    rows.put("sub16", (b, s) -> b.pubSub(16, 1, s));
    rows.put("sub1k", (b, s) -> b.pubSub(1024, 1, s));
    rows.put("fan16", (b, s) -> b.pubSub(16, 4, s));
    rows.put("fan1k", (b, s) -> b.pubSub(1024, 4, s));
    rows.put("rtt", NatsBench::latency);
    rows.put("req16", (b, s) -> b.requesters(16, s));
    return rows;
  }

  static Map<String, Row> cluster() {
    Map<String, Row> rows = new LinkedHashMap<>();
    rows.put("x16", (b, s) -> b.pubSub(16, 1, s));
    rows.put("x1k", (b, s) -> b.pubSub(1024, 1, s));
    rows.put("xrtt", NatsBench::latency);
    return rows;
  }

  private static final long SELF = ProcessHandle.current().pid();

  private final String section;
  private final Results results;

  NatsRows(String section, Results results) {
    this.section = section;
    this.results = results;
  }

  /** Returns false if any row failed. A target whose cluster never routes a probe has its rows skipped. */
  boolean run(Map<String, Row> rows, List<Target> targets, double warmupSeconds, double measureSeconds, int reps)
      throws IOException {
    Map<String, Map<String, List<double[]>>> runs = new LinkedHashMap<>();
    Map<String, Map<String, String>> failed = new LinkedHashMap<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    for (Target t : targets) {
      Map<String, List<double[]>> byRow = new LinkedHashMap<>();
      rows.keySet().forEach(id -> byRow.put(id, new ArrayList<>()));
      runs.put(t.server(), byRow);
      failed.put(t.server(), new LinkedHashMap<>());
    }
    for (int pass = warmupSeconds > 0 ? -1 : 0; pass < reps; pass++) {
      boolean warmup = pass < 0;
      for (Map.Entry<String, Row> e : rows.entrySet()) {
        for (Target t : targets) {
          if (failed.get(t.server()).containsKey(e.getKey()) || skipped.containsKey(t.server())) {
            continue;
          }
          System.err.printf("bench: %s %s %s %s%n", section, t.server(), e.getKey(), warmup ? "warm-up" : "pass " + (pass + 1));
          double cpu0 = cpu(t.pids());
          double self0 = Proc.cpuSeconds(SELF);
          try {
            NatsBench.Run r = e.getValue().run(t.bench(), warmup ? warmupSeconds : measureSeconds);
            if (!warmup) {
              double serverCpu = cpu(t.pids()) - cpu0;
              runs.get(t.server()).get(e.getKey()).add(new double[] {r.value(), r.value2(), r.lost(),
                  serverCpu, Proc.cpuSeconds(SELF) - self0 + r.clientCpu(), r.ops() > 0 ? serverCpu * 1e9 / r.ops() : Double.NaN});
            }
          } catch (NatsBench.NoRouteException nr) {
            skipped.put(t.server(), "cluster not formed: " + nr.getMessage());
          } catch (IOException | RuntimeException ex) {
            failed.get(t.server()).put(e.getKey(), String.valueOf(ex.getMessage()));
          }
        }
      }
    }
    boolean ok = true;
    for (Target t : targets) {
      ok &= report(t, rows, runs.get(t.server()), failed.get(t.server()), skipped.get(t.server()));
    }
    return ok;
  }

  private boolean report(Target t, Map<String, Row> rows, Map<String, List<double[]>> runs, Map<String, String> failed,
      String skipped) throws IOException {
    if (skipped != null) {
      for (String id : rows.keySet()) {
        for (String row : names(id)) {
          results.skipped(section, row, t.server(), skipped);
        }
      }
      return true;
    }
    for (Map.Entry<String, List<double[]>> e : runs.entrySet()) {
      String id = e.getKey();
      String[] names = names(id);
      if (failed.containsKey(id)) {
        for (String n : names) {
          results.failed(section, n, t.server(), failed.get(id));
        }
        continue;
      }
      List<double[]> passes = e.getValue();
      long lost = 0;
      for (double[] p : passes) {
        lost += (long) p[2];
      }
      for (int i = 0; i < names.length; i++) {
        double[] median = median(passes, i);
        results.value(section, names[i], t.server(), median[i], median[3], median[5], lost,
            String.format(Locale.ROOT, "client CPU %.2f s", median[4]));
      }
    }
    long rss = 0;
    for (long pid : t.pids()) {
      rss += Proc.rssBytes(pid);
    }
    results.value(section, "rss", t.server(), rss / 1048576.0, Double.NaN, 0);
    return failed.isEmpty();
  }

  private static String[] names(String id) {
    return id.endsWith("rtt") ? new String[] {id + "50", id + "99"} : new String[] {id};
  }

  /** The pass whose figure {@code i} is the median (lower median for an even count). */
  static double[] median(List<double[]> passes, int i) {
    double[][] sorted = passes.toArray(new double[0][]);
    Arrays.sort(sorted, (a, b) -> Double.compare(a[i], b[i]));
    return sorted[(sorted.length - 1) / 2];
  }

  private static double cpu(long[] pids) throws IOException {
    double sum = 0;
    for (long pid : pids) {
      sum += Proc.cpuSeconds(pid);
    }
    return sum;
  }
}
