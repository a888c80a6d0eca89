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
