package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class SidMapTest {

  private static Subscription sub(String sid) {
    return new Subscription(null, "s." + sid, null, sid);
  }

  @Test
  void findsBySidBytesAndForgetsRemovedOnes() {
    SidMap m = new SidMap();
    assertNull(m.get("1"));
    Subscription a = sub("1");
    Subscription b = sub("\u00ff"); // one byte 0xff on the wire
    m.add(a);
    m.add(b);
    assertSame(a, m.get("1"));
    assertSame(b, m.get("\u00ff"));
    assertNull(m.get("\u00fe"));
    assertNull(m.get("11"));
    assertEquals(2, m.size());
    assertFalse(m.remove(sub("1")), "removal is by identity");
    assertTrue(m.remove(a));
    assertFalse(m.remove(a));
    assertNull(m.get("1"));
    assertTrue(m.remove(b));
    assertEquals(0, m.size());
    assertEquals(0, m.toArray().length);
  }

  /** Growing tables and removals in a random order (gaps in probe runs closed): every live sid is still found. */
  @Test
  void manySidsAddedAndRemovedInAnyOrder() {
    SidMap m = new SidMap();
    Map<String, Subscription> ref = new HashMap<>();
    List<Subscription> all = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      Subscription s = sub(Integer.toString(i, 7));
      m.add(s);
      ref.put(s.sid(), s);
      all.add(s);
    }
    Collections.shuffle(all, new Random(7));
    for (int k = 0; k < all.size(); k += 2) {
      Subscription s = all.get(k);
      assertTrue(m.remove(s));
      ref.remove(s.sid());
    }
    assertEquals(ref.size(), m.size());
    for (Subscription s : all) {
      assertSame(ref.get(s.sid()), m.get(s.sid()), s.sid());
    }
    List<Subscription> seen = new ArrayList<>();
    m.forEach(seen::add);
    assertEquals(ref.size(), seen.size());
    assertEquals(ref.size(), m.toArray().length);
  }
}
