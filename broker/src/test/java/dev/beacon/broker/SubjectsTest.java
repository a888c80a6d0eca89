package dev.beacon.broker;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Subjects are byte strings inside the broker, and UTF-8 text in monitoring. */
class SubjectsTest {

  private static String bytes(int... b) {
    byte[] a = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      a[i] = (byte) b[i];
    }
    return new String(a, Subjects.WIRE);
  }

  @Test
  void differentBytesAreDifferentSubjectsInTheSublist() {
    Sublist sl = new Sublist();
    String ff = "u8." + bytes(0xff);
    String fe = "u8." + bytes(0xfe);
    String fffd = "u8." + bytes(0xef, 0xbf, 0xbd);
    for (String s : new String[] {ff, fe, fffd}) {
      sl.insert(new Subscription(null, s, null, s));
    }
    for (String s : new String[] {ff, fe, fffd}) {
      byte[] b = s.getBytes(Subjects.WIRE);
      // Twice: the second answer comes from the match cache.
      for (int k = 0; k < 2; k++) {
        Sublist.Result r = sl.match(b, 0, b.length);
        assertEquals(1, r.psubs.length, s);
        assertEquals(s, r.psubs[0].subject);
      }
    }
  }

  @Test
  void monitoringShowsValidUtf8AsTextAndInvalidBytesAsReplacement() {
    String utf8 = new String("caf\u00e9.\u4e2d".getBytes(StandardCharsets.UTF_8), Subjects.WIRE);
    assertEquals("caf\u00e9.\u4e2d", Subjects.display(utf8));
    assertEquals("u8.\ufffd", Subjects.display("u8." + bytes(0xff)));
    String ascii = "plain.subject";
    assertSame(ascii, Subjects.display(ascii));
    assertEquals(utf8, Subjects.fromText("caf\u00e9.\u4e2d"));
    assertNotEquals(Subjects.fromText("u8.\ufffd"), "u8." + bytes(0xff));
    assertEquals(Subjects.fromText("u8.\ufffd"), "u8." + bytes(0xef, 0xbf, 0xbd));
  }
}
