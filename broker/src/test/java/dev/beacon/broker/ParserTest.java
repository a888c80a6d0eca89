package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Parser fed whole, one byte at a time, and split at every offset (inside payloads and CRLFs too). */
@Timeout(20)
class ParserTest {

  /** Records every op as one line of text. */
  static class Recorder implements Parser.Handler {
    final List<String> ops = new ArrayList<>();

    @Override
    public void onConnect(byte[] b, int off, int len) {
      ops.add("CONNECT " + new String(b, off, len, StandardCharsets.UTF_8));
    }

    @Override
    public void onInfo(byte[] b, int off, int len) {
      ops.add("INFO " + new String(b, off, len, StandardCharsets.UTF_8));
    }

    @Override
    public void onMsg(Parser p) {
      StringBuilder sb = new StringBuilder("MSG ");
      sb.append(new String(p.args, p.subjectOff, p.subjectLen, StandardCharsets.UTF_8));
      if (p.replyLen >= 0) {
        sb.append(" reply=").append(new String(p.args, p.replyOff, p.replyLen, StandardCharsets.UTF_8));
      }
      for (int i = 0; i < p.queueCount; i++) {
        sb.append(" q=").append(new String(p.args, p.queueOff[i], p.queueLen[i], StandardCharsets.UTF_8));
      }
      if (p.headerLen >= 0) {
        sb.append(" hdr=").append(p.headerLen);
      }
      sb.append(" [").append(new String(p.payload, p.payloadOff, p.payloadLen, StandardCharsets.UTF_8)).append(']');
      ops.add(sb.toString());
    }

    @Override
    public void onSub(String subject, String queue, String sid) {
      ops.add("SUB " + subject + " " + queue + " " + sid);
    }

    @Override
    public void onUnsub(String sid, long max) {
      ops.add("UNSUB " + sid + " " + max);
    }

    @Override
    public void onPing() {
      ops.add("PING");
    }

    @Override
    public void onPong() {
      ops.add("PONG");
    }

    @Override
    public void onOk() {
      ops.add("+OK");
    }

    @Override
    public void onErr(String text) {
      ops.add("-ERR " + text);
    }

    @Override
    public void onRouteSub(String account, String subject, String queue, int weight) {
      ops.add("RS+ " + account + " " + subject + " " + queue + " " + weight);
    }

    @Override
    public void onRouteUnsub(String account, String subject, String queue) {
      ops.add("RS- " + account + " " + subject + " " + queue);
    }
  }

  static final String CLIENT_INPUT =
      "CONNECT {\"verbose\":false}\r\n"
          + "PING\r\n"
          + "sub foo.* 1\r\n"
          + "SUB\tbar  q1 2\n"
          + "PUB foo.bar 5\r\nhello\r\n"
          + "pub foo.bar reply.x 0\r\n\r\n"
          + "HPUB foo.h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
          + "PUB big 10\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
          + "UNSUB 1\r\n"
          + "unsub 2 5\r\n"
          + "PONG\r\n";

  static final List<String> CLIENT_OPS = List.of(
      "CONNECT {\"verbose\":false}",
      "PING",
      "SUB foo.* null 1",
      "SUB bar q1 2",
      "MSG foo.bar [hello]",
      "MSG foo.bar reply=reply.x []",
      "MSG foo.h hdr=12 [NATS/1.0\r\n\r\nhi]",
      "MSG big [\r\n\r\n\r\n\r\n\r\n]",
      "UNSUB 1 0",
      "UNSUB 2 5",
      "PONG");

  static final String ROUTE_INPUT =
      "CONNECT {\"name\":\"x\"}\r\n"
          + "INFO {\"server_id\":\"S\"}\r\n"
          + "RS+ $G foo\r\n"
          + "RS+ $G foo q 3\r\n"
          + "RS- $G foo q\r\n"
          + "RMSG $G foo 2\r\nab\r\n"
          + "RMSG $G foo r 2\r\nab\r\n"
          + "RMSG $G foo + r q1 q2 2\r\nab\r\n"
          + "RMSG $G foo | q1 2\r\nab\r\n"
          + "HMSG $G foo r 12 14\r\nNATS/1.0\r\n\r\nab\r\n"
          + "PING\r\n";

  static final List<String> ROUTE_OPS = List.of(
      "CONNECT {\"name\":\"x\"}",
      "INFO {\"server_id\":\"S\"}",
      "RS+ $G foo null 0",
      "RS+ $G foo q 3",
      "RS- $G foo q",
      "MSG foo [ab]",
      "MSG foo reply=r [ab]",
      "MSG foo reply=r q=q1 q=q2 [ab]",
      "MSG foo q=q1 [ab]",
      "MSG foo reply=r hdr=12 [NATS/1.0\r\n\r\nab]",
      "PING");

