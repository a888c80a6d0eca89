package dev.beacon.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The results file shared by every step of one bench/run: one tab-separated line per figure,
 * {@code section row server value cpu-seconds cpu-ns-per-op lost note}. Value is a number, FAIL
 * or SKIP; cpu-ns-per-op is the server CPU time divided by the operations the row counted.
 */
final class Results {
  static final String FAIL = "FAIL";
  static final String SKIP = "SKIP";

  /** One figure; {@code value} is NaN when the row failed or was skipped ({@code status} says which). */
  record Line(String section, String row, String server, String status, double value, double cpu, double cpuPerOp,
      long lost, String note) {
    boolean measured() {
      return status.isEmpty();
    }
  }

  private final Path file;

  Results(Path file) {
    this.file = file;
  }

  void value(String section, String row, String server, double value, double cpu, long lost) throws IOException {
    value(section, row, server, value, cpu, Double.NaN, lost, "");
  }

  /** A measured figure; zero, negative or non-finite values are recorded as failures, never as figures. */
  void value(String section, String row, String server, double value, double cpu, double cpuPerOp, long lost,
      String note) throws IOException {
    if (Double.isNaN(value) || Double.isInfinite(value) || value <= 0) {
      failed(section, row, server, "measured " + value);
      return;
    }
    append(String.join("\t", section, row, server, String.format(Locale.ROOT, "%.3f", value),
        number(cpu, "%.2f"), number(cpuPerOp, "%.1f"), Long.toString(lost), clean(note)) + "\n");
  }

  private static String number(double v, String format) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, format, v);
  }

  /** A figure that describes a run (a registry size); the report uses the note as its label. */
  void described(String section, String row, String server, double value, String note) throws IOException {
    append(String.join("\t", section, row, server, String.format(Locale.ROOT, "%.3f", value), "-", "-", "0", clean(note))
        + "\n");
  }

  /** Row-id prefix -> note of the lines whose row ends with {@code suffix}, in file order. */
  static Map<String, String> notes(List<Line> lines, String suffix) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Line l : lines) {
      if (l.row().endsWith(suffix)) {
        out.put(l.row().substring(0, l.row().length() - suffix.length()), l.note());
      }
    }
    return out;
  }

  void failed(String section, String row, String server, String why) throws IOException {
    append(String.join("\t", section, row, server, FAIL, "-", "-", "0", clean(why)) + "\n");
  }

  void skipped(String section, String row, String server, String why) throws IOException {
    append(String.join("\t", section, row, server, SKIP, "-", "-", "0", clean(why)) + "\n");
  }

  private static String clean(String s) {
    return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ');
  }

  private void append(String line) throws IOException {
    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    System.err.print("bench: " + line);
  }

  static List<Line> read(Path file) throws IOException {
    List<Line> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (l.isBlank()) {
        continue;
      }
      out.add(parse(l));
    }
    return out;
  }

  static Line parse(String l) throws IOException {
    String[] f = l.split("\t", -1);
    if (f.length != 8) {
      throw new IOException("bad results line: " + l);
    }
    boolean number = !f[3].equals(FAIL) && !f[3].equals(SKIP);
    double value = number ? Double.parseDouble(f[3]) : Double.NaN;
    double cpu = f[4].equals("-") ? Double.NaN : Double.parseDouble(f[4]);
    double perOp = f[5].equals("-") ? Double.NaN : Double.parseDouble(f[5]);
    return new Line(f[0], f[1], f[2], number ? "" : f[3], value, cpu, perOp, Long.parseLong(f[6]), f[7]);
  }
}
