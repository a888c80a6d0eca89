package dev.beacon.lookupd;

/** Topic and channel name rules shared by TCP and HTTP (nsq's protocol.IsValidTopicName/IsValidChannelName). */
final class Names {
  private Names() {}

  static final String EPHEMERAL = "#ephemeral";
  private static final int MAX_LENGTH = 64;

  /** 1-64 bytes matching ^[.a-zA-Z0-9_-]+(#ephemeral)?$ with the whole string; no regex on the hot path. */
  static boolean isValid(String name) {
    int n = name.length();
    if (n < 1 || n > MAX_LENGTH) {
      return false;
    }
    int end = name.endsWith(EPHEMERAL) ? n - EPHEMERAL.length() : n;
    if (end == 0) {
      return false;
    }
    for (int i = 0; i < end; i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean isEphemeral(String name) {
    return name.endsWith(EPHEMERAL);
  }
}
