package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class TopicNamesTest {

  @Test
  void validNsqNamesAreRegistrable() {
    for (String s : new String[] {"orders", "orders.eu", "a-b_c", ".", "..", "-", "x#ephemeral", "a".repeat(64),
        "a".repeat(54) + "#ephemeral"}) {
      assertTrue(TopicNames.isRegistrableSubject(s), s);
    }
  }

  @Test
  void wildcardsOtherCharactersLongNamesAndInboxesAreSkipped() {
    for (String s : new String[] {"", "orders.*", "orders.>", ">", "*", "a b", "a$b", "caf\u00e9", "a".repeat(65),
        "a".repeat(55) + "#ephemeral", "#ephemeral", "a#ephemeral#ephemeral", "a#b", "orders\n",
        "_INBOX.abc", "_INBOX.x.y"}) {
      assertFalse(TopicNames.isRegistrableSubject(s), s);
    }
    assertTrue(TopicNames.isRegistrableSubject("_INBOXES"), "only the _INBOX. prefix marks an inbox");
  }
}
