package dev.beacon.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders the results file as Markdown tables: reference, Beacon, Beacon/reference. */
final class Report {
  /** Row id -> label, in table order. */
  static final Map<String, String> BROKER_ROWS = new LinkedHashMap<>();
  static final Map<String, String> CLUSTER_ROWS = new LinkedHashMap<>();
  /** Figures measured earlier for nats-server 2.9.10 with a nats.go client on this machine, for orientation. */
  static final Map<String, String> EARLIER_FIGURES = Map.ofEntries(
      Map.entry("broker|pub16", "~8.0M"), Map.entry("broker|sub16", "~3.2-3.5M"), Map.entry("broker|sub1k", "~1.1M"),
      Map.entry("broker|fan16", "~4.9M"), Map.entry("broker|rtt50", "26"), Map.entry("broker|rtt99", "43"),
      Map.entry("broker|req16", "~117k"), Map.entry("broker|rss", "~23"),
      Map.entry("cluster|x16", "~2.1M"), Map.entry("cluster|x1k", "~680k"));

  static {
    BROKER_ROWS.put("pub16", "publish-only 16 B (msgs/s)");
    BROKER_ROWS.put("pub1k", "publish-only 1 KiB (msgs/s)");
    BROKER_ROWS.put("sub16", "1 pub -> 1 sub 16 B (msgs/s)");
    BROKER_ROWS.put("sub1k", "1 pub -> 1 sub 1 KiB (msgs/s)");
    BROKER_ROWS.put("fan16", "1 pub -> 4 subs 16 B (deliveries/s)");
    BROKER_ROWS.put("fan1k", "1 pub -> 4 subs 1 KiB (deliveries/s)");
    BROKER_ROWS.put("rtt50", "request/reply p50 (us, lower is better)");
    BROKER_ROWS.put("rtt99", "request/reply p99 (us, lower is better)");
    BROKER_ROWS.put("req16", "16 concurrent requesters (req/s)");
    BROKER_ROWS.put("rss", "resident memory after the run (MiB, lower is better)");
    CLUSTER_ROWS.put("x16", "pub on A -> sub on B 16 B (msgs/s)");
    CLUSTER_ROWS.put("x1k", "pub on A -> sub on B 1 KiB (msgs/s)");
    CLUSTER_ROWS.put("xrtt50", "request on A, responder on B, p50 (us, lower is better)");
    CLUSTER_ROWS.put("xrtt99", "request on A, responder on B, p99 (us, lower is better)");
    CLUSTER_ROWS.put("rss", "resident memory of both nodes after the run (MiB, lower is better)");
  }

  private Report() {}

  /** Prints every section present in the file; returns 1 if any row failed, else 0. */
  static int print(Path file, PrintStream out) throws IOException {
    List<Results.Line> lines = Results.read(file);
    if (lines.isEmpty()) {
      out.println("No results.");
      return 1;
    }
    boolean go = lines.stream().anyMatch(l -> l.section().equals("broker" + Main.GO_SUFFIX));
    if (go) {
      out.println("### Broker vs nats-server 2.9.10 (one node, same run): this module's client | nats.go");
      out.println();
      bothClients(lines, out);
    } else if (lines.stream().anyMatch(l -> l.section().equals("broker"))) {
      out.println("### Broker vs nats-server 2.9.10 (one node, same client, same run)");
      out.println();
      natsTable(lines, "broker", BROKER_ROWS, "nats-server", out);
    }
    if (lines.stream().anyMatch(l -> l.section().equals("memory"))) {
      out.println("### Resident memory: broker vs nats-server 2.9.10 (each row on freshly started servers)");
      out.println();
      memoryTable(lines, out);
    }
    if (lines.stream().anyMatch(l -> l.section().equals("cluster"))) {
      out.println("### Cross-broker: 2-node nats-server cluster vs lookupd + 2 auto-joined brokers");
      out.println();
      natsTable(lines, "cluster", CLUSTER_ROWS, "nats-server cluster", out);
    }
    if (lines.stream().anyMatch(l -> l.section().equals("lookupd"))) {
      boolean measured = lines.stream().anyMatch(l -> l.section().equals("lookupd") && l.server().equals("ref"));
      out.println(measured ? "### lookupd vs nsqlookupd (both measured in this run, same rows)"
          : "### lookupd vs nsqlookupd v1.3.0 (earlier figures; set NSQLOOKUPD to measure one)");
      out.println();
      LookupdBench.table(lines, out);
    }
    List<Results.Line> bad = lines.stream().filter(l -> !l.measured()).toList();
    for (Results.Line l : bad) {
      out.printf("- %s %s %s %s: %s%n", l.status(), l.section(), l.server(), l.row(), l.note());
    }
    return lines.stream().anyMatch(l -> l.status().equals(Results.FAIL)) ? 1 : 0;
  }

