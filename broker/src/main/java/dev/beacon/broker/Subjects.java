package dev.beacon.broker;

/** Subject validation as nats-server's sublist does it: non-empty tokens, no whitespace, '>' last only. */
final class Subjects {
  private Subjects() {}

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
