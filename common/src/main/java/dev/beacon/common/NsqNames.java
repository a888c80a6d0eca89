package dev.beacon.common;

/**
 * NSQ topic and channel name rules (nsq's protocol.IsValidTopicName/IsValidChannelName): lookupd
 * enforces them on TCP and HTTP, and the broker sends lookupd only names that pass, since a real
 * nsqlookupd v1.3.0 closes the connection on anything else.
 */
public final class NsqNames {
  private NsqNames() {}

  public static final String EPHEMERAL = "#ephemeral";
  /** In bytes, {@code #ephemeral} included; only ASCII passes the check, so chars are bytes. */
  public static final int MAX_LENGTH = 64;

  /** 1-64 bytes matching ^[.a-zA-Z0-9_-]+(#ephemeral)?$ with the whole string; no regex on the hot path. */
  public static boolean isValid(String name) {
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

  public static boolean isEphemeral(String name) {
    return name.endsWith(EPHEMERAL);
  }
}
