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
}
