package dev.beacon.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * lookupd rows for one registry size on a freshly started lookupd: TCP registrations per second
 * (optionally), then wrk against /lookup, /topics and /nodes at 1 and 8 connections while the
 * registering peers stay connected and keep PINGing, then lookupd's resident memory. The same
 * rows run against a real nsqlookupd when bench/run is given one ({@code --server ref}).
 */
final class LookupdBench {
  static final Set<String> FLAGS = Set.of("host", "tcp-port", "http-port", "pid", "size", "brokers", "topics", "channels",
      "shape", "server", "timed-registration", "registration-warmup", "paths", "shapes", "warmup", "jit-warmup", "measure", "out");
  static final long REGISTER_TIMEOUT_MS = 300_000;
  /** nsqd PINGs every 15 s; ping faster so a lookupd with a short idle timeout is still satisfied. */
  static final long PING_INTERVAL_MS = 5_000;

  /** The registry sizes nsqlookupd v1.3.0 was measured at earlier; an earlier figure applies only at exactly that size. */
  static final String SMALL = "10 brokers x 10 shared topics x 2 channels";
  static final String SHARED = "100 brokers x 1,000 shared topics x 2 channels";
  static final String DISTINCT = "100 brokers x 1,000 distinct topics x 2 channels (100,000 topics)";
  /** nsqlookupd v1.3.0's earlier figures (same machine): registry description + row -> [value, display]. */
  static final Map<String, Object[]> EARLIER_FIGURES = Map.of(
      SMALL + "|lookup.c1", new Object[] {69_000.0, "~69k"},
      SMALL + "|lookup.c8", new Object[] {122_000.0, "~122k"},
      SHARED + "|lookup.c1", new Object[] {10_000.0, "~10k"},
      SHARED + "|lookup.c8", new Object[] {18_000.0, "~18k"},
      SHARED + "|nodes.c1", new Object[] {20.0, "<20"},
      SHARED + "|nodes.c8", new Object[] {20.0, "<20"},
      DISTINCT + "|lookup.c1", new Object[] {150.0, "~150"},
      DISTINCT + "|lookup.c8", new Object[] {310.0, "~310"});

  private LookupdBench() {}

  static String describe(int brokers, int topics, int channels, boolean distinct) {
    String d = String.format(Locale.ROOT, "%,d brokers x %,d %s topics x %d channels", brokers, topics,
        distinct ? "distinct" : "shared", channels);
    return distinct ? d + String.format(Locale.ROOT, " (%,d topics)", brokers * topics) : d;
  }

  static int run(Args a) throws Exception {
    String host = a.get("host", "127.0.0.1");
    int tcp = a.integer("tcp-port");
    int http = a.integer("http-port");
    long pid = Long.parseLong(a.get("pid"));
    String size = a.get("size");
    int brokers = a.integer("brokers");
    int topics = a.integer("topics");
    int channels = a.integer("channels");
    boolean distinct = a.get("shape").equals("distinct");
    String desc = describe(brokers, topics, channels, distinct);
    String server = a.get("server", "beacon");
    if (!server.equals("beacon") && !server.equals("ref")) {
      throw new IllegalArgumentException("--server is beacon or ref, not " + server);
    }
    Results results = new Results(Path.of(a.get("out")));
    int warmup = a.integer("warmup");
    int measure = a.integer("measure");
    boolean ok = true;
    results.described("lookupd", size + "|registry", server, brokers * (double) topics * (1 + channels), desc);
    try {
      return measure(a, server, host, tcp, http, pid, size, brokers, topics, channels, distinct, results, warmup, measure)
          ? 0 : 1;
    } catch (IOException e) {
      results.failed("lookupd", size + "|register", server, e.getMessage());
      return 1;
    }
  }

