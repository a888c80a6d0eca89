package dev.beacon.broker;

import java.util.Set;
import java.util.function.BiConsumer;

/** Read-only view of {@link LocalInterest}, what discovery may see of it (on the broker's context). */
public interface LocalInterestView {

  /** True while any local client subscribes to exactly {@code subject} (plain or in a queue group). */
  boolean hasSubject(String subject);

  /** True while a local client is a member of queue group {@code queue} on {@code subject}. */
  boolean hasQueue(String subject, String queue);

  /** Every subject with local interest and the queue groups it has (possibly none). */
  void forEachSubject(BiConsumer<String, Set<String>> subjectAndQueues);
}