  private static List<String> parseChunks(Parser.Kind kind, byte[] in, int... cuts) {
    Recorder r = new Recorder();
    Parser p = new Parser(kind, r, 4096, 1024 * 1024);
    int prev = 0;
    for (int c : cuts) {
      p.parse(in, prev, c - prev);
      prev = c;
    }
    p.parse(in, prev, in.length - prev);
    return r.ops;
  }

  private static void everyWay(Parser.Kind kind, String input, List<String> expected) {
    byte[] in = input.getBytes(StandardCharsets.UTF_8);
    assertEquals(expected, parseChunks(kind, in), "whole");
    Recorder r = new Recorder();
    Parser p = new Parser(kind, r, 4096, 1024 * 1024);
    for (int i = 0; i < in.length; i++) {
      // A fresh array per byte proves nothing is kept pointing into a previous chunk.
      p.parse(new byte[] {in[i]}, 0, 1);
    }
    assertEquals(expected, r.ops, "byte by byte");
    for (int cut = 1; cut < in.length; cut++) {
      byte[] a = java.util.Arrays.copyOfRange(in, 0, cut);
      byte[] b = java.util.Arrays.copyOfRange(in, cut, in.length);
      Recorder r2 = new Recorder();
      Parser p2 = new Parser(kind, r2, 4096, 1024 * 1024);
      p2.parse(a, 0, a.length);
      java.util.Arrays.fill(a, (byte) 'Z');
      p2.parse(b, 0, b.length);
      assertEquals(expected, r2.ops, "split at " + cut);
    }
  }

  @Test
  void clientOpsWholeByteByByteAndSplitEverywhere() {
    everyWay(Parser.Kind.CLIENT, CLIENT_INPUT, CLIENT_OPS);
  }

  @Test
  void routeOpsWholeByteByByteAndSplitEverywhere() {
    everyWay(Parser.Kind.ROUTE, ROUTE_INPUT, ROUTE_OPS);
  }

  @Test
  void routeMessagesWithManyQueueGroupsGrowTheArgumentArraysUpToTheLimit() {
    StringBuilder line = new StringBuilder("RMSG $G foo + r");
    StringBuilder want = new StringBuilder("MSG foo reply=r");
    for (int q = 0; q < 40; q++) {
      line.append(" q").append(q);
      want.append(" q=q").append(q);
    }
    // Twice: the second message reuses the grown arrays; then a short one after the long ones.
    String input = line + " 2\r\nab\r\n" + line + " 2\r\nab\r\nRMSG $G foo | q1 2\r\nab\r\n";
    String msg = want + " [ab]";
    everyWay(Parser.Kind.ROUTE, input, List.of(msg, msg, "MSG foo q=q1 [ab]"));

    StringBuilder tooMany = new StringBuilder("RMSG $G foo |");
    for (int q = 0; q < 61; q++) {
      tooMany.append(" q").append(q);
    }
    // 3 + 1 + 61 + size = 66 arguments: past the 64 a line may have.
    assertNull(error(Parser.Kind.ROUTE, tooMany + " 2\r\nab\r\n").text);
  }

  @Test
  void payloadSplitAtEveryOffsetWithThreeChunks() {
    byte[] in = "PUB a 10\r\n0123456789\r\nPING\r\n".getBytes(StandardCharsets.UTF_8);
    for (int i = 1; i < in.length; i++) {
      for (int j = i + 1; j < in.length; j++) {
        assertEquals(List.of("MSG a [0123456789]", "PING"), parseChunks(Parser.Kind.CLIENT, in, i, j), i + "/" + j);
      }
    }
  }

  private static NatsProtocolException error(Parser.Kind kind, String input) {
    return error(kind, input, 4096);
  }

  private static NatsProtocolException error(Parser.Kind kind, String input, int maxControl) {
    Parser p = new Parser(kind, new Recorder(), maxControl, 1024);
    byte[] in = input.getBytes(StandardCharsets.UTF_8);
    return assertThrows(NatsProtocolException.class, () -> p.parse(in, 0, in.length));
  }

