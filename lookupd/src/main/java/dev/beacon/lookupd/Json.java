package dev.beacon.lookupd;

/** Hand-written JSON output, escaped the way Go's encoding/json does it (so answers match nsqlookupd's bytes). */
final class Json {
  private Json() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Appends s as a JSON string literal. */
  static StringBuilder str(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }

  /** Appends "key": (with a leading comma unless first). */
  static StringBuilder key(StringBuilder sb, String key, boolean first) {
    if (!first) {
      sb.append(',');
    }
    return str(sb, key).append(':');
  }

  /** Appends a JSON array of strings. */
  static StringBuilder strings(StringBuilder sb, Iterable<String> items) {
    sb.append('[');
    boolean first = true;
    for (String s : items) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      str(sb, s);
    }
    return sb.append(']');
  }
}
