package dev.beacon.broker;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;

/**
 * Publishes nothing is subscribed to, through real sockets: their payloads are dropped as they
 * arrive (not gathered, and mostly not even copied out of the read buffer), while everything around
 * them (other messages on the same connection, +OK, no-responders, the CRLF check) behaves as before.
 */
@Timeout(60)
class PubDropTest {
  static RunningBroker b;

  @BeforeAll
  static void start() {
    b = RunningBroker.start();
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
  }

  @Test
  void wantedMessagesBetweenDroppedOnesArriveInOrder() throws IOException {
    try (RawConn sub = RawConn.connect(b.port()); RawConn pub = RawConn.connect(b.port())) {
      sub.send("SUB want 1\r\nPING\r\n").expect("PONG\r\n");
      String kib = "x".repeat(6000);
      StringBuilder batch = new StringBuilder();
      StringBuilder expected = new StringBuilder();
      // Many reads' worth of unwanted payloads, small ones (dropped when split) and large ones
      // (skipped in windows), with a wanted one every 37 messages, so reads end at every kind of place.
      for (int k = 0; k < 2000; k++) {
        int size = k % 2 == 0 ? 1000 + k % 50 : 4090 + k % 1900;
        batch.append("PUB nobody.").append(k % 7).append(' ').append(size).append("\r\n")
            .append(kib, 0, size).append("\r\n");
        if (k % 37 == 0) {
          String body = "m" + k + "-" + "y".repeat(k % 300);
          batch.append("PUB want ").append(body.length()).append("\r\n").append(body).append("\r\n");
          expected.append("MSG want 1 ").append(body.length()).append("\r\n").append(body).append("\r\n");
        }
      }
      batch.append("PING\r\n");
      pub.send(batch.toString());
      pub.expect("PONG\r\n");
      sub.send("PING\r\n");
      sub.expect(java.util.regex.Pattern.quote(expected.toString()) + "PONG\r\n");
    }
  }

  @Test
  void aVerbosePublisherGetsOneOkPerDroppedMessage() throws IOException {
    try (RawConn pub = new RawConn(b.port())) {
      pub.expect("INFO .*?\r\n");
      pub.send("CONNECT {\"verbose\":true}\r\n").expect("\\+OK\r\n");
      String big = "z".repeat(5000);
      pub.send("PUB nobody 5000\r\n" + big + "\r\nPUB nobody 5000\r\n" + big + "\r\nPING\r\n");
      pub.expect("\\+OK\r\n\\+OK\r\nPONG\r\n");
    }
  }

  @Test
  void noRespondersStillAnswersARequestNobodyListensTo() throws IOException {
    try (RawConn req = RawConn.connect(b.port(), "{\"verbose\":false,\"headers\":true,\"no_responders\":true}")) {
      req.send("SUB inbox.1 9\r\nPING\r\n").expect("PONG\r\n");
      String big = "q".repeat(70000);
      req.send("PUB service.none inbox.1 70000\r\n" + big + "\r\nPING\r\n");
      req.expect("HMSG inbox.1 9 [^\r\n]*\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n");
    }
  }

  @Test
  void aDroppedPayloadWithoutItsCrlfIsAParseError() throws IOException {
    try (RawConn pub = RawConn.connect(b.port())) {
      String big = "z".repeat(100000);
      pub.send("PUB nobody 100000\r\n" + big + "XX");
      pub.expectErr(Protocol.ERR_UNKNOWN_OP);
      pub.expectClosed();
    }
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PING\r\n").expect("PONG\r\n");
    }
  }
}
