package dev.beacon.broker.discovery;

import dev.beacon.broker.LocalInterestView;

import java.util.function.BiConsumer;

/**
 * The broker's local interest seen as the NSQ registrations it implies: a topic per subject with
 * local subscribers, a channel per queue group. A projection of the broker's one interest count,
 * computed when asked: subjects that cannot be NSQ topics are left out, and a queue group that
 * cannot be a channel counts as plain interest in its topic. Read on the broker's context.
 */
final class NsqRegistrations {
  private final LocalInterestView local;

  NsqRegistrations(LocalInterestView local) {
    this.local = local;
  }

  /** The channel a local (subject, queue) registers: the queue if it is a valid channel name, else null (topic only). */
  static String channelOf(String queue) {
    return queue != null && TopicNames.isValidName(queue) ? queue : null;
  }

  boolean hasTopic(String topic) {
    return TopicNames.isRegistrableSubject(topic) && local.hasSubject(topic);
  }

  boolean hasChannel(String topic, String channel) {
    return TopicNames.isRegistrableSubject(topic) && TopicNames.isValidName(channel) && local.hasQueue(topic, channel);
  }

  int topicCount() {
    int[] n = new int[1];
    local.forEachSubject((subject, queues) -> {
      if (TopicNames.isRegistrableSubject(subject)) {
        n[0]++;
      }
    });
    return n[0];
  }

  /**
   * Every registration, as nsqd re-registers after a reconnect: {@code (topic, channel)} for each
   * channel of a topic, or {@code (topic, null)} for a topic with no channels.
   */
  void forEachRegistration(BiConsumer<String, String> action) {
    local.forEachSubject((subject, queues) -> {
      if (!TopicNames.isRegistrableSubject(subject)) {
        return;
      }
      boolean anyChannel = false;
      for (String queue : queues) {
        if (TopicNames.isValidName(queue)) {
          action.accept(subject, queue);
          anyChannel = true;
        }
      }
      if (!anyChannel) {
        action.accept(subject, null);
      }
    });
  }

}
