package dev.beacon.lookupd;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class FrameParserTest {

  /** Records what the parser reports; accepts every IDENTIFY by asking for its body. */
  private static final class Recorder implements FrameParser.Handler {
    final List<String> events = new ArrayList<>();
    FrameParser parser;

    @Override
    public void magic(boolean valid) {
      events.add("magic " + valid);
    }

    @Override
    public void command(String line) {
      events.add("cmd [" + line + "]");
      if (line.startsWith("IDENTIFY")) {
        parser.expectBody();
      }
    }

    @Override
    public void body(byte[] body) {
      events.add("body " + new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void error(LookupProtocolException e) {
      events.add("error " + e.wire());
    }
  }

  private static Recorder parser(int maxLine, int maxBody) {
    Recorder r = new Recorder();
    r.parser = new FrameParser(r, maxLine, maxBody);
    return r;
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) {
        b.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
      } else if (p instanceof Integer n) {
        b.write(n >>> 24);
        b.write(n >>> 16);
        b.write(n >>> 8);
        b.write(n);
      } else {
        b.writeBytes((byte[]) p);
      }
    }
    return b.toByteArray();
  }

  private static final String BODY = "{\"broadcast_address\":\"a\",\"tcp_port\":1,\"http_port\":2,\"version\":\"v\"}";
  /** Pipelined: everything nsqd sends on connect, in one buffer. */
  private static final byte[] SESSION = bytes("  V1", "PING\n", "IDENTIFY\n", BODY.length(), BODY,
      "REGISTER t c\n", "  UNREGISTER  t \r\n", "PING\r\n");
  private static final List<String> SESSION_EVENTS = List.of("magic true", "cmd [PING]", "cmd [IDENTIFY]",
      "body " + BODY, "cmd [REGISTER t c]", "cmd [UNREGISTER  t]", "cmd [PING]");

  @Test
  void wholeBuffer() {
    Recorder r = parser(64, 1024);
    r.parser.feed(Buffer.buffer(SESSION));
    assertEquals(SESSION_EVENTS, r.events);
  }

  @Test
  void oneByteAtATime() {
    Recorder r = parser(64, 1024);
    for (byte b : SESSION) {
      r.parser.feed(Buffer.buffer(new byte[] {b}));
    }
    assertEquals(SESSION_EVENTS, r.events);
  }

  @Test
  void splitAtEveryOffset() {
    for (int cut = 0; cut <= SESSION.length; cut++) {
      Recorder r = parser(64, 1024);
      r.parser.feed(Buffer.buffer(SESSION).slice(0, cut).copy());
      r.parser.feed(Buffer.buffer(SESSION).slice(cut, SESSION.length).copy());
      assertEquals(SESSION_EVENTS, r.events, "split at " + cut);
    }
  }

  @Test
  void everyChunkSize() {
    for (int size = 1; size <= SESSION.length; size++) {
      Recorder r = parser(64, 1024);
      for (int i = 0; i < SESSION.length; i += size) {
        r.parser.feed(Buffer.buffer(SESSION).slice(i, Math.min(SESSION.length, i + size)).copy());
      }
      assertEquals(SESSION_EVENTS, r.events, "chunk size " + size);
    }
  }

  @Test
  void badMagicStopsEverything() {
    for (String magic : List.of("  V2", "XXXX", "  v1", "GET ")) {
      Recorder r = parser(64, 1024);
      r.parser.feed(Buffer.buffer(magic + "PING\n"));
      assertEquals(List.of("magic false"), r.events, magic);
      assertTrue(r.parser.stopped());
    }
  }

  @Test
  void emptyLineAndWhitespaceOnlyLine() {
    Recorder r = parser(64, 1024);
    r.parser.feed(Buffer.buffer("  V1\n \t\r\n"));
    assertEquals(List.of("magic true", "cmd []", "cmd []"), r.events);
  }

  @Test
  void lineLimitJustUnderAndJustOver() {
    String ok = "PING " + "x".repeat(59); // 64 bytes
    Recorder r = parser(64, 1024);
    r.parser.feed(Buffer.buffer("  V1" + ok + "\n"));
    assertEquals(List.of("magic true", "cmd [" + ok + "]"), r.events);

    Recorder over = parser(64, 1024);
    over.parser.feed(Buffer.buffer("  V1" + ok + "x\nPING\n"));
    assertEquals(List.of("magic true", "error E_INVALID command line longer than 64 bytes"), over.events);
    assertTrue(over.parser.stopped());
  }

  @Test
  void bodyLimitJustUnderAndJustOver() {
    Recorder r = parser(64, 8);
    r.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", 8, "12345678", "PING\n")));
    assertEquals(List.of("magic true", "cmd [IDENTIFY]", "body 12345678", "cmd [PING]"), r.events);

    Recorder over = parser(64, 8);
    over.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", 9, "123456789")));
    assertEquals(List.of("magic true", "cmd [IDENTIFY]", "error E_BAD_BODY IDENTIFY invalid body size 9"), over.events);
  }

  @Test
  void negativeBodySizeIsAnErrorNotACrash() {
    Recorder r = parser(64, 1024);
    r.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", -1, "PING\n")));
    assertEquals(List.of("magic true", "cmd [IDENTIFY]", "error E_BAD_BODY IDENTIFY invalid body size -1"), r.events);
    Recorder huge = parser(64, 1024);
    huge.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", Integer.MAX_VALUE)));
    assertEquals("error E_BAD_BODY IDENTIFY invalid body size 2147483647", huge.events.get(2));
  }

  @Test
  void emptyBody() {
    Recorder r = parser(64, 1024);
    r.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", 0, "PING\n")));
    assertEquals(List.of("magic true", "cmd [IDENTIFY]", "body ", "cmd [PING]"), r.events);
  }

  @Test
  void endOfStreamMidBodyIsReported() {
    Recorder size = parser(64, 1024);
    size.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", new byte[] {0, 0})));
    size.parser.end();
    assertEquals("error E_BAD_BODY IDENTIFY failed to read body size", size.events.get(2));

    Recorder body = parser(64, 1024);
    body.parser.feed(Buffer.buffer(bytes("  V1IDENTIFY\n", 10, "abc")));
    body.parser.end();
    assertEquals("error E_BAD_BODY IDENTIFY failed to read body", body.events.get(2));

    Recorder line = parser(64, 1024);
    line.parser.feed(Buffer.buffer("  V1PIN"));
    line.parser.end();
    assertEquals(List.of("magic true"), line.events, "a partial line is dropped");
  }

  @Test
  void bytesAreKeptAsIs() {
    Recorder r = parser(64, 1024);
    r.parser.feed(Buffer.buffer(bytes("  V1REGISTER ", new byte[] {(byte) 0xff, (byte) 0xe9}, "\n")));
    assertEquals("cmd [REGISTER \u00ff\u00e9]", r.events.get(1));
  }
}