  private static boolean measure(Args a, String server, String host, int tcp, int http, long pid, String size, int brokers, int topics,
      int channels, boolean distinct, Results results, int warmup, int measure) throws IOException {
    boolean ok = true;
    String desc = describe(brokers, topics, channels, distinct);
    boolean timed = Boolean.parseBoolean(a.get("timed-registration", "false"));
    if (timed && Boolean.parseBoolean(a.get("registration-warmup", "true"))) {
      // Warm-up pass: the same names from peers that then disconnect (the registrations stay, emptied).
      try (Registrar warm = new Registrar(host, tcp, brokers, topics, channels, distinct)) {
        warm.register(REGISTER_TIMEOUT_MS);
      }
    }
    try (Registrar peers = new Registrar(host, tcp, brokers, topics, channels, distinct)) {
      double cpu0 = Proc.cpuSeconds(pid);
      long nanos = peers.register(REGISTER_TIMEOUT_MS);
      double cpu = Proc.cpuSeconds(pid) - cpu0;
      if (peers.oks() != peers.registrations()) {
        throw new IOException("expected " + peers.registrations() + " OK answers, counted " + peers.oks());
      }
      if (timed) {
        results.value("lookupd", size + "|register", server, peers.registrations() / (nanos / 1e9), cpu,
          cpu * 1e9 / peers.registrations(), 0, "");
      }
      peers.hold(PING_INTERVAL_MS);
      String topic = Registrar.topicName(0, 0, distinct);
      // A fresh JVM needs ~10 s of traffic before the HTTP path is compiled (measured: 1-connection
      // rows right after start cost 4-8x the CPU per request of the same row a few seconds later).
      // Every route of this run gets an equal share of one JIT warm-up before anything is measured.
      int jitWarmup = Integer.parseInt(a.get("jit-warmup", "0"));
      String[] paths = a.get("paths").split(",");
      for (String path : paths) {
        if (jitWarmup > 0) {
          try {
            Wrk.run(2, 8, Math.max(1, jitWarmup / paths.length), url(host, http, path, topic));
          } catch (IOException e) {
            // Best effort: a route too slow to answer within the warm-up (nsqlookupd's /nodes on a
            // large registry) must not cost the other rows; its own row still fails if it stays so.
            System.err.printf("bench: lookupd (%s) JIT warm-up of /%s: %s%n", server, path, e.getMessage());
          }
        }
      }
      for (String path : paths) {
        String url = url(host, http, path, topic);
        for (int[] shape : shapes(a.get("shapes", "1x1,2x8"))) {
          String row = size + "|" + path + ".c" + shape[1];
          System.err.printf("bench: lookupd (%s) %s %s -t%d -c%d%n", server, desc, path, shape[0], shape[1]);
          try {
            if (warmup > 0) {
              Wrk.run(shape[0], shape[1], warmup, url);
            }
            double c0 = Proc.cpuSeconds(pid);
            Wrk.Summary w = Wrk.run(shape[0], shape[1], measure, url);
            double c = Proc.cpuSeconds(pid) - c0;
            peers.check();
            results.value("lookupd", row, server, w.rate(), c, c * 1e9 / w.requests(), 0, "");
          } catch (IOException e) {
            results.failed("lookupd", row, server, e.getMessage());
            ok = false;
          }
        }
      }
      results.value("lookupd", size + "|rss", server, Proc.rssBytes(pid) / 1048576.0, Double.NaN, 0);
      peers.stopHolding();
    }
    return ok;
  }

  private static String url(String host, int http, String path, String topic) {
    return "http://" + host + ":" + http + switch (path) {
      case "lookup" -> "/lookup?topic=" + topic;
      case "topics" -> "/topics";
      case "nodes" -> "/nodes";
      default -> throw new IllegalArgumentException("unknown path " + path);
    };
  }

  /** "1x1,2x8" -> wrk -t1 -c1 and -t2 -c8. */
  static int[][] shapes(String spec) {
    String[] parts = spec.split(",");
    int[][] out = new int[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      String[] tc = parts[i].trim().split("x");
      out[i] = new int[] {Integer.parseInt(tc[0]), Integer.parseInt(tc[1])};
    }
    return out;
  }

