package dev.beacon.broker.cluster;

/**
 * Which NATS subjects and queue groups may be sent to lookupd as NSQ topic and channel names.
 * A real nsqlookupd v1.3.0 closes the connection on a bad name, so anything else is skipped.
 */
final class TopicNames {
  /** NSQ's limit on topic and channel names, in bytes, {@code #ephemeral} included. */
  static final int MAX_NAME_LENGTH = 64;
  private static final String EPHEMERAL = "#ephemeral";
  /** Inbox subjects (request/reply) are per-client and short-lived: never registered. */
  private static final String INBOX_PREFIX = "_INBOX.";

  private TopicNames() {
  }

  /** True if {@code subject} is registered with lookupd as a topic. */
  static boolean isRegistrableSubject(String subject) {
    return !subject.startsWith(INBOX_PREFIX) && isValidName(subject);
  }

  /**
   * nsq's {@code protocol.IsValidTopicName}: 1..64 bytes matching {@code ^[.a-zA-Z0-9_-]+(#ephemeral)?$}
   * (spec lookupd.md 1.7). Wildcard subjects ({@code *}, {@code >}) fail it.
   */
  static boolean isValidName(String name) {
    int len = name.length();
    // Only ASCII passes the character check below, so chars are bytes here: no encoding needed.
    if (len == 0 || len > MAX_NAME_LENGTH) {
      return false;
    }
    int end = name.endsWith(EPHEMERAL) ? len - EPHEMERAL.length() : len;
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
}
