package dev.beacon.broker;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Subject validation as nats-server's sublist does it (non-empty tokens, no whitespace, '>' last
 * only), and how subjects are held: as byte strings.
 *
 * <p>NATS subjects are bytes, compared as bytes. Inside the broker a subject, queue name or sid is a
 * String with one char per wire byte ({@link #WIRE}, ISO-8859-1, a 1:1 mapping), decoded so wherever
 * it enters (client and route parser, match cache) and encoded back the same way on the wire. Decoding
 * as UTF-8 would turn every invalid sequence into U+FFFD and make different subjects equal.
 */
final class Subjects {
  private Subjects() {}

  /** The charset of subject byte strings: byte b is char b, both ways. */
  static final Charset WIRE = StandardCharsets.ISO_8859_1;

  /**
   * A subject byte string as text for monitoring: its bytes read as UTF-8 (what clients normally
   * send), invalid sequences shown as U+FFFD as nats-server's JSON shows them.
   */
  static String display(String subject) {
    if (subject == null) {
      return null;
    }
    for (int i = 0; i < subject.length(); i++) {
      if (subject.charAt(i) >= 0x80) {
        return new String(subject.getBytes(WIRE), StandardCharsets.UTF_8);
      }
    }
    return subject;
  }

  /** Text (a monitoring query) as the subject byte string of its UTF-8 bytes. */
  static String fromText(String text) {
    if (text == null) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return new String(text.getBytes(StandardCharsets.UTF_8), WIRE);
      }
    }
    return text;
  }

  /** A valid subscription subject: tokens non-empty, no whitespace, '>' only as the whole last token. */
  static boolean isValid(String s) {
    return check(s, true);
  }

  /** A valid publish subject: valid and no wildcard tokens. */
  static boolean isValidLiteral(String s) {
    return check(s, false);
  }

  /** {@link #isValidLiteral(String)} on raw bytes, without allocating (pedantic PUB checks). */
  static boolean isValidLiteral(byte[] b, int off, int len) {
    if (len == 0) {
      return false;
    }
    int tokenStart = off;
    int end = off + len;
    for (int i = off; i <= end; i++) {
      byte c = i < end ? b[i] : (byte) '.';
      if (c == '.') {
        int n = i - tokenStart;
        if (n == 0 || (n == 1 && (b[tokenStart] == '*' || b[tokenStart] == '>'))) {
          return false;
        }
        tokenStart = i + 1;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        return false;
      }
    }
    return true;
  }

  private static boolean check(String s, boolean wildcards) {
    int n = s.length();
    if (n == 0) {
      return false;
    }
    int tokenStart = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? s.charAt(i) : '.';
      if (c == '.') {
        int len = i - tokenStart;
        if (len == 0) {
          return false;
        }
        if (len == 1) {
          char t = s.charAt(tokenStart);
          if (t == '*' || t == '>') {
            if (!wildcards || (t == '>' && i != n)) {
              return false;
            }
          }
        }
        tokenStart = i + 1;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        return false;
      }
    }
    return true;
  }

  /** True when a token of {@code s} is {@code *} or {@code >}. */
  static boolean hasWildcard(String s) {
    for (String t : s.split("\\.", -1)) {
      if (t.equals("*") || t.equals(">")) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when every subject {@code subject} matches is also matched by {@code test} (both may hold
   * wildcards): {@code foo.*} is within {@code >}, {@code *.*} and {@code foo.*}, not within
   * {@code foo.bar}. nats-server's subjectIsSubsetMatch, token for token.
   */
  static boolean isSubsetMatch(String subject, String test) {
    String[] tokens = subject.split("\\.", -1);
    String[] tt = test.split("\\.", -1);
    for (int i = 0; i < tt.length; i++) {
      if (i >= tokens.length) {
        return false;
      }
      String t2 = tt[i];
      if (t2.isEmpty()) {
        return false;
      }
      if (t2.equals(">")) {
        return true;
      }
      String t1 = tokens[i];
      if (t1.isEmpty() || t1.equals(">")) {
        return false;
      }
      if (t1.equals("*")) {
        if (!t2.equals("*")) {
          return false;
        }
        continue;
      }
      if (!t2.equals("*") && !t1.equals(t2)) {
        return false;
      }
    }
    return tokens.length == tt.length;
  }
}
