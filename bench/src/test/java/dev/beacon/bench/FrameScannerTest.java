package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FrameScannerTest {
  static byte[] frames(String... bodies) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String b : bodies) {
      byte[] d = b.getBytes(StandardCharsets.US_ASCII);
      out.write(d.length >>> 24);
      out.write(d.length >>> 16);
      out.write(d.length >>> 8);
      out.write(d.length);
      out.writeBytes(d);
    }
    return out.toByteArray();
  }

  @Test
  void countsOkAndOtherAnswersAtEverySplit() throws IOException {
    byte[] in = frames("{\"tcp_port\":4160}", "OK", "OK", "OK");
    for (int cut = 0; cut <= in.length; cut++) {
      FrameScanner s = new FrameScanner();
      s.feed(ByteBuffer.wrap(in, 0, cut));
      s.feed(ByteBuffer.wrap(in, cut, in.length - cut));
      assertEquals(3, s.oks(), "split at " + cut);
      assertEquals(4, s.frames(), "split at " + cut);
    }
  }

  @Test
  void partialFrameIsNotCounted() throws IOException {
    byte[] in = frames("OK");
    FrameScanner s = new FrameScanner();
    s.feed(ByteBuffer.wrap(in, 0, in.length - 1));
    assertEquals(0, s.frames());
  }

  @Test
  void okLookalikesAreNotOk() throws IOException {
    FrameScanner s = new FrameScanner();
    s.feed(ByteBuffer.wrap(frames("OKAY", "O", "")));
    assertEquals(0, s.oks());
    assertEquals(3, s.frames());
  }

  @Test
  void errorAnswerFails() {
    IOException e = assertThrows(IOException.class,
        () -> new FrameScanner().feed(ByteBuffer.wrap(frames("OK", "E_INVALID client must IDENTIFY"))));
    assertTrue(e.getMessage().contains("E_INVALID client must IDENTIFY"));
  }

  @Test
  void hugeOrNegativeSizeFails() {
    assertThrows(IOException.class, () -> new FrameScanner().feed(ByteBuffer.wrap(new byte[] {(byte) 0xff, 0, 0, 0})));
    assertThrows(IOException.class, () -> new FrameScanner().feed(ByteBuffer.wrap(new byte[] {0x7f, 0, 0, 0})));
  }

  @Test
  void registrarCommandsAreWhatNsqdSends() {
    String s = new String(Registrar.commands(3, 2, 1, true), StandardCharsets.ISO_8859_1);
    assertTrue(s.startsWith("  V1IDENTIFY\n\0\0\0"), s);
    assertTrue(s.contains("\"broadcast_address\":\"127.0.0.1\""), s);
    assertTrue(s.endsWith("}REGISTER b3-topic-0\nREGISTER b3-topic-0 ch-0\nREGISTER b3-topic-1\nREGISTER b3-topic-1 ch-0\n"), s);
  }
}
