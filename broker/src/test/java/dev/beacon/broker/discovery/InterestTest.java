package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class InterestTest {
  private final Interest interest = new Interest();

  @Test
  void plainSubscriptionsAreCountedPerSubject() {
    assertEquals("", interest.apply("orders", null, true));
    assertNull(interest.apply("orders", null, true), "second subscriber changes nothing lookupd sees");
    assertNull(interest.apply("orders", null, false));
    assertTrue(interest.hasTopic("orders"));
    assertEquals("", interest.apply("orders", null, false), "last subscriber gone");
    assertFalse(interest.hasTopic("orders"));
    assertNull(interest.apply("orders", null, false), "an extra remove is ignored");
  }

  @Test
  void queueGroupsAreChannelsOfTheTopic() {
    assertEquals("", interest.apply("orders", null, true));
    assertEquals("workers", interest.apply("orders", "workers", true));
    assertNull(interest.apply("orders", "workers", true));
    assertTrue(interest.hasChannel("orders", "workers"));
    assertNull(interest.apply("orders", "workers", false));
    assertEquals("workers", interest.apply("orders", "workers", false));
    assertFalse(interest.hasChannel("orders", "workers"));
    assertTrue(interest.hasTopic("orders"), "the plain subscriber still holds the topic");
    assertNull(interest.apply("orders", "other", false), "removing an unknown group is ignored");
  }

  @Test
  void aPlainSubscriberOnATopicHeldByAGroupChangesNothing() {
    assertEquals("g", interest.apply("t", "g", true));
    assertNull(interest.apply("t", null, true));
    assertNull(interest.apply("t", null, false));
    assertEquals("g", interest.apply("t", "g", false));
    assertFalse(interest.hasTopic("t"));
  }

  @Test
  void unregistrableSubjectsAreNotKeptAndBadGroupsCountAsPlainInterest() {
    assertNull(interest.apply("orders.*", null, true));
    assertNull(interest.apply("_INBOX.abc", null, true));
    assertNull(interest.apply("a$b", "g", true));
    assertEquals(0, interest.topicCount());
    assertEquals("", interest.apply("t", "bad group!", true));
    assertTrue(interest.hasTopic("t"));
    assertEquals("", interest.apply("t", "bad group!", false));
    assertFalse(interest.hasTopic("t"));
  }

  @Test
  void replaysRegistrationsAsNsqdDoes() {
    interest.apply("a", null, true);
    interest.apply("b", "g1", true);
    interest.apply("b", "g2", true);
    interest.apply("b", null, true);
    List<String> seen = new ArrayList<>();
    interest.forEachRegistration((t, c) -> seen.add(c == null ? t : t + " " + c));
    seen.sort(null);
    assertEquals(List.of("a", "b g1", "b g2"), seen);
  }
}
