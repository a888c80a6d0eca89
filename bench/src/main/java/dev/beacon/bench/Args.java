package dev.beacon.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --key=value} / {@code --key value} arguments of one bench sub-command; unknown keys are rejected. */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  Args(String[] args, int from, Set<String> known) {
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String key;
      String value;
      int eq = a.indexOf('=');
      if (eq > 0) {
        key = a.substring(2, eq);
        value = a.substring(eq + 1);
      } else {
        key = a.substring(2);
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for --" + key);
        }
        value = args[++i];
      }
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown flag --" + key + " (known: " + known + ")");
      }
      values.put(key, value);
    }
  }

  String get(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }

  String get(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  int integer(String key) {
    return Integer.parseInt(get(key));
  }

  double number(String key) {
    return Double.parseDouble(get(key));
  }

  long[] longs(String key) {
    String[] parts = get(key).split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Long.parseLong(parts[i].trim());
    }
    return out;
  }
}
