package dev.beacon.broker.discovery;

import dev.beacon.common.NsqNames;

/**
 * Which NATS subjects and queue groups may be sent to lookupd as NSQ topic and channel names.
 * A real nsqlookupd v1.3.0 closes the connection on a bad name, so anything else is skipped.
 */
final class TopicNames {
  /** Inbox subjects (request/reply) are per-client and short-lived: never registered. */
  private static final String INBOX_PREFIX = "_INBOX.";

  private TopicNames() {
  }

  /** True if {@code subject} is registered with lookupd as a topic. */
  static boolean isRegistrableSubject(String subject) {
    return !subject.startsWith(INBOX_PREFIX) && NsqNames.isValid(subject);
  }

  /** True if {@code name} is a valid NSQ topic or channel name (wildcard subjects are not). */
  static boolean isValidName(String name) {
    return NsqNames.isValid(name);
  }
}