  /**
   * The lookupd table: one block of rows per registry size, in the order the sizes were run. With
   * rows measured against a real nsqlookupd ({@code ref}) the reference column shows those, else
   * the earlier figures (which apply only at exactly the sizes they were measured at).
   */
  static void table(List<Results.Line> all, PrintStream out) {
    List<Results.Line> lines = Report.section(all, "lookupd");
    boolean measuredRef = lines.stream().anyMatch(l -> l.server().equals("ref") && !l.row().endsWith("|registry"));
    if (measuredRef) {
      out.println("| registry | row | nsqlookupd (measured, same run) | Beacon | Beacon/nsqlookupd | Beacon vs small registry | lookupd CPU s nsqlookupd / Beacon | lookupd CPU per request or REGISTER nsqlookupd / Beacon |");
    } else {
      out.println("| registry | row | nsqlookupd (earlier figure, same machine) | Beacon | Beacon/ref | Beacon vs small registry | lookupd CPU s | lookupd CPU per request or REGISTER |");
    }
    out.println("|---|---|---|---|---|---|---|---|");
    Map<String, String> sizes = Results.notes(lines, "|registry");
    for (Map.Entry<String, String> size : sizes.entrySet()) {
      String desc = size.getValue();
      Set<String> metrics = new LinkedHashSet<>();
      for (Results.Line l : lines) {
        if (l.row().startsWith(size.getKey() + "|") && !l.row().endsWith("|registry")) {
          metrics.add(l.row().substring(size.getKey().length() + 1));
        }
      }
      for (String metric : metrics) {
        String row = size.getKey() + "|" + metric;
        Results.Line l = Report.find(all, "lookupd", row, "beacon");
        boolean beaconMeasured = l != null && l.measured();
        String vsSmall = "-";
        Results.Line small = Report.find(all, "lookupd", "small|" + metric, "beacon");
        if (!size.getKey().equals("small") && small != null && small.measured() && beaconMeasured
            && !metric.equals("rss") && !metric.equals("register")) {
          vsSmall = String.format(Locale.ROOT, "%.2fx", l.value() / small.value());
        }
        if (measuredRef) {
          Results.Line ref = Report.find(all, "lookupd", row, "ref");
          out.printf("| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |%n", desc, label(metric), Report.cell(ref),
              Report.cell(l), Report.ratio(l, ref), vsSmall, cpu(ref), cpu(l), Report.perOp(ref), Report.perOp(l));
          continue;
        }
        Object[] earlier = EARLIER_FIGURES.get(desc + "|" + metric);
        String ratio = "-";
        if (earlier != null && beaconMeasured) {
          ratio = String.format(Locale.ROOT, "%s%.2fx", metric.startsWith("nodes") ? ">" : "", l.value() / (double) earlier[0]);
        }
        out.printf("| %s | %s | %s | %s | %s | %s | %s | %s |%n", desc, label(metric), earlier == null ? "-" : earlier[1],
            Report.cell(l), ratio, vsSmall, cpu(l), Report.perOp(l));
      }
    }
    out.println();
  }

  private static String cpu(Results.Line l) {
    return l != null && l.measured() && !Double.isNaN(l.cpu()) ? String.format(Locale.ROOT, "%.2f", l.cpu()) : "-";
  }

  static String label(String metric) {
    return switch (metric) {
      case "register" -> "TCP registrations/s (100 conns, pipelined, to all OK)";
      case "rss" -> "resident memory (MiB)";
      default -> {
        String[] p = metric.split("\\.c");
        yield "/" + p[0] + " req/s, wrk " + (p[1].equals("1") ? "-t1 -c1" : "-t2 -c" + p[1]);
      }
    };
  }
}
