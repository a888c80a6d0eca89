package dev.beacon.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the NATS rows against one server (section "broker") or a publisher node and a subscriber
 * node (section "cluster"): a warm-up pass over every row, then {@code reps} measured passes;
 * each row's figure is the median of its passes, with the server CPU time of the median pass.
 */
final class NatsRows {
  /** Row id -> how to run it. Latency rows yield two figures (p50, p99). */
  interface Row {
    NatsBench.Run run(NatsBench b, double seconds) throws IOException;
  }

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
  private final String server;
  private final NatsBench bench;
  private final long[] pids;
  private final Results results;

  NatsRows(String section, String server, NatsBench bench, long[] pids, Results results) {
    this.section = section;
    this.server = server;
    this.bench = bench;
    this.pids = pids;
    this.results = results;
  }

  /** Returns false if any row failed. A cluster that never routes a probe marks every row skipped. */
  boolean run(Map<String, Row> rows, double warmupSeconds, double measureSeconds, int reps) throws IOException {
    Map<String, List<double[]>> runs = new LinkedHashMap<>();
    Map<String, String> failed = new LinkedHashMap<>();
    for (String id : rows.keySet()) {
      runs.put(id, new ArrayList<>());
    }
    try {
      for (int pass = -1; pass < reps; pass++) {
        boolean warmup = pass < 0;
        if (warmup && warmupSeconds <= 0) {
          continue;
        }
        for (Map.Entry<String, Row> e : rows.entrySet()) {
          if (failed.containsKey(e.getKey())) {
            continue;
          }
          System.err.printf("bench: %s %s %s %s%n", section, server, e.getKey(), warmup ? "warm-up" : "pass " + (pass + 1));
          double cpu0 = cpu();
          double self0 = Proc.cpuSeconds(SELF);
          try {
            NatsBench.Run r = e.getValue().run(bench, warmup ? warmupSeconds : measureSeconds);
            if (!warmup) {
              runs.get(e.getKey()).add(new double[] {r.value(), r.value2(), r.lost(), cpu() - cpu0,
                  Proc.cpuSeconds(SELF) - self0});
            }
          } catch (NatsBench.NoRouteException nr) {
            throw nr;
          } catch (IOException | RuntimeException ex) {
            failed.put(e.getKey(), String.valueOf(ex.getMessage()));
          }
        }
      }
    } catch (NatsBench.NoRouteException nr) {
      for (String id : rows.keySet()) {
        for (String row : names(id)) {
          results.skipped(section, row, server, "cluster not formed: " + nr.getMessage());
        }
      }
      return true;
    }
    for (Map.Entry<String, List<double[]>> e : runs.entrySet()) {
      String id = e.getKey();
      String[] names = names(id);
      if (failed.containsKey(id)) {
        for (String n : names) {
          results.failed(section, n, server, failed.get(id));
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
        results.value(section, names[i], server, median[i], median[3], lost,
            String.format(Locale.ROOT, "client CPU %.2f s", median[4]));
      }
    }
    long rss = 0;
    for (long pid : pids) {
      rss += Proc.rssBytes(pid);
    }
    results.value(section, "rss", server, rss / 1048576.0, Double.NaN, 0);
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

  private double cpu() throws IOException {
    double sum = 0;
    for (long pid : pids) {
      sum += Proc.cpuSeconds(pid);
    }
    return sum;
  }
}