  @Test
  void unknownVerbsAndOpsOfTheOtherKind() {
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "PUBS foo 1\r\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "MSG foo 1 1\r\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "RS+ $G foo\r\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "\r\n").text);
    // A verb that takes arguments but has none is unknown, as in nats-server.
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "SUB\r\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "UNSUB\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "PUB\r\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.ROUTE, "PUB foo 1\r\nx\r\n").text);
  }

  @Test
  void payloadMustEndInCrlf() {
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "PUB foo 2\r\nabc\r\n").text);
    assertEquals(Protocol.ERR_UNKNOWN_OP, error(Parser.Kind.CLIENT, "PUB foo 2\r\nab\n\n").text);
  }

  @Test
  void maxPayloadCheckedBeforeThePayloadArrives() {
    assertEquals(Protocol.ERR_MAX_PAYLOAD, error(Parser.Kind.CLIENT, "PUB foo 1025\r\n").text);
    assertEquals(Protocol.ERR_MAX_PAYLOAD, error(Parser.Kind.CLIENT, "HPUB foo 10 1025\r\n").text);
    Recorder r = new Recorder();
    Parser p = new Parser(Parser.Kind.CLIENT, r, 4096, 1024);
    byte[] ok = ("PUB foo 1024\r\n" + "x".repeat(1024) + "\r\n").getBytes(StandardCharsets.UTF_8);
    p.parse(ok, 0, ok.length);
    assertEquals(1, r.ops.size());
  }

  @Test
  void maxControlLineJustUnderAndOver() {
    String under = "SUB " + "a".repeat(64 - 2) + " 1\r\n"; // args exactly 64
    Recorder r = new Recorder();
    Parser p = new Parser(Parser.Kind.CLIENT, r, 64, 1024);
    byte[] b = under.getBytes(StandardCharsets.UTF_8);
    p.parse(b, 0, b.length);
    assertEquals(1, r.ops.size());
    String over = "SUB " + "a".repeat(64 - 1) + " 1\r\n";
    assertEquals(Protocol.ERR_MAX_CONTROL_LINE, error(Parser.Kind.CLIENT, over, 64).text);
    // A line that never ends is cut off without waiting for the newline.
    assertEquals(Protocol.ERR_MAX_CONTROL_LINE, error(Parser.Kind.CLIENT, "SUB " + "a".repeat(200), 64).text);
  }

  @Test
  void argumentErrorsCloseWithoutErrText() {
    assertNull(error(Parser.Kind.CLIENT, "PUB foo\r\n").text);
    assertNull(error(Parser.Kind.CLIENT, "PUB foo bar baz 1\r\n").text);
    assertNull(error(Parser.Kind.CLIENT, "PUB foo x\r\n").text);
    assertNull(error(Parser.Kind.CLIENT, "HPUB foo 5 2\r\n").text);
    assertNull(error(Parser.Kind.CLIENT, "SUB foo\r\n").text);
    assertNull(error(Parser.Kind.CLIENT, "UNSUB 1 2 3\r\n").text);
    assertNull(error(Parser.Kind.ROUTE, "RMSG $G foo x y 2\r\nab\r\n").text);
  }

  @Test
  void aSplitPayloadBufferGrowsWithTheBytesThatArriveNotWithTheDeclaredSize() {
    Recorder r = new Recorder();
    int declared = 1024 * 1024;
    Parser p = new Parser(Parser.Kind.CLIENT, r, 4096, declared);
    byte[] kib = new byte[1024];
    java.util.Arrays.fill(kib, (byte) 'x');
    p.parse(("PUB big " + declared + "\r\n").getBytes(StandardCharsets.US_ASCII), 0, 10 + String.valueOf(declared).length());
    p.parse(kib, 0, kib.length);
    assertEquals(1024, p.payloadCapacity(), "one KiB received, one KiB held");
    // The rest arrives: the buffer follows it (doubling) up to the declared size plus CRLF.
    int sent = 1024;
    int maxSeen = p.payloadCapacity();
    while (sent < declared) {
      int n = Math.min(kib.length, declared - sent);
      p.parse(kib, 0, n);
      sent += n;
      maxSeen = Math.max(maxSeen, p.payloadCapacity());
      assertEquals(true, p.payloadCapacity() <= Math.max(512, 2 * sent), "capacity " + p.payloadCapacity() + " after " + sent);
    }
    assertEquals(true, maxSeen <= declared + 2, "never more than the message: " + maxSeen);
    p.parse("\r\n".getBytes(StandardCharsets.US_ASCII), 0, 2);
    assertEquals(1, r.ops.size());
    assertEquals("MSG big [" + "x".repeat(declared) + "]", r.ops.get(0));
  }
}
