package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.broker.LocalInterest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The NSQ registrations lookupd sees, as a projection of the broker's one local-interest count. */
@Timeout(5)
class NsqRegistrationsTest {
  private final LocalInterest local = new LocalInterest();
  private final NsqRegistrations registrations = new NsqRegistrations(local);

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
  void queueGroupsAreChannelsOfTheTopic() {
    local.add("orders", null);
    local.add("orders", "workers");
    local.add("orders", "workers");
    assertTrue(registrations.hasChannel("orders", "workers"));
    local.remove("orders", "workers");
    assertTrue(registrations.hasChannel("orders", "workers"));
    local.remove("orders", "workers");
    assertFalse(registrations.hasChannel("orders", "workers"));
    assertTrue(registrations.hasTopic("orders"), "the plain subscriber still holds the topic");
    assertEquals(-1, local.remove("orders", "other"), "removing an unknown group is ignored");
  }

  @Test
  void aPlainSubscriberOnATopicHeldByAGroupChangesNothing() {
    local.add("t", "g");
    local.add("t", null);
    local.remove("t", null);
    assertTrue(registrations.hasChannel("t", "g"));
    local.remove("t", "g");
    assertFalse(registrations.hasTopic("t"));
  }

  @Test
  void unregistrableSubjectsAreNotKeptAndBadGroupsCountAsPlainInterest() {
    local.add("orders.*", null);
    local.add("_INBOX.abc", null);
    local.add("a$b", "g");
    assertEquals(0, registrations.topicCount());
    assertFalse(registrations.hasTopic("orders.*"));
    assertFalse(registrations.hasChannel("a$b", "g"));
    local.add("t", "bad group!");
    assertNull(NsqRegistrations.channelOf("bad group!"));
    assertTrue(registrations.hasTopic("t"));
    assertFalse(registrations.hasChannel("t", "bad group!"));
    List<String> seen = new ArrayList<>();
    registrations.forEachRegistration((t, c) -> seen.add(c == null ? t : t + " " + c));
    assertEquals(List.of("t"), seen);
    local.remove("t", "bad group!");
    assertFalse(registrations.hasTopic("t"));
  }

  @Test
  void replaysRegistrationsAsNsqdDoes() {
    local.add("a", null);
    local.add("b", "g1");
    local.add("b", "g2");
    local.add("b", null);
    List<String> seen = new ArrayList<>();
    registrations.forEachRegistration((t, c) -> seen.add(c == null ? t : t + " " + c));
    seen.sort(null);
    assertEquals(List.of("a", "b g1", "b g2"), seen);
  }
}
