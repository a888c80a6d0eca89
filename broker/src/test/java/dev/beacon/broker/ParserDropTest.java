package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payloads nothing is interested in: dropped as they arrive instead of gathered, fed whole, byte by
 * byte, split at every offset, and through the reader's loop that skips them without handing them over.
 */
@Timeout(30)
class ParserDropTest {

  /** Subjects starting with "drop" have no interest; a dropped message is recorded by its size. */
  static final class NoInterest extends ParserTest.Recorder {
    int dropped;
    int asked;

    @Override
    public boolean wantsPayload(Parser p) {
      asked++;
      return !new String(p.args, p.subjectOff, p.subjectLen, StandardCharsets.UTF_8).startsWith("drop");
    }

    @Override
    public void onMsg(Parser p) {
      String subject = new String(p.args, p.subjectOff, p.subjectLen, StandardCharsets.UTF_8);
      if (p.payloadDropped) {
        assertTrue(subject.startsWith("drop"), "dropped a wanted payload: " + subject);
        assertEquals(0, p.payload.length);
        dropped++;
      }
      if (subject.startsWith("drop")) {
        // Whether its bytes were in the chunk or not, the op is the same.
        String reply = p.replyLen >= 0 ? " reply=" + new String(p.args, p.replyOff, p.replyLen, StandardCharsets.UTF_8) : "";
        ops.add("MSG " + subject + reply + (p.headerLen >= 0 ? " hdr=" + p.headerLen : "") + " size=" + p.payloadLen);
      } else {
        super.onMsg(p);
      }
    }
  }

  static final String INPUT =
      "PUB drop.a 10\r\n0123456789\r\n"
          + "PUB foo 5\r\nhello\r\n"
          + "PUB drop.b reply.r 3\r\nabc\r\n"
          + "HPUB drop.h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
          + "PUB drop.e 0\r\n\r\n"
          + "PUB drop.c 6\r\n\r\n\r\n\r\n\r\n"
          + "PUB bar reply.x 2\r\nok\r\n"
          + "PING\r\n";

  static final List<String> OPS = List.of(
      "MSG drop.a size=10",
      "MSG foo [hello]",
      "MSG drop.b reply=reply.r size=3",
      "MSG drop.h hdr=12 size=14",
      "MSG drop.e size=0",
      "MSG drop.c size=6",
      "MSG bar reply=reply.x [ok]",
      "PING");

  private static Parser parser(NoInterest r) {
    return new Parser(Parser.Kind.CLIENT, r, 4096, 1024 * 1024);
  }

  @Test
  void wholeByteByByteAndSplitAtEveryOffset() {
    byte[] in = INPUT.getBytes(StandardCharsets.UTF_8);
    NoInterest whole = new NoInterest();
    parser(whole).parse(in, 0, in.length);
    assertEquals(OPS, whole.ops);
    assertEquals(0, whole.dropped, "payloads inside the chunk are handed over in place, not dropped");

    NoInterest bytes = new NoInterest();
    Parser p = parser(bytes);
    for (byte b : in) {
      p.parse(new byte[] {b}, 0, 1);
    }
    assertEquals(OPS, bytes.ops, "byte by byte");
    assertEquals(5, bytes.dropped, "every unwanted payload split from its line is dropped");

    for (int i = 1; i < in.length; i++) {
      for (int j = i; j < in.length; j += 7) {
        NoInterest r = new NoInterest();
        Parser q = parser(r);
        byte[] a = Arrays.copyOfRange(in, 0, i);
        byte[] b = Arrays.copyOfRange(in, i, j);
        byte[] c = Arrays.copyOfRange(in, j, in.length);
        q.parse(a, 0, a.length);
        Arrays.fill(a, (byte) 'Z'); // nothing may point into an earlier chunk
        q.parse(b, 0, b.length);
        Arrays.fill(b, (byte) 'Z');
        q.parse(c, 0, c.length);
        assertEquals(OPS, r.ops, "split at " + i + "/" + j);
      }
    }
  }

