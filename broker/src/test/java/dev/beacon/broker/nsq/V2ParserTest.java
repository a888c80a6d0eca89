package dev.beacon.broker.nsq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The V2 parser fed whole, one byte at a time and split at every offset; nsqd's size errors. */
@Timeout(20)
class V2ParserTest {

  /** Records every command as one line: params joined by '|', then [body] for body commands. */
  static final class Recorder implements V2Parser.Handler {
    final List<String> ops = new ArrayList<>();

    @Override
    public void beforeBody(V2Parser p) {
    }

    @Override
    public void onCommand(V2Parser p) {
      StringBuilder sb = new StringBuilder(p.verb.name()).append(':');
      for (int i = 0; i < p.paramCount; i++) {
        sb.append(i == 0 ? "" : "|").append(p.param(i));
      }
      if (p.body != null) {
        sb.append(" [").append(new String(p.body, p.bodyOff, p.bodyLen, StandardCharsets.ISO_8859_1)).append(']');
      }
      ops.add(sb.toString());
    }

    @Override
    public void nonFatal(NsqException e) {
      ops.add("ERROR " + e.getMessage());
    }
  }

  static byte[] input() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("  V2".getBytes(StandardCharsets.US_ASCII));
    cmd(out, "IDENTIFY\n", "{\"a\":1}");
    out.writeBytes("SUB t c\n".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes("RDY 10\r\n".getBytes(StandardCharsets.US_ASCII));
    cmd(out, "PUB t\n", "hello\nworld");
    cmd(out, "DPUB t 1500\n", "x");
    out.writeBytes("FIN 0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes("REQ 0123456789abcdef 0\n".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes("NOP\n\nFOO  bar\n".getBytes(StandardCharsets.US_ASCII));
    cmd(out, "MPUB t\n", "\0\0\0\1\0\0\0\1z");
    out.writeBytes("CLS\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  static void cmd(ByteArrayOutputStream out, String line, String body) {
    out.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.writeBytes(b);
  }

  static final List<String> OPS = List.of(
      "IDENTIFY:IDENTIFY [{\"a\":1}]",
      "SUB:SUB|t|c",
      "RDY:RDY|10",
      "PUB:PUB|t [hello\nworld]",
      "DPUB:DPUB|t|1500 [x]",
      "FIN:FIN|0123456789abcdef",
      "REQ:REQ|0123456789abcdef|0",
      "NOP:NOP",
      "UNKNOWN:",
      "UNKNOWN:FOO||bar",
      "MPUB:MPUB|t [\0\0\0\1\0\0\0\1z]",
      "CLS:CLS");

  static List<String> run(byte[] in, int... cuts) throws NsqException {
    Recorder r = new Recorder();
    V2Parser p = new V2Parser(r, 1024, 4096);
    int prev = 0;
    for (int c : cuts) {
      p.parse(in, prev, c - prev);
      prev = c;
    }
    p.parse(in, prev, in.length - prev);
    return r.ops;
  }

  @Test
  void whole() throws Exception {
    assertEquals(OPS, run(input()));
  }

  @Test
  void oneByteAtATime() throws Exception {
    byte[] in = input();
    int[] cuts = new int[in.length - 1];
    for (int i = 1; i < in.length; i++) {
      cuts[i - 1] = i;
    }
    assertEquals(OPS, run(in, cuts));
  }

  @Test
  void splitAtEveryOffset() throws Exception {
    byte[] in = input();
    for (int i = 1; i < in.length; i++) {
      assertEquals(OPS, run(in, i), "split at " + i);
      for (int j = i + 1; j < in.length; j += 7) {
        assertEquals(OPS, run(in, i, j), "split at " + i + "," + j);
      }
    }
  }

  private static String error(String input) {
    V2Parser p = new V2Parser(new Recorder(), 1024, 4096);
    byte[] b = input.getBytes(StandardCharsets.ISO_8859_1);
    NsqException e = assertThrows(NsqException.class, () -> p.parse(b, 0, b.length));
    assertTrue(e.isFatal());
    return e.getMessage();
  }

  private static String size(int n) {
    return new String(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n}, StandardCharsets.ISO_8859_1);
  }

  @Test
  void badMagicIsEBadProtocol() {
    assertEquals("E_BAD_PROTOCOL", error("  V1"));
    assertEquals("E_BAD_PROTOCOL", error("PUB "));
  }

  @Test
  void bodySizesAreCheckedWithNsqdTexts() {
    assertEquals("E_BAD_MESSAGE PUB invalid message body size 0", error("  V2PUB t\n" + size(0)));
    assertEquals("E_BAD_MESSAGE PUB invalid message body size -1", error("  V2PUB t\n" + size(-1)));
    assertEquals("E_BAD_MESSAGE PUB message too big 1025 > 1024", error("  V2PUB t\n" + size(1025)));
    assertEquals("E_BAD_MESSAGE DPUB message too big 1025 > 1024", error("  V2DPUB t 0\n" + size(1025)));
    assertEquals("E_BAD_BODY MPUB invalid body size 0", error("  V2MPUB t\n" + size(0)));
    assertEquals("E_BAD_BODY MPUB body too big 4097 > 4096", error("  V2MPUB t\n" + size(4097)));
    assertEquals("E_BAD_BODY IDENTIFY body too big 4097 > 4096", error("  V2IDENTIFY\n" + size(4097)));
    assertEquals("E_BAD_BODY IDENTIFY invalid body size 0", error("  V2IDENTIFY\n" + size(0)));
    assertEquals("E_BAD_BODY AUTH invalid body size -5", error("  V2AUTH\n" + size(-5)));
  }

  @Test
  void aLineLongerThanNsqdsReadBufferClosesSilently() throws Exception {
    V2Parser p = new V2Parser(new Recorder(), 1024, 4096);
    p.parse("  V2".getBytes(StandardCharsets.US_ASCII), 0, 4);
    byte[] line = new byte[V2Parser.MAX_LINE - 1];
    java.util.Arrays.fill(line, (byte) 'x');
    p.parse(line, 0, line.length);
    NsqException e = assertThrows(NsqException.class, () -> p.parse(new byte[] {'y', '\n'}, 0, 2));
    assertTrue(e.isSilentClose());

    Recorder r = new Recorder();
    V2Parser ok = new V2Parser(r, 1024, 4096);
    ok.parse("  V2".getBytes(StandardCharsets.US_ASCII), 0, 4);
    ok.parse(line, 0, line.length);
    ok.parse(new byte[] {'\n'}, 0, 1);
    assertEquals(1, r.ops.size(), "a line that fills the buffer exactly with its LF is read");
  }

  @Test
  void beforeBodyErrorWinsOverABadSizeAndNothingIsParsedAfterAnError() throws Exception {
    List<String> seen = new ArrayList<>();
    V2Parser p = new V2Parser(new V2Parser.Handler() {
      @Override
      public void beforeBody(V2Parser q) throws NsqException {
        throw NsqException.fatal("E_BAD_TOPIC", "PUB topic name " + GoQuote.quote(q.param(1)) + " is not valid");
      }

      @Override
      public void onCommand(V2Parser q) {
        seen.add(q.verb.name());
      }

      @Override
      public void nonFatal(NsqException e) {
        seen.add(e.getMessage());
      }
    }, 1024, 4096);
    byte[] b = ("  V2PUB b$d\n" + size(-1) + "NOP\n").getBytes(StandardCharsets.ISO_8859_1);
    NsqException e = assertThrows(NsqException.class, () -> p.parse(b, 0, b.length));
    assertEquals("E_BAD_TOPIC PUB topic name \"b$d\" is not valid", e.getMessage());
    p.parse("NOP\n".getBytes(StandardCharsets.US_ASCII), 0, 4);
    assertTrue(seen.isEmpty());
  }

  @Test
  void numbersAsNsqdReadsThem() throws Exception {
    Recorder r = new Recorder();
    long[] got = new long[4];
    V2Parser p = new V2Parser(new V2Parser.Handler() {
      @Override
      public void beforeBody(V2Parser q) {
      }

      @Override
      public void onCommand(V2Parser q) {
        for (int i = 1; i < q.paramCount; i++) {
          got[i - 1] = q.paramNumber(i);
        }
      }

      @Override
      public void nonFatal(NsqException e) {
      }
    }, 1024, 4096);
    byte[] b = "  V2RDY 42 -1 x 0\n".getBytes(StandardCharsets.US_ASCII);
    p.parse(b, 0, b.length);
    assertEquals(42, got[0]);
    assertEquals(-1, got[1]);
    assertEquals(-1, got[2]);
    assertEquals(0, got[3]);
    assertFalse(r.ops.size() > 0);
  }

  @Test
  void goQuoteEscapesLikeStrconvQuote() {
    assertEquals("\"a.b\"", GoQuote.quote("a.b"));
    assertEquals("\"a\\\"b\\\\c\\n\\x00\\x7f\"", GoQuote.quote("a\"b\\c\n\0\u007f"));
    assertEquals("\"\\xff\"", GoQuote.quote("\u00ff"));
    assertEquals("\"é\"", GoQuote.quote(new String("é".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
  }

  @Test
  void messageIdsRoundTripAndOthersAreNeverInFlight() {
    byte[] b = new byte[16];
    V2Frames.putId(b, 0, 0x0123456789abcdefL);
    assertEquals("0123456789abcdef", new String(b, StandardCharsets.US_ASCII));
    assertEquals(0x0123456789abcdefL, V2Frames.parseId(b, 0, 16));
    assertEquals(-1, V2Frames.parseId("0123456789abcdeg".getBytes(StandardCharsets.US_ASCII), 0, 16));
    assertEquals(-1, V2Frames.parseId(b, 0, 15));
    assertEquals(-1, V2Frames.parseId("ffffffffffffffff".getBytes(StandardCharsets.US_ASCII), 0, 16));
  }

  @Test
  void messageFrameLayout() {
    byte[] body = "hi".getBytes(StandardCharsets.US_ASCII);
    byte[] f = new byte[V2Frames.MESSAGE_OVERHEAD + 2];
    V2Frames.message(f, 0, 0x0102030405060708L, 3, 255, body, 0, 2);
    assertEquals(4 + 8 + 2 + 16 + 2, Mpub.readInt(f, 0));
    assertEquals(V2Frames.TYPE_MESSAGE, Mpub.readInt(f, 4));
    assertEquals(0x01020304, Mpub.readInt(f, 8));
    assertEquals(0x05060708, Mpub.readInt(f, 12));
    assertEquals(3, ((f[16] & 0xff) << 8) | (f[17] & 0xff));
    assertEquals("00000000000000ffhi", new String(f, 18, 18, StandardCharsets.US_ASCII));
    byte[] ok = V2Frames.OK;
    assertEquals(6, Mpub.readInt(ok, 0));
    assertEquals(0, Mpub.readInt(ok, 4));
    assertEquals("OK", new String(ok, 8, 2, StandardCharsets.US_ASCII));
  }

  @Test
  void mpubBodiesAreCheckedWholeWithNsqdTexts() throws Exception {
    assertEquals("E_BAD_BODY MPUB failed to read message count", mpubError(new byte[] {0, 0}));
    assertEquals("E_BAD_BODY MPUB invalid message count 0", mpubError(new byte[] {0, 0, 0, 0}));
    assertEquals("E_BAD_BODY MPUB invalid message count 819", mpubError(new byte[] {0, 0, 3, 51}), "more than (4096 - 4) / 5");
    assertEquals("E_BAD_MESSAGE MPUB failed to read message(1) body size", mpubError(new byte[] {0, 0, 0, 2, 0, 0, 0, 1, 'a'}));
    assertEquals("E_BAD_MESSAGE MPUB invalid message(0) body size 0", mpubError(new byte[] {0, 0, 0, 1, 0, 0, 0, 0}));
    assertEquals("E_BAD_MESSAGE MPUB message too big 5 > 4", mpubError(new byte[] {0, 0, 0, 1, 0, 0, 0, 5, 'a'}));
    assertEquals("E_BAD_MESSAGE MPUB failed to read message body", mpubError(new byte[] {0, 0, 0, 1, 0, 0, 0, 2, 'a'}));
    byte[] ok = {0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 2, 'b', 'c'};
    assertEquals(2, Mpub.check(ok, 0, ok.length, 4, 4096));
    List<String> got = new ArrayList<>();
    Mpub.forEach(ok, 0, 2, (b, off, len) -> got.add(new String(b, off, len, StandardCharsets.US_ASCII)));
    assertEquals(List.of("a", "bc"), got);
  }

  private static String mpubError(byte[] b) {
    return assertThrows(NsqException.class, () -> Mpub.check(b, 0, b.length, 4, 4096)).getMessage();
  }

  @Test
  void aSplitBodyIsHeldAsItArrivesNotAtItsDeclaredSize() throws Exception {
    Recorder r = new Recorder();
    V2Parser p = new V2Parser(r, 1 << 20, 5 << 20);
    byte[] head = "  V2PUB t\n\0\20\0\0".getBytes(StandardCharsets.ISO_8859_1); // declares 1 MiB
    p.parse(head, 0, head.length);
    byte[] kib = new byte[1024];
    java.util.Arrays.fill(kib, (byte) 'a');
    p.parse(kib, 0, kib.length);
    assertTrue(p.bodyCapacity() <= V2Parser.BODY_KEEP, "holds " + p.bodyCapacity() + " bytes for 1 KiB received");
    for (int k = 1; k < 1024; k++) {
      p.parse(kib, 0, kib.length);
      assertTrue(p.bodyCapacity() <= 2 * (k + 1) * 1024 + V2Parser.BODY_KEEP, "holds " + p.bodyCapacity());
    }
    assertEquals(1, r.ops.size());
    assertTrue(r.ops.get(0).startsWith("PUB:PUB|t [aaaa") && r.ops.get(0).length() == "PUB:PUB|t []".length() + (1 << 20));
    assertEquals(0, p.bodyCapacity(), "a large buffer is let go after its command");
  }
}
