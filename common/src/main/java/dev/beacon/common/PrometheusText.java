package dev.beacon.common;

/**
 * Writes the Prometheus text exposition format (version 0.0.4) into a {@link StringBuilder}.
 *
 * <p>Open a metric family with {@link #counter} or {@link #gauge} (its {@code # HELP} and
 * {@code # TYPE} lines), then write its samples with {@code sample(...)}; the samples carry the
 * family's name, or that name plus a suffix with {@link #sampleSuffixed}. Label values and help text
 * are escaped as the format requires. Not thread-safe: one writer per answer.
 *
 * <pre>{@code
 * new PrometheusText(sb)
 *     .gauge("lookupd_tcp_connections", "Open TCP connections.").sample(open)
 *     .counter("lookupd_tcp_commands_total", "TCP commands by verb.")
 *     .sample("verb", "PING", pings).sample("verb", "REGISTER", registers);
 * }</pre>
 */
public final class PrometheusText {
  /** Content-Type of an answer in this format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4";

  private final StringBuilder out;
  private String family;

  public PrometheusText(StringBuilder out) {
    this.out = out;
  }

  /** The builder written into. */
  public StringBuilder out() {
    return out;
  }

  /** Opens a counter family: its HELP and TYPE lines. */
  public PrometheusText counter(String name, String help) {
    return family(name, "counter", help);
  }

  /** Opens a gauge family: its HELP and TYPE lines. */
  public PrometheusText gauge(String name, String help) {
    return family(name, "gauge", help);
  }

  /** A counter family with one unlabelled sample. */
  public PrometheusText counter(String name, String help, long value) {
    return counter(name, help).sample(value);
  }

  /** A gauge family with one unlabelled sample. */
  public PrometheusText gauge(String name, String help, long value) {
    return gauge(name, help).sample(value);
  }

  private PrometheusText family(String name, String type, String help) {
    family = name;
    out.append("# HELP ").append(name).append(' ');
    escape(help, false);
    out.append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  /** {@code name value}. */
  public PrometheusText sample(long value) {
    out.append(current()).append(' ').append(value).append('\n');
    return this;
  }

  /** {@code name value}; NaN and the infinities as the format spells them. */
  public PrometheusText sample(double value) {
    out.append(current()).append(' ');
    number(value);
    out.append('\n');
    return this;
  }

  /** {@code name{label="labelValue"} value}. */
  public PrometheusText sample(String label, String labelValue, long value) {
    out.append(current()).append('{');
    label(label, labelValue);
    out.append("} ").append(value).append('\n');
    return this;
  }

  /** {@code name{label1="value1",label2="value2"} value}. */
  public PrometheusText sample(String label1, String value1, String label2, String value2, long value) {
    out.append(current()).append('{');
    label(label1, value1);
    out.append(',');
    label(label2, value2);
    out.append("} ").append(value).append('\n');
    return this;
  }

  /** {@code name<suffix> value}: for a sample named apart from its family, e.g. a counter family {@code x} with sample {@code x_total}. */
  public PrometheusText sampleSuffixed(String suffix, long value) {
    out.append(current()).append(suffix).append(' ').append(value).append('\n');
    return this;
  }

  private String current() {
    if (family == null) {
      throw new IllegalStateException("open a family with counter() or gauge() first");
    }
    return family;
  }

  private void label(String name, String value) {
    out.append(name).append("=\"");
    escape(value, true);
    out.append('"');
  }

  private void number(double v) {
    if (Double.isNaN(v)) {
      out.append("NaN");
    } else if (Double.isInfinite(v)) {
      out.append(v > 0 ? "+Inf" : "-Inf");
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      out.append((long) v);
    } else {
      out.append(v);
    }
  }

  /** Backslash and newline always; the double quote in label values only. */
  private void escape(String s, boolean quote) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '"' -> out.append(quote ? "\\\"" : "\"");
        default -> out.append(c);
      }
    }
  }
}
