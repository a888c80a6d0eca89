package dev.beacon.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Load generators and the report for {@code bench/run}. Sub-commands:
 * {@code nats} (broker or cross-broker rows against one server or a node pair, with this module's
 * client or, for the broker rows, nats.go), {@code memory} (resident memory idle and with many
 * connections or subscriptions),
 * {@code lookupd} (registrations over TCP, then wrk against the HTTP API while the registering
 * peers stay connected) and {@code report} (Markdown tables from the results file).
 * Exit status: 0 when every row was measured or deliberately skipped, 1 when a row failed, 2 on usage errors.
 */
public final class Main {
  private Main() {}

  public static void main(String[] argv) {
    if (argv.length == 0) {
      System.err.println("usage: bench (nats|memory|lookupd|report) --flag=value ...");
      System.exit(2);
    }
    int status;
    try {
      status = switch (argv[0]) {
        case "nats" -> nats(new Args(argv, 1, Set.of("section", "host", "warmup", "measure", "reps", "out", "rows",
            "ref-pub-port", "ref-sub-port", "ref-pids", "beacon-pub-port", "beacon-sub-port", "beacon-pids", "go-client")));
        case "memory" -> Memory.run(new Args(argv, 1, Memory.FLAGS));
        case "lookupd" -> LookupdBench.run(new Args(argv, 1, LookupdBench.FLAGS));
        case "report" -> Report.print(Path.of(new Args(argv, 1, Set.of("in")).get("in")), System.out);
        default -> throw new IllegalArgumentException("unknown sub-command " + argv[0]);
      };
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      status = 2;
    } catch (Exception e) {
      System.err.println("bench: " + argv[0] + " failed: " + e);
      status = 1;
    }
    System.exit(status);
  }

  /** Section suffix of the rows measured with the nats.go load generator. */
  static final String GO_SUFFIX = ".go";

  /** Servers under test, in the order each row runs on them: the reference first. */
  static final List<String> SERVERS = List.of("ref", "beacon");

  private static int nats(Args a) throws Exception {
    String section = a.get("section");
    String host = a.get("host", "127.0.0.1");
    List<NatsRows.Target> targets = new ArrayList<>();
    for (String server : SERVERS) {
      String pub = a.get(server + "-pub-port", "");
      if (!pub.isEmpty()) {
        NatsBench bench = new NatsBench(host, Integer.parseInt(pub), Integer.parseInt(a.get(server + "-sub-port", pub)));
        targets.add(new NatsRows.Target(server, bench, a.longs(server + "-pids")));
      }
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("no server to measure: give --ref-pub-port and/or --beacon-pub-port");
    }
    // --go-client=PATH: the same rows driven by nats.go (bench/go/natsbench), recorded as section "<section>.go".
    String go = a.get("go-client", "");
    Map<String, NatsRows.Row> all = switch (section) {
      case "broker" -> go.isEmpty() ? NatsRows.broker() : new GoClient(Path.of(go)).broker();
      case "cluster" -> {
        if (!go.isEmpty()) {
          throw new IllegalArgumentException("--go-client runs the broker section only");
        }
        yield NatsRows.cluster();
      }
      default -> throw new IllegalArgumentException("unknown section " + section);
    };
    String only = a.get("rows", "");
    if (!only.isEmpty()) {
      all.keySet().retainAll(List.of(only.split(",")));
    }
    NatsRows rows = new NatsRows(go.isEmpty() ? section : section + GO_SUFFIX, new Results(Path.of(a.get("out"))));
    boolean ok = rows.run(all, targets, a.number("warmup"), a.number("measure"), a.integer("reps"));
    return ok ? 0 : 1;
  }
}
