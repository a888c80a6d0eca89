package dev.beacon.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each outbound frame byte for byte, from messages the real Parser read. */
@Timeout(5)
class FramesTest {

  /** Parses one PUB/HPUB (client) and calls {@code frame} with the parser positioned on it. */
  private static String frame(String pub, java.util.function.BiConsumer<OutBuffer, Parser> frame) {
    OutBuffer out = new OutBuffer();
    ParserTest.Recorder r = new ParserTest.Recorder() {
      @Override
      public void onMsg(Parser p) {
        frame.accept(out, p);
      }
    };
    byte[] b = pub.getBytes(StandardCharsets.UTF_8);
    new Parser(Parser.Kind.CLIENT, r, 4096, 1 << 20).parse(b, 0, b.length);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    out.drainTo(new OutBuffer.Sink() {
      @Override
      public void write(byte[] bytes, int off, int len) {
        written.write(bytes, off, len);
      }

      @Override
      public long pendingBytes() {
        return 0;
      }
    });
    return written.toString(StandardCharsets.UTF_8);
  }

  private static final byte[] SID = "7".getBytes(StandardCharsets.US_ASCII);
  private static final String HPUB = "HPUB s r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n";

  @Test
  void msgAndHmsgToClients() {
    assertEquals("MSG s 7 r 2\r\nhi\r\n", frame("PUB s r 2\r\nhi\r\n", (o, p) -> Frames.msg(o, p, SID, true)));
    assertEquals("MSG s 7 2\r\nhi\r\n", frame("PUB s 2\r\nhi\r\n", (o, p) -> Frames.msg(o, p, SID, false)));
    assertEquals("HMSG s 7 r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", frame(HPUB, (o, p) -> Frames.msg(o, p, SID, true)));
    assertEquals("MSG s 7 r 2\r\nhi\r\n", frame(HPUB, (o, p) -> Frames.msg(o, p, SID, false)),
        "a client without headers gets the payload only");
  }

  @Test
  void noRespondersStatusGoesToTheReplySubject() {
    assertEquals("HMSG r 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
        frame("PUB s r 2\r\nhi\r\n", (o, p) -> Frames.noResponders(o, p, SID)));
  }

  @Test
  void rmsgWithReplyQueuesAndHeaders() {
    byte[][] queues = {"q1".getBytes(StandardCharsets.US_ASCII), "q2".getBytes(StandardCharsets.US_ASCII)};
    assertEquals("RMSG $G s r 2\r\nhi\r\n", frame("PUB s r 2\r\nhi\r\n", (o, p) -> Frames.routeMsg(o, p, true, queues, 0)));
    assertEquals("RMSG $G s + r q1 q2 2\r\nhi\r\n",
        frame("PUB s r 2\r\nhi\r\n", (o, p) -> Frames.routeMsg(o, p, true, queues, 2)));
    assertEquals("RMSG $G s | q1 2\r\nhi\r\n", frame("PUB s 2\r\nhi\r\n", (o, p) -> Frames.routeMsg(o, p, true, queues, 1)));
    assertEquals("HMSG $G s r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", frame(HPUB, (o, p) -> Frames.routeMsg(o, p, true, queues, 0)));
    assertEquals("RMSG $G s r 2\r\nhi\r\n", frame(HPUB, (o, p) -> Frames.routeMsg(o, p, false, queues, 0)));
  }

  @Test
  void controlFrames() {
    assertEquals("RS+ $G a.b\r\n", ascii(Frames.routeSub("a.b", null, 1)));
    assertEquals("RS+ $G a.b g 3\r\n", ascii(Frames.routeSub("a.b", "g", 3)));
    assertEquals("RS- $G a.b\r\n", ascii(Frames.routeUnsub("a.b", null)));
    assertEquals("RS- $G a.b g\r\n", ascii(Frames.routeUnsub("a.b", "g")));
    assertEquals("-ERR 'Stale Connection'\r\n", ascii(Frames.err(Protocol.ERR_STALE)));
    assertEquals("PING\r\n", ascii(Frames.PING));
    assertEquals("PONG\r\n", ascii(Frames.PONG));
    assertEquals("+OK\r\n", ascii(Frames.OK));
  }

  @Test
  void infoAndConnectJsonKeepNatsServerKeyOrderAndOmitAbsentKeys() {
    Info client = new Info("ID", "n", "2.9.0", 1, "go", "0.0.0.0", 4222, true, null, null, null, 1024, 5L, "1.2.3.4", null, null, null);
    assertEquals("INFO {\"server_id\":\"ID\",\"server_name\":\"n\",\"version\":\"2.9.0\",\"proto\":1,\"go\":\"go\","
        + "\"host\":\"0.0.0.0\",\"port\":4222,\"headers\":true,\"max_payload\":1024,\"client_id\":5,"
        + "\"client_ip\":\"1.2.3.4\"}\r\n", ascii(Frames.info(client)));
    Info route = new Info("ID", "n", "2.9.0", 2, "go", "h", 6222, true, null, null, null, 1024, null, null, "c", List.of("h:4222"), true);
    assertEquals("INFO {\"server_id\":\"ID\",\"server_name\":\"n\",\"version\":\"2.9.0\",\"proto\":2,\"go\":\"go\","
        + "\"host\":\"h\",\"port\":6222,\"headers\":true,\"max_payload\":1024,\"cluster\":\"c\","
        + "\"connect_urls\":[\"h:4222\"],\"ldm\":true}\r\n", ascii(Frames.info(route)));
    assertEquals("CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"tls_required\":false,\"headers\":true,"
        + "\"name\":\"ID\",\"cluster\":\"c\",\"dynamic\":false}\r\n", ascii(Frames.connect(RouteConnect.of("ID", "c", "", "", false))));
    // With TLS and route credentials, in nats-server's order.
    Info secure = new Info("ID", "n", "2.9.0", 1, "go", "0.0.0.0", 4222, true, true, true, true, 1024, 5L, "1.2.3.4",
        null, null, null);
    assertEquals("INFO {\"server_id\":\"ID\",\"server_name\":\"n\",\"version\":\"2.9.0\",\"proto\":1,\"go\":\"go\","
        + "\"host\":\"0.0.0.0\",\"port\":4222,\"headers\":true,\"auth_required\":true,\"tls_required\":true,"
        + "\"tls_verify\":true,\"max_payload\":1024,\"client_id\":5,\"client_ip\":\"1.2.3.4\"}\r\n",
        ascii(Frames.info(secure)));
    assertEquals("CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"user\":\"u\",\"pass\":\"p\","
        + "\"tls_required\":true,\"headers\":true,\"name\":\"ID\",\"cluster\":\"c\",\"dynamic\":false}\r\n",
        ascii(Frames.connect(RouteConnect.of("ID", "c", "u", "p", true))));
  }

  private static String ascii(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