  /** What Conn does with a read outside the heap: skip what the parser drops, copy the rest in windows. */
  private static int feed(Parser p, byte[] in, int off, int len, byte[] scratch) {
    int pos = off;
    int end = off + len;
    int handedOver = 0;
    while (pos < end && !p.isStopped()) {
      pos += p.skippable(end - pos);
      if (pos == end) {
        break;
      }
      int n = Math.min(end - pos, Math.min(p.window(), scratch.length));
      System.arraycopy(in, pos, scratch, 0, n);
      Arrays.fill(scratch, n, scratch.length, (byte) 'Z');
      p.parse(scratch, 0, n);
      handedOver += n;
      pos += n;
    }
    return handedOver;
  }

  @Test
  void theReaderSkipsDroppedPayloadsWithoutHandingThemOver() {
    StringBuilder sb = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int k = 0; k < 50; k++) {
      sb.append("PUB drop.k ").append(5000).append("\r\n").append("x".repeat(5000)).append("\r\n");
      expected.add("MSG drop.k size=5000");
      if (k % 10 == 9) {
        sb.append("PUB foo 1500\r\n").append("y".repeat(1500)).append("\r\n");
        expected.add("MSG foo [" + "y".repeat(1500) + "]");
      }
    }
    sb.append("PING\r\n");
    expected.add("PING");
    byte[] in = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] scratch = new byte[64 * 1024];
    // Whole, and in reads of every size from 1 byte to 8 KiB (odd steps to hit every boundary).
    for (int chunk : new int[] {in.length, 1, 2, 3, 7, 255, 256, 257, 1023, 1024, 1025, 4093, 5000, 5020, 5021, 8192, 20000}) {
      NoInterest r = new NoInterest();
      Parser p = parser(r);
      int handedOver = 0;
      for (int off = 0; off < in.length; off += chunk) {
        handedOver += feed(p, in, off, Math.min(chunk, in.length - off), scratch);
      }
      assertEquals(expected, r.ops, "reads of " + chunk);
      if (chunk >= 1024 && chunk < in.length) {
        // (One whole read is handed over at once, as before: nothing was dropped yet to size windows by.)
        // The wanted payloads are handed over, with the rest of the read after each (whole reads
        // again until the next drop); the dropped ones mostly not.
        assertTrue(handedOver < in.length * 3 / 4, "reads of " + chunk + ": " + handedOver + " of " + in.length);
        assertTrue(r.dropped >= 25, "reads of " + chunk + ": dropped " + r.dropped);
      }
    }
  }

  @Test
  void aStreamNothingWantsIsMostlySkipped() {
    String one = "PUB drop.k 5000\r\n" + "x".repeat(5000) + "\r\n";
    byte[] in = (one.repeat(200) + "PING\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] scratch = new byte[64 * 1024];
    for (int chunk : new int[] {65536, 4096, 1500}) {
      NoInterest r = new NoInterest();
      Parser p = parser(r);
      int handedOver = 0;
      for (int off = 0; off < in.length; off += chunk) {
        handedOver += feed(p, in, off, Math.min(chunk, in.length - off), scratch);
      }
      assertEquals(201, r.ops.size());
      assertEquals("PING", r.ops.get(200));
      // The first read is handed over whole (nothing dropped yet); after it, a window per message.
      assertTrue(handedOver < chunk + in.length / 3, "reads of " + chunk + ": " + handedOver + " of " + in.length);
    }
  }

  @Test
  void aDroppedPayloadMustStillEndInCrlf() {
    for (String bad : new String[] {"PUB drop 3\r\nabcd\r\n", "PUB drop 3\r\nabc\n\n", "PUB drop 3\r\nabc\rX", "PUB drop 0\r\nX\r\n"}) {
      byte[] in = bad.getBytes(StandardCharsets.UTF_8);
      for (int cut = 1; cut < in.length; cut++) {
        Parser p = parser(new NoInterest());
        byte[] a = Arrays.copyOfRange(in, 0, cut);
        byte[] b = Arrays.copyOfRange(in, cut, in.length);
        NatsProtocolException e = assertThrows(NatsProtocolException.class, () -> {
          p.parse(a, 0, a.length);
          p.parse(b, 0, b.length);
        }, bad + " split at " + cut);
        assertEquals(Protocol.ERR_UNKNOWN_OP, e.text);
      }
      // Through the reader's loop: the CRLF is never skipped unseen.
      Parser p = parser(new NoInterest());
      byte[] scratch = new byte[64];
      assertThrows(NatsProtocolException.class, () -> {
        for (int off = 0; off < in.length; off += 2) {
          feed(p, in, off, Math.min(2, in.length - off), scratch);
        }
      }, bad);
    }
  }

  @Test
  void maxPayloadIsCheckedBeforeDroppingAndNothingIsGathered() {
    NoInterest r = new NoInterest();
    Parser p = new Parser(Parser.Kind.CLIENT, r, 4096, 1024 * 1024);
    byte[] over = "PUB drop 1048577\r\n".getBytes(StandardCharsets.UTF_8);
    NatsProtocolException e = assertThrows(NatsProtocolException.class, () -> p.parse(over, 0, over.length));
    assertEquals(Protocol.ERR_MAX_PAYLOAD, e.text);

    Parser q = new Parser(Parser.Kind.CLIENT, r, 4096, 1024 * 1024);
    byte[] line = "PUB drop 1048576\r\n".getBytes(StandardCharsets.UTF_8);
    q.parse(line, 0, line.length);
    byte[] kib = new byte[1024];
    for (int k = 0; k < 1024; k++) {
      q.parse(kib, 0, kib.length);
      assertEquals(0, q.payloadCapacity(), "a dropped payload is never gathered");
    }
    q.parse("\r\nPING\r\n".getBytes(StandardCharsets.UTF_8), 0, 8);
    assertEquals(List.of("MSG drop size=1048576", "PING"), r.ops);
    assertEquals(1, r.dropped);
  }

  @Test
  void theInterestIsAskedOnlyForPayloadsThatDoNotFit() {
    NoInterest r = new NoInterest();
    Parser p = parser(r);
    byte[] in = INPUT.getBytes(StandardCharsets.UTF_8);
    p.parse(in, 0, in.length);
    assertEquals(0, r.asked, "every payload was in the chunk: handed over in place, no look-up");
    assertEquals(Integer.MAX_VALUE, p.window());
    byte[] small = ("PUB drop.small 2000\r\n" + "z".repeat(100)).getBytes(StandardCharsets.UTF_8);
    p.parse(small, 0, small.length);
    assertEquals(1, r.asked);
    assertEquals(Integer.MAX_VALUE, p.window(), "below WINDOW_ABOVE: dropped, but whole reads go on");
    assertEquals(1900, p.skippable(5000));
    p.parse("\r\n".getBytes(StandardCharsets.UTF_8), 0, 2);
    assertEquals("MSG drop.small size=2000", r.ops.get(r.ops.size() - 1));
    byte[] big = ("PUB drop.big 5000\r\n" + "z".repeat(100)).getBytes(StandardCharsets.UTF_8);
    p.parse(big, 0, big.length);
    assertEquals(2, r.asked);
    assertEquals(Parser.DROP_WINDOW, p.window(), "a large dropped payload: small windows from now on");
    assertEquals(4900 - 10, p.skippable(4890));
    assertEquals(10, p.skippable(1000), "only up to the CRLF");
    assertEquals(0, p.skippable(1000));
    p.parse("\r\n".getBytes(StandardCharsets.UTF_8), 0, 2);
    assertEquals("MSG drop.big size=5000", r.ops.get(r.ops.size() - 1));
    assertEquals(0, p.skippable(1000));
  }
}
