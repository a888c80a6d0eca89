package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class LocalInterestTest {

  @Test
  void countsPlainAndQueueMembersPerSubject() {
    LocalInterest li = new LocalInterest();
    assertEquals(1, li.add("a", null));
    assertEquals(2, li.add("a", null));
    assertEquals(1, li.add("a", "q"));
    assertTrue(li.hasSubject("a"));
    assertTrue(li.hasQueue("a", "q"));
    assertFalse(li.hasQueue("a", "r"));
    assertEquals(-1, li.remove("a", "r"));
    assertEquals(-1, li.remove("b", null));
    assertEquals(0, li.remove("a", "q"));
    assertFalse(li.hasQueue("a", "q"));
    assertEquals(1, li.remove("a", null));
    assertEquals(0, li.remove("a", null));
    assertFalse(li.hasSubject("a"));
    assertEquals(-1, li.remove("a", null));
  }

  /** Random adds and removes over many subjects (the table grows; removals close gaps): same as a map. */
  @Test
  void matchesAReferenceCountUnderRandomChanges() {
    LocalInterest li = new LocalInterest();
    Map<String, Integer> ref = new HashMap<>();
    Random rnd = new Random(3);
    for (int op = 0; op < 200_000; op++) {
      String subject = "s." + rnd.nextInt(3000);
      String queue = rnd.nextInt(10) == 0 ? "q" + rnd.nextInt(3) : null;
      String key = subject + " " + queue;
      if (rnd.nextInt(3) > 0) {
        int n = ref.merge(key, 1, Integer::sum);
        assertEquals(n, li.add(subject, queue));
      } else {
        Integer had = ref.get(key);
        int expected = had == null ? -1 : had - 1;
        assertEquals(expected, li.remove(subject, queue), key);
        if (had != null) {
          if (had == 1) {
            ref.remove(key);
          } else {
            ref.put(key, had - 1);
          }
        }
      }
    }
    Map<String, Integer> seen = new HashMap<>();
    li.forEach((subject, queue, members) -> seen.put(subject + " " + queue, members));
    assertEquals(ref, seen);
    for (int i = 0; i < 3000; i++) {
      String subject = "s." + i;
      boolean any = ref.keySet().stream().anyMatch(k -> k.startsWith(subject + " "));
      assertEquals(any, li.hasSubject(subject), subject);
    }
    int[] subjects = {0};
    li.forEachSubject((subject, queues) -> {
      subjects[0]++;
      for (String q : queues) {
        assertTrue(ref.containsKey(subject + " " + q));
      }
    });
    assertEquals(ref.keySet().stream().map(k -> k.substring(0, k.indexOf(' '))).distinct().count(), subjects[0]);
  }
}
