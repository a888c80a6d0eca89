package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.broker.LocalInterest;
import dev.beacon.broker.NsqRegistrationsView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The NSQ registrations lookupd sees: a topic per subject with local interest or NSQ topic, a
 * channel only per NSQ channel with consumers (NATS queue groups are not channels).
 */
@Timeout(5)
class NsqRegistrationsTest {
  private final LocalInterest local = new LocalInterest();
  /** NSQ topic -> channels with consumers. */
  private final Map<String, Set<String>> nsq = new LinkedHashMap<>();
  private final NsqRegistrations registrations = new NsqRegistrations(local, new NsqRegistrationsView() {
    @Override
    public boolean hasTopic(String topic) {
      return nsq.containsKey(topic);
    }

    @Override
    public boolean hasChannel(String topic, String channel) {
      return nsq.getOrDefault(topic, Set.of()).contains(channel);
    }

    @Override
    public void forEachRegistration(BiConsumer<String, String> action) {
      nsq.forEach((t, cs) -> {
        action.accept(t, null);
        cs.forEach(c -> action.accept(t, c));
      });
    }
  });

  private List<String> all() {
    List<String> seen = new ArrayList<>();
    registrations.forEachRegistration((t, c) -> seen.add(c == null ? t : t + " " + c));
    seen.sort(null);
    return seen;
  }

  @Test
  void plainSubscriptionsAreCountedPerSubject() {
    assertEquals(1, local.add("orders", null));
    assertEquals(2, local.add("orders", null), "second subscriber changes nothing lookupd sees");
    assertEquals(1, local.remove("orders", null));
    assertTrue(registrations.hasTopic("orders"));
    assertEquals(0, local.remove("orders", null), "last subscriber gone");
    assertFalse(registrations.hasTopic("orders"));
    assertEquals(-1, local.remove("orders", null), "an extra remove is ignored");
    assertFalse(registrations.hasTopic("orders"));
  }

  @Test
  void queueGroupsHoldTheTopicButAreNoChannels() {
    local.add("orders", "workers");
    assertTrue(registrations.hasTopic("orders"));
    assertFalse(registrations.hasChannel("orders", "workers"), "an nsqd would create and fill that channel");
    assertEquals(List.of("orders"), all());
    local.remove("orders", "workers");
    assertFalse(registrations.hasTopic("orders"));
  }

  @Test
  void nsqChannelsWithConsumersAreChannels() {
    nsq.computeIfAbsent("orders", t -> new HashSet<>()).add("workers");
    local.add("orders", "workers");
    assertTrue(registrations.hasChannel("orders", "workers"));
    assertEquals(List.of("orders workers"), all());
    nsq.get("orders").remove("workers");
    assertFalse(registrations.hasChannel("orders", "workers"));
    nsq.remove("orders");
    assertTrue(registrations.hasTopic("orders"), "the queue subscription still holds the topic");
  }

  @Test
  void anNsqTopicIsRegisteredWithoutSubscribers() {
    nsq.put("published", new HashSet<>());
    assertTrue(registrations.hasTopic("published"));
    assertEquals(1, registrations.topicCount());
  }

  @Test
  void unregistrableSubjectsAreLeftOut() {
    local.add("orders.*", null);
    local.add("_INBOX.abc", null);
    local.add("a$b", "g");
    assertEquals(0, registrations.topicCount());
    assertFalse(registrations.hasTopic("orders.*"));
    assertEquals(List.of(), all());
  }

  @Test
  void replaysEachTopicOnce() {
    local.add("a", null);
    local.add("b", "g1");
    local.add("b", null);
    nsq.computeIfAbsent("b", t -> new HashSet<>()).add("c");
    assertEquals(List.of("a", "b c"), all());
  }
}
