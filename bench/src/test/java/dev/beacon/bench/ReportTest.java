package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class ReportTest {
  @TempDir
  Path dir;

  private String report(Path file, int expectedStatus) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertEquals(expectedStatus, Report.print(file, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void ratioIsBeaconOverReference() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.value("broker", "pub16", "ref", 4_000_000, 2.5, 850, 0, "");
    r.value("broker", "pub16", "beacon", 6_000_000, 1.5, 31_000, 0, "");
    String out = report(f, 0);
    assertTrue(out.contains("| publish-only 16 B (msgs/s) | ~8.0M | 4.00M | 6.00M | 1.50x | 2.50 / 1.50 | 850 ns / 31 us | 0 / 0 |"), out);
  }

  @Test
  void zeroOrFailedRowsAreFailuresNotFigures() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.value("broker", "sub16", "ref", 1_000_000, 1, 0);
    r.value("broker", "sub16", "beacon", 0, 1, 0);
    String out = report(f, 1);
    assertTrue(out.contains("| 1.00M | FAILED | - |"), out);
  }

  @Test
  void skippedClusterIsReportedAndNotAFailure() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.value("cluster", "x16", "ref", 2_000_000, 1, 0);
    r.skipped("cluster", "x16", "beacon", "cluster not formed: no probe");
    String out = report(f, 0);
    assertTrue(out.contains("| 2.00M | skipped | - |"), out);
    assertTrue(out.contains("SKIP cluster beacon x16: cluster not formed"), out);
  }

  @Test
  void lookupdRowsCompareWithEarlierFiguresOnlyAtTheirSizes() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.described("lookupd", "small|registry", "beacon", 300, LookupdBench.describe(10, 10, 2, false));
    r.value("lookupd", "small|lookup.c1", "beacon", 138_000, 4, 0);
    r.described("lookupd", "shared|registry", "beacon", 300, LookupdBench.describe(100, 100, 2, false));
    r.value("lookupd", "shared|lookup.c1", "beacon", 69_000, 4, 0);
    String out = report(f, 0);
    assertTrue(out.contains("| 10 brokers x 10 shared topics x 2 channels | /lookup req/s, wrk -t1 -c1 | ~69k | 138k | 2.00x | - | 4.00 | - |"), out);
    assertTrue(out.contains("| 100 brokers x 100 shared topics x 2 channels | /lookup req/s, wrk -t1 -c1 | - | 69k | - | 0.50x |"), out);
  }

  @Test
  void lookupdWithoutMeasuredNsqlookupdSaysItShowsEarlierFigures() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.described("lookupd", "small|registry", "beacon", 300, LookupdBench.describe(10, 10, 2, false));
    r.value("lookupd", "small|lookup.c1", "beacon", 138_000, 4, 0);
    String out = report(f, 0);
    assertTrue(out.contains("(earlier figures; set NSQLOOKUPD to measure one)"), out);
    assertTrue(out.contains("| nsqlookupd (earlier figure, same machine) | Beacon | Beacon/ref |"), out);
  }

  @Test
  void measuredNsqlookupdReplacesTheEarlierFigures() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    String small = LookupdBench.describe(10, 10, 2, false);
    r.described("lookupd", "small|registry", "beacon", 300, small);
    r.value("lookupd", "small|lookup.c1", "beacon", 30_000, 4, 8_000, 0, "");
    r.value("lookupd", "small|rss", "beacon", 60, Double.NaN, 0);
    r.described("lookupd", "small|registry", "ref", 300, small);
    r.value("lookupd", "small|lookup.c1", "ref", 20_000, 3, 30_000, 0, "");
    r.value("lookupd", "small|nodes.c1", "ref", 15_000, 3, 0);
    r.value("lookupd", "small|rss", "ref", 12, Double.NaN, 0);
    String out = report(f, 0);
    assertTrue(out.contains("### lookupd vs nsqlookupd (both measured in this run, same rows)"), out);
    assertTrue(out.contains("| nsqlookupd (measured, same run) | Beacon | Beacon/nsqlookupd |"), out);
    assertTrue(out.contains("| " + small + " | /lookup req/s, wrk -t1 -c1 | 20k | 30k | 1.50x | - | 3.00 / 4.00 | 30 us / 8.0 us |"), out);
    assertTrue(out.contains("| " + small + " | resident memory (MiB) | 12.0 | 60.0 | 5.00x | - | - / - | - / - |"), out);
    // a row only the reference measured still shows, with Beacon "not run"; the earlier figure (~69k) is gone
    assertTrue(out.contains("| " + small + " | /nodes req/s, wrk -t1 -c1 | 15k | not run | - |"), out);
    assertTrue(!out.contains("~69k"), out);
  }

  @Test
  void bothClientsSideBySideWithCpuPerOpAndLost() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.value("broker", "sub1k", "ref", 320_000, 3.5, 3_700, 0, "");
    r.value("broker", "sub1k", "beacon", 690_000, 2.8, 1_400, 0, "");
    r.value("broker.go", "sub1k", "ref", 1_100_000, 3.0, 900, 0, "");
    r.value("broker.go", "sub1k", "beacon", 880_000, 2.9, 1_100, 160_000, "");
    r.value("broker.go", "rtt50", "ref", 260, 1, 240_000, 0, "");
    r.value("broker.go", "rtt50", "beacon", 130, 1, 100_000, 0, "");
    String out = report(f, 0);
    assertTrue(out.contains("this module's client | nats.go"), out);
    assertTrue(out.contains("| 1 pub -> 1 sub 1 KiB (msgs/s) | 320k | 690k | 2.16x | 3.7 us / 1.4 us | 0 / 0 "
        + "| 1.10M | 880k | 0.80x | 900 ns / 1.1 us | 0 / 160000 |"), out);
    // a row only nats.go measured: the own-client half says so
    assertTrue(out.contains("| request/reply p50 (us, lower is better) | not run | not run | - | - / - | - / - "
        + "| 260 | 130 | 0.50x | 240 us / 100 us | 0 / 0 |"), out);
    assertTrue(!out.contains("earlier figure"), out);
  }

  @Test
  void memoryRowsAreLabelledByTheirShape() throws IOException {
    Path f = dir.resolve("r.tsv");
    Results r = new Results(f);
    r.value("memory", "idle", "ref", 11.2, Double.NaN, Double.NaN, 0, "idle, 3 s after start");
    r.value("memory", "idle", "beacon", 60.5, Double.NaN, Double.NaN, 0, "idle, 3 s after start");
    r.value("memory", "subs", "ref", 720, 5, Double.NaN, 0, "100 connections x 10,000 subscriptions (all subscribed and PONGed after 4.0 s)");
    r.failed("memory", "subs", "beacon", "100 connections x 10,000 subscriptions: connection closed");
    String out = report(f, 1);
    assertTrue(out.contains("| idle, 3 s after start (MiB, lower is better) | 11.2 | 60.5 | 5.40x |"), out);
    assertTrue(out.contains("| 100 connections x 10,000 subscriptions (MiB, lower is better) | 720 | FAILED | - |"), out);
    assertTrue(out.contains("- FAIL memory beacon subs: 100 connections x 10,000 subscriptions: connection closed"), out);
  }

  @Test
  void earlierSizeDescriptionsMatchWhatTheFullRunRegisters() {
    assertEquals(LookupdBench.SMALL, LookupdBench.describe(10, 10, 2, false));
    assertEquals(LookupdBench.SHARED, LookupdBench.describe(100, 1000, 2, false));
    assertEquals(LookupdBench.DISTINCT, LookupdBench.describe(100, 1000, 2, true));
  }

  @Test
  void medianPicksTheMiddlePass() {
    List<double[]> passes = List.of(new double[] {3, 0, 0, 9}, new double[] {1, 0, 0, 7}, new double[] {2, 0, 0, 8});
    assertEquals(8, NatsRows.median(passes, 0)[3]);
  }

  @Test
  void percentileIsNearestRank() {
    long[] s = new long[100];
    for (int i = 0; i < 100; i++) {
      s[i] = i + 1;
    }
    assertEquals(50, NatsBench.percentile(s, 100, 0.50));
    assertEquals(99, NatsBench.percentile(s, 100, 0.99));
  }
}