  private static void natsTable(List<Results.Line> lines, String section, Map<String, String> rows, String refName,
      PrintStream out) {
    out.printf("| row | earlier figure (nats.go client) | %s | Beacon | Beacon/ref | CPU s ref / Beacon | server CPU per op ref / Beacon | lost ref / Beacon |%n",
        refName);
    out.println("|---|---|---|---|---|---|---|---|");
    for (Map.Entry<String, String> r : rows.entrySet()) {
      Results.Line ref = find(lines, section, r.getKey(), "ref");
      Results.Line beacon = find(lines, section, r.getKey(), "beacon");
      out.printf("| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s |%n", r.getValue(),
          EARLIER_FIGURES.getOrDefault(section + "|" + r.getKey(), "-"), cell(ref), cell(beacon), ratio(beacon, ref),
          cpu(ref), cpu(beacon), perOp(ref), perOp(beacon), lost(ref), lost(beacon));
    }
    out.println();
  }

  /**
   * The broker rows of both load generators side by side: for each, nats-server's figure, Beacon's,
   * the ratio, the server CPU per counted message or request, and the messages lost.
   */
  private static void bothClients(List<Results.Line> lines, PrintStream out) {
    out.println("| row | own: nats-server | own: Beacon | own: Beacon/ref | own: CPU/op ref / Beacon | own: lost ref / Beacon "
        + "| nats.go: nats-server | nats.go: Beacon | nats.go: Beacon/ref | nats.go: CPU/op ref / Beacon | nats.go: lost ref / Beacon |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (Map.Entry<String, String> r : BROKER_ROWS.entrySet()) {
      StringBuilder b = new StringBuilder("| ").append(r.getValue());
      for (String section : List.of("broker", "broker" + Main.GO_SUFFIX)) {
        Results.Line ref = find(lines, section, r.getKey(), "ref");
        Results.Line beacon = find(lines, section, r.getKey(), "beacon");
        b.append(" | ").append(cell(ref)).append(" | ").append(cell(beacon)).append(" | ").append(ratio(beacon, ref))
            .append(" | ").append(perOp(ref)).append(" / ").append(perOp(beacon))
            .append(" | ").append(lost(ref)).append(" / ").append(lost(beacon));
      }
      out.println(b.append(" |"));
    }
    out.println();
  }

  private static void memoryTable(List<Results.Line> lines, PrintStream out) {
    out.println("| row | nats-server | Beacon | Beacon/ref |");
    out.println("|---|---|---|---|");
    for (String row : List.of("idle", "conns", "subs")) {
      Results.Line ref = find(lines, "memory", row, "ref");
      Results.Line beacon = find(lines, "memory", row, "beacon");
      if (ref == null && beacon == null) {
        continue;
      }
      String what = ref != null && ref.measured() ? ref.note() : beacon != null && beacon.measured() ? beacon.note() : row;
      // The note ends with how long the opening took on that server; the label keeps only the shape.
      int paren = what.indexOf(" (");
      String label = (paren > 0 ? what.substring(0, paren) : what) + " (MiB, lower is better)";
      out.printf("| %s | %s | %s | %s |%n", label, cell(ref), cell(beacon), ratio(beacon, ref));
    }
    out.println();
  }

  static Results.Line find(List<Results.Line> lines, String section, String row, String server) {
    Results.Line found = null;
    for (Results.Line l : lines) {
      if (l.section().equals(section) && l.row().equals(row) && l.server().equals(server)) {
        found = l;
      }
    }
    return found;
  }

  static String cell(Results.Line l) {
    if (l == null) {
      return "not run";
    }
    if (!l.measured()) {
      return l.status().equals(Results.SKIP) ? "skipped" : "FAILED";
    }
    return human(l.value());
  }

  static String ratio(Results.Line num, Results.Line den) {
    if (num == null || den == null || !num.measured() || !den.measured()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2fx", num.value() / den.value());
  }

  private static String cpu(Results.Line l) {
    return l == null || !l.measured() || Double.isNaN(l.cpu()) ? "-" : String.format(Locale.ROOT, "%.2f", l.cpu());
  }

  /** Server CPU per counted operation: "850 ns", "31 us". */
  static String perOp(Results.Line l) {
    if (l == null || !l.measured() || Double.isNaN(l.cpuPerOp())) {
      return "-";
    }
    double ns = l.cpuPerOp();
    return ns >= 10_000 ? String.format(Locale.ROOT, "%.0f us", ns / 1e3)
        : ns >= 1_000 ? String.format(Locale.ROOT, "%.1f us", ns / 1e3) : String.format(Locale.ROOT, "%.0f ns", ns);
  }

  private static String lost(Results.Line l) {
    return l == null || !l.measured() ? "-" : Long.toString(l.lost());
  }

  /** 8012345 -> "8.01M", 117000 -> "117k", 26.4 -> "26.4". */
  static String human(double v) {
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e4) {
      return String.format(Locale.ROOT, "%.0fk", v / 1e3);
    }
    if (v >= 1e3) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }

  static List<Results.Line> section(List<Results.Line> lines, String section) {
    List<Results.Line> out = new ArrayList<>();
    for (Results.Line l : lines) {
      if (l.section().equals(section)) {
        out.add(l);
      }
    }
    return out;
  }
}
