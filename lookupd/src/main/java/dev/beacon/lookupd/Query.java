package dev.beacon.lookupd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The URL query string parsed as Go's url.ParseQuery does; a bad escape or a ';' makes it invalid. First value wins. */
final class Query {
  private Query() {}

  /** Thrown for a query nsqlookupd answers with 400 INVALID_REQUEST. */
  static final class Invalid extends Exception {
    Invalid() {
      super(null, null, false, false);
    }
  }

  private static final Map<String, String> EMPTY = Map.of();

  static Map<String, String> parse(String raw) throws Invalid {
    if (raw == null || raw.isEmpty()) {
      return EMPTY;
    }
    Map<String, String> out = new HashMap<>(4);
    int start = 0;
    int n = raw.length();
    while (start <= n) {
      int amp = raw.indexOf('&', start);
      int end = amp < 0 ? n : amp;
      if (end > start) {
        String part = raw.substring(start, end);
        if (part.indexOf(';') >= 0) {
          throw new Invalid();
        }
        int eq = part.indexOf('=');
        String key = unescape(eq < 0 ? part : part.substring(0, eq));
        String value = eq < 0 ? "" : unescape(part.substring(eq + 1));
        out.putIfAbsent(key, value);
      }
      start = end + 1;
    }
    return out;
  }

  private static String unescape(String s) throws Invalid {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '+') {
        b.write(' ');
      } else if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new Invalid();
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new Invalid();
        }
        b.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        b.write(bytes, 0, bytes.length);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
