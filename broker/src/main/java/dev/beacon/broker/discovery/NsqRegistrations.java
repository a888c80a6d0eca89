package dev.beacon.broker.discovery;

import dev.beacon.broker.LocalInterestView;
import dev.beacon.broker.NsqRegistrationsView;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What this broker registers with lookupd, computed when asked: a topic per subject with local
 * subscribers (NATS clients or NSQ channels) and per NSQ topic, and a channel per NSQ channel that
 * has a consumer on this broker. NATS queue groups are not channels: an nsqd creates every channel
 * lookupd lists for a topic it has and fills it with messages nobody reads. Subjects that cannot
 * be NSQ topics are left out. Read on the broker's context.
 */
final class NsqRegistrations {
  private final LocalInterestView local;
  private final NsqRegistrationsView nsq;

  NsqRegistrations(LocalInterestView local, NsqRegistrationsView nsq) {
    this.local = local;
    this.nsq = nsq;
  }

  boolean hasTopic(String topic) {
    return TopicNames.isRegistrableSubject(topic) && (local.hasSubject(topic) || nsq.hasTopic(topic));
  }

  boolean hasChannel(String topic, String channel) {
    return TopicNames.isRegistrableSubject(topic) && TopicNames.isValidName(channel) && nsq.hasChannel(topic, channel);
  }

  int topicCount() {
    Set<String> topics = new HashSet<>();
    forEachRegistration((topic, channel) -> topics.add(topic));
    return topics.size();
  }

  /**
   * Every registration, as nsqd re-registers after a reconnect: {@code (topic, channel)} for each
   * channel of a topic, or {@code (topic, null)} for a topic with no channels.
   */
  void forEachRegistration(BiConsumer<String, String> action) {
    Map<String, List<String>> topics = new LinkedHashMap<>();
    nsq.forEachRegistration((topic, channel) -> {
      if (TopicNames.isRegistrableSubject(topic)) {
        List<String> channels = topics.computeIfAbsent(topic, t -> new ArrayList<>());
        if (channel != null && TopicNames.isValidName(channel)) {
          channels.add(channel);
        }
      }
    });
    local.forEachSubject((subject, queues) -> {
      if (TopicNames.isRegistrableSubject(subject)) {
        topics.computeIfAbsent(subject, t -> new ArrayList<>());
      }
    });
    topics.forEach((topic, channels) -> {
      if (channels.isEmpty()) {
        action.accept(topic, null);
      } else {
        channels.forEach(c -> action.accept(topic, c));
      }
    });
  }
}
