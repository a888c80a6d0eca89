package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class SublistTest {
  private final Sublist sl = new Sublist(16);

  private Subscription sub(String subject) {
    return sub(subject, null);
  }

  private Subscription sub(String subject, String queue) {
    Subscription s = new Subscription(null, subject, queue, subject);
    sl.insert(s);
    return s;
  }

  private Set<String> plain(String subject) {
    byte[] b = subject.getBytes(StandardCharsets.UTF_8);
    return Arrays.stream(sl.match(b, 0, b.length).psubs).map(s -> s.subject).collect(Collectors.toSet());
  }

  @Test
  void literalMatchesOnlyItself() {
    sub("foo.bar");
    assertEquals(Set.of("foo.bar"), plain("foo.bar"));
    assertEquals(Set.of(), plain("foo"));
    assertEquals(Set.of(), plain("foo.bar.baz"));
  }

  @Test
  void starMatchesExactlyOneToken() {
    sub("foo.*");
    sub("*.bar");
    sub("*");
    assertEquals(Set.of("foo.*", "*.bar"), plain("foo.bar"));
    assertEquals(Set.of("foo.*"), plain("foo.baz"));
    assertEquals(Set.of("*"), plain("foo"));
    assertEquals(Set.of(), plain("foo.bar.baz"));
  }

  @Test
  void gtMatchesOneOrMoreTrailingTokens() {
    sub("foo.>");
    sub(">");
    assertEquals(Set.of("foo.>", ">"), plain("foo.bar"));
    assertEquals(Set.of("foo.>", ">"), plain("foo.bar.baz"));
    assertEquals(Set.of(">"), plain("foo"));
  }

  @Test
  void wildcardLookalikeTokensAreLiteral() {
    sub("foo*.bar");
    sub("f>o");
    assertEquals(Set.of(), plain("fooo.bar"));
    assertEquals(Set.of("foo*.bar"), plain("foo*.bar"));
    assertEquals(Set.of("f>o"), plain("f>o"));
  }

  @Test
  void queueGroupsAreGroupedByName() {
    sub("foo", "q1");
    sub("foo", "q1");
    sub("foo.*".substring(0, 3), "q2");
    sub("foo");
    Sublist.Result r = sl.match("foo");
    assertEquals(1, r.psubs.length);
    assertEquals(2, r.qsubs.length);
    int sizes = r.qsubs[0].length + r.qsubs[1].length;
    assertEquals(3, sizes);
  }

  @Test
  void removeWorksAndPrunes() {
    Subscription a = sub("a.b.c");
    Subscription b = sub("a.*.c", "q");
    assertEquals(2, sl.count());
    assertTrue(sl.remove(a));
    assertFalse(sl.remove(a));
    assertTrue(sl.remove(b));
    assertEquals(0, sl.count());
    assertEquals(0, sl.match("a.b.c").psubs.length);
    assertEquals(0, sl.match("a.b.c").qsubs.length);
  }

  @Test
  void cacheHitsAndIsInvalidatedByInsertAndRemove() {
    sub("foo");
    byte[] foo = "foo".getBytes(StandardCharsets.UTF_8);
    Sublist.Result first = sl.match(foo, 0, 3);
    assertSame(first, sl.match(foo, 0, 3));
    assertEquals(1, sl.cacheHits());
    Subscription s = sub("*");
    assertEquals(2, sl.match(foo, 0, 3).psubs.length);
    sl.remove(s);
    assertEquals(1, sl.match(foo, 0, 3).psubs.length);
  }

  @Test
  void cacheIsBoundedAndKeysCompareBytes() {
    sub(">");
    for (int i = 0; i < 1000; i++) {
      byte[] b = ("s." + i).getBytes(StandardCharsets.UTF_8);
      assertEquals(1, sl.match(b, 0, b.length).psubs.length);
    }
    assertTrue(sl.cacheCount() <= 16);
    byte[] framed = "xxfoo.barxx".getBytes(StandardCharsets.UTF_8);
    assertEquals(1, sl.match(framed, 2, 7).psubs.length);
  }

  /**
   * Many distinct subjects in a few levels, inserted and removed in a random order (the level tables
   * grow, and removal closes the gaps in their probe runs): every literal subject still matches exactly
   * its live subscriptions, and removing everything leaves an empty list.
   */
  @Test
  void manySubjectsInsertedAndRemovedInAnyOrderStillMatch() {
    java.util.Random rnd = new java.util.Random(42);
    java.util.List<Subscription> live = new java.util.ArrayList<>();
    for (int c = 0; c < 40; c++) {
      for (int i = 0; i < 60; i++) {
        live.add(sub("m." + c + "." + i));
        if (i % 7 == 0) {
          live.add(sub("m." + c + "." + i)); // a second plain subscriber on the same subject
        }
      }
    }
    Subscription wild = sub("m.*.5");
    java.util.Collections.shuffle(live, rnd);
    java.util.Map<String, Integer> count = new java.util.HashMap<>();
    for (Subscription s : live) {
      count.merge(s.subject, 1, Integer::sum);
    }
    for (int k = 0; k < live.size(); k++) {
      Subscription s = live.get(k);
      if (k % 2 == 0) {
        assertTrue(sl.remove(s));
        count.merge(s.subject, -1, Integer::sum);
      }
    }
    for (int c = 0; c < 40; c++) {
      for (int i = 0; i < 60; i++) {
        String subject = "m." + c + "." + i;
        int expected = count.getOrDefault(subject, 0) + (i == 5 ? 1 : 0);
        assertEquals(expected, sl.match(subject).psubs.length, subject);
      }
    }
    for (int k = 0; k < live.size(); k++) {
      if (k % 2 == 1) {
        assertTrue(sl.remove(live.get(k)));
      }
    }
    assertTrue(sl.remove(wild));
    assertEquals(0, sl.count());
    assertEquals(0, sl.match("m.3.5").psubs.length);
    java.util.List<Subscription> left = new java.util.ArrayList<>();
    sl.forEach(left::add);
    assertEquals(0, left.size());
  }

  @Test
  void subjectValidation() {
    assertTrue(Subjects.isValid("foo.bar"));
    assertTrue(Subjects.isValid("foo.*.>"));
    assertTrue(Subjects.isValid(">"));
    assertFalse(Subjects.isValid(""));
    assertFalse(Subjects.isValid("foo..bar"));
    assertFalse(Subjects.isValid(".foo"));
    assertFalse(Subjects.isValid("foo."));
    assertFalse(Subjects.isValid("foo.>.bar"));
    assertFalse(Subjects.isValid("foo bar"));
    assertFalse(Subjects.isValid("foo\tbar"));
    assertTrue(Subjects.isValidLiteral("foo.bar"));
    assertFalse(Subjects.isValidLiteral("foo.*"));
    assertFalse(Subjects.isValidLiteral("foo.>"));
    assertTrue(Subjects.isValidLiteral("foo*.b>"));
    for (String subject : new String[] {"foo.bar", "foo.*", "foo.>", "", "a..b", ".a", "a.", "a b", "foo*.b>", ">"}) {
      byte[] framed = ("[" + subject + "]").getBytes(StandardCharsets.UTF_8);
      assertEquals(Subjects.isValidLiteral(subject), Subjects.isValidLiteral(framed, 1, framed.length - 2), subject);
    }
  }
}
