package dev.beacon.broker.discovery;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The broker's local subscription interest, counted per (subject, queue), seen as the NSQ
 * registrations it implies: a topic per subject with local subscribers, a channel per queue group.
 * Subjects that cannot be NSQ topics are not kept; a queue group that cannot be a channel counts
 * as plain interest in its topic. No I/O; owned by the broker's context.
 */
final class Interest {

  private static final class Counts {
    int plain;
    final Map<String, Integer> queues = new HashMap<>(4);

    boolean isEmpty() {
      return plain == 0 && queues.isEmpty();
    }
  }

  private final Map<String, Counts> bySubject = new HashMap<>();

  /**
   * Applies one local subscription added or removed. Returns the channel whose registration may
   * have changed ({@code ""} when only the topic may have), or null when nothing lookupd sees changed.
   */
  String apply(String subject, String queue, boolean added) {
    if (!TopicNames.isRegistrableSubject(subject)) {
      return null;
    }
    String channel = queue != null && TopicNames.isValidName(queue) ? queue : null;
    Counts counts = bySubject.get(subject);
    if (added) {
      if (counts == null) {
        counts = new Counts();
        bySubject.put(subject, counts);
      }
      if (channel == null) {
        counts.plain++;
        return counts.plain == 1 && counts.queues.isEmpty() ? "" : null;
      }
      int n = counts.queues.merge(channel, 1, Integer::sum);
      return n == 1 ? channel : null;
    }
    if (counts == null) {
      return null;
    }
    String changed;
    if (channel == null) {
      if (counts.plain == 0) {
        return null;
      }
      counts.plain--;
      changed = counts.isEmpty() ? "" : null;
    } else {
      Integer n = counts.queues.get(channel);
      if (n == null) {
        return null;
      }
      if (n > 1) {
        counts.queues.put(channel, n - 1);
        return null;
      }
      counts.queues.remove(channel);
      changed = channel;
    }
    if (counts.isEmpty()) {
      bySubject.remove(subject);
    }
    return changed;
  }

  boolean hasTopic(String topic) {
    return bySubject.containsKey(topic);
  }

  boolean hasChannel(String topic, String channel) {
    Counts counts = bySubject.get(topic);
    return counts != null && counts.queues.containsKey(channel);
  }

  int topicCount() {
    return bySubject.size();
  }

  /**
   * Every registration, as nsqd re-registers after a reconnect: {@code (topic, channel)} for each
   * channel of a topic, or {@code (topic, null)} for a topic with no channels.
   */
  void forEachRegistration(BiConsumer<String, String> action) {
    for (Map.Entry<String, Counts> e : bySubject.entrySet()) {
      if (e.getValue().queues.isEmpty()) {
        action.accept(e.getKey(), null);
      } else {
        for (String channel : e.getValue().queues.keySet()) {
          action.accept(e.getKey(), channel);
        }
      }
    }
  }
}
