package dev.beacon.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;

/**
 * The one way both daemons read a duration: Go's {@code time.ParseDuration} syntax ({@code 1m30s},
 * {@code 5m0s}, {@code 1.5h}, {@code 300ms}, {@code -1.5h}, {@code 0}), which is what nsqlookupd and
 * nsqd take on their command lines and in their config files, and otherwise HOCON's
 * ({@code 300s}, {@code 5 minutes}, a bare number of milliseconds).
 */
public final class Durations {
  private Durations() {}

  /** What both syntaxes take, for error messages. */
  public static final String ACCEPTED = "Go durations such as 1m30s, 300ms, 1.5h, -1.5h or 0, or HOCON's 300s or 5 minutes";

  /** 1<<63 as an unsigned 64-bit value, the bound Go's parser checks against. */
  private static final long TWO_63 = Long.MIN_VALUE;

  /**
   * Reads the duration at {@code path}; a bad value throws {@link ConfigException.BadValue} naming
   * the setting, the value and where it came from.
   */
  public static Duration get(Config config, String path) {
    ConfigValue value = config.getValue(path);
    if (value.valueType() == ConfigValueType.STRING) {
      String s = (String) value.unwrapped();
      try {
        return parseGo(s);
      } catch (IllegalArgumentException goError) {
        try {
          return config.getDuration(path);
        } catch (ConfigException hoconError) {
          throw new ConfigException.BadValue(value.origin(), path,
              "invalid duration '" + s + "' (" + goError.getMessage() + "; expected " + ACCEPTED + ")");
        }
      }
    }
    try {
      return config.getDuration(path);
    } catch (ConfigException e) {
      throw new ConfigException.BadValue(value.origin(), path,
          "invalid duration " + value.render() + " (expected " + ACCEPTED + ")");
    }
  }

  /**
   * Go's {@code time.ParseDuration}, rule for rule: a possibly signed sequence of decimal numbers,
   * each with an optional fraction and a unit ({@code ns}, {@code us}, {@code µs}, {@code μs},
   * {@code ms}, {@code s}, {@code m}, {@code h}); a lone {@code 0} needs no unit; the total must fit
   * in a signed 64-bit count of nanoseconds. Throws IllegalArgumentException with Go's reason.
   */
  public static Duration parseGo(String orig) {
    String s = orig;
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    long d = 0; // unsigned
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (!(c == '.' || isDigit(c))) {
        throw invalid(orig);
      }
      // [0-9]*
      int start = i;
      long v = 0; // unsigned
      for (; i < n && isDigit(s.charAt(i)); i++) {
        if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, 10)) > 0) {
          throw invalid(orig);
        }
        v = v * 10 + (s.charAt(i) - '0');
        if (Long.compareUnsigned(v, TWO_63) > 0) {
          throw invalid(orig);
        }
      }
      boolean pre = i != start;
      // (\.[0-9]*)?  Fraction digits past 63 bits stop adding precision, as in Go.
      boolean post = false;
      long f = 0;
      double scale = 1;
      if (i < n && s.charAt(i) == '.') {
        i++;
        int fracStart = i;
        boolean overflow = false;
        for (; i < n && isDigit(s.charAt(i)); i++) {
          if (overflow) {
            continue;
          }
          if (Long.compareUnsigned(f, Long.MAX_VALUE / 10) > 0) {
            overflow = true;
            continue;
          }
          long y = f * 10 + (s.charAt(i) - '0');
          if (Long.compareUnsigned(y, TWO_63) > 0) {
            overflow = true;
            continue;
          }
          f = y;
          scale *= 10;
        }
        post = i != fracStart;
      }
      if (!pre && !post) {
        throw invalid(orig);
      }
      int unitStart = i;
      for (; i < n; i++) {
        char u = s.charAt(i);
        if (u == '.' || isDigit(u)) {
          break;
        }
      }
      if (i == unitStart) {
        throw new IllegalArgumentException("missing unit in duration \"" + orig + "\"");
      }
      String u = s.substring(unitStart, i);
      long unit = unitNanos(u);
      if (unit == 0) {
        throw new IllegalArgumentException("unknown unit \"" + u + "\" in duration \"" + orig + "\"");
      }
      if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, unit)) > 0) {
        throw invalid(orig);
      }
      v *= unit;
      if (f != 0) { // unsigned: f may be 1<<63
        // Go computes the fraction in float64 (nanosecond-accurate up to hours) and truncates.
        double fd = f < 0 ? 0x1p63 : (double) f; // f is at most 1<<63, unsigned
        v += (long) (fd * ((double) unit / scale));
        if (Long.compareUnsigned(v, TWO_63) > 0) {
          throw invalid(orig);
        }
      }
      d += v;
      if (Long.compareUnsigned(d, TWO_63) > 0) {
        throw invalid(orig);
      }
    }
    if (neg) {
      return Duration.ofNanos(-d);
    }
    if (d < 0) { // above 1<<63 - 1
      throw invalid(orig);
    }
    return Duration.ofNanos(d);
  }

  /**
   * Go's {@code time.Duration.String()}: {@code 0s}, {@code 1.5ms}, {@code 10s}, {@code 1m30s},
   * {@code 2h0m0s}; below a second in the largest of ns, µs and ms that fits. As nats-server prints
   * durations in its log lines.
   */
  public static String formatGo(Duration d) {
    long n = d.toNanos();
    if (n == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (n < 0) {
      sb.append('-');
    }
    // Unsigned from here: Long.MIN_VALUE nanoseconds negates to itself, read as 1<<63.
    long u = n < 0 ? -n : n;
    if (Long.compareUnsigned(u, 1_000_000_000L) < 0) {
      long div = u < 1_000L ? 1L : u < 1_000_000L ? 1_000L : 1_000_000L;
      appendFraction(sb, u, div);
      return sb.append(div == 1L ? "ns" : div == 1_000L ? "\u00b5s" : "ms").toString();
    }
    long hours = Long.divideUnsigned(u, 3_600_000_000_000L);
    long rest = Long.remainderUnsigned(u, 3_600_000_000_000L);
    long minutes = rest / 60_000_000_000L;
    rest %= 60_000_000_000L;
    if (hours > 0) {
      sb.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      sb.append(minutes).append('m');
    }
    appendFraction(sb, rest, 1_000_000_000L);
    return sb.append('s').toString();
  }

  /** v / div with the fraction's trailing zeros dropped (div a power of ten). */
  private static void appendFraction(StringBuilder sb, long v, long div) {
    sb.append(v / div);
    long frac = v % div;
    if (frac == 0) {
      return;
    }
    String digits = Long.toString(div + frac).substring(1);
    int end = digits.length();
    while (digits.charAt(end - 1) == '0') {
      end--;
    }
    sb.append('.').append(digits, 0, end);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static long unitNanos(String u) {
    return switch (u) {
      case "ns" -> 1L;
      case "us", "\u00b5s", "\u03bcs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> 0L;
    };
  }

  private static IllegalArgumentException invalid(String orig) {
    return new IllegalArgumentException("invalid duration \"" + orig + "\"");
  }
}
