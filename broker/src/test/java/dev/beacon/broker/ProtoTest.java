package dev.beacon.broker;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw-socket protocol tests (send/expect) for the client protocol, every error and limit. */
@Timeout(30)
class ProtoTest {
  static RunningBroker b;

  @BeforeAll
  static void start() {
    b = RunningBroker.start("broker.max-subscriptions=3\nbroker.max-pending=1536KiB\n");
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
  }

  private static void stillServes() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void infoIsFirstAndAloneWithTheFieldsClientsNeed() throws IOException {
    try (RawConn c = new RawConn(b.port())) {
      Matcher m = c.expect("INFO (\\{[^\r\n]*\\})\r\n");
      String info = m.group(1);
      for (String f : new String[] {"\"server_id\":\"N", "\"server_name\":", "\"version\":\"2.", "\"proto\":1",
          "\"go\":", "\"host\":", "\"port\":" + b.port(), "\"headers\":true", "\"max_payload\":1048576",
          "\"client_id\":", "\"client_ip\":\"127.0.0.1\""}) {
        assertTrue(info.contains(f), f + " missing in " + info);
      }
      assertTrue(!info.contains("auth_required"));
      c.expectNothing(Duration.ofMillis(200));
    }
  }

  @Test
  void verboseIsTheDefaultAndOkFollowsEachOp() throws IOException {
    try (RawConn c = new RawConn(b.port())) {
      c.expect("INFO .*?\r\n");
      c.send("CONNECT {}\r\n").expect("\\+OK\r\n");
      c.send("SUB foo 1\r\n").expect("\\+OK\r\n");
      c.send("PUB foo 2\r\nhi\r\n").expect("(\\+OK\r\nMSG foo 1 2\r\nhi\r\n|MSG foo 1 2\r\nhi\r\n\\+OK\r\n)");
      c.send("UNSUB 1\r\n").expect("\\+OK\r\n");
      c.send("PING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void pongComesAfterEverythingSentBeforePing() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB foo 1\r\nPUB foo 2\r\nab\r\nPUB foo reply 0\r\n\r\nPING\r\n");
      c.expect("MSG foo 1 2\r\nab\r\nMSG foo 1 reply 0\r\n\r\nPONG\r\n");
    }
  }

  @Test
  void verbsAreCaseInsensitiveAndBareLfIsAccepted() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("sub foo 1\nPuB foo 2\nhi\r\nping\n").expect("MSG foo 1 2\r\nhi\r\nPONG\r\n");
    }
  }

  @Test
  void wildcardsAndSeveralMatchingSubsOfOneConnection() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB foo.* 1\r\nSUB foo.> 2\r\nSUB > 3\r\nPUB foo.bar.baz 1\r\nx\r\nPING\r\n");
      c.expect("MSG foo.bar.baz 2 1\r\nx\r\nMSG foo.bar.baz 3 1\r\nx\r\nPONG\r\n"
          + "|MSG foo.bar.baz 3 1\r\nx\r\nMSG foo.bar.baz 2 1\r\nx\r\nPONG\r\n");
      c.send("UNSUB 1\r\nUNSUB 2\r\nUNSUB 3\r\n");
    }
  }

  @Test
  void payloadNotEndingInCrlfIsUnknownProtocolOperationAndCloses() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PUB foo 2\r\nabc\r\n");
      c.expectErr(Protocol.ERR_UNKNOWN_OP);
      c.expectClosed();
    }
    stillServes();
  }

  @Test
  void unknownVerbAndClientSentMsgClose() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PUBX foo 2\r\n");
      c.expectErr(Protocol.ERR_UNKNOWN_OP);
      c.expectClosed();
    }
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("MSG foo 1 2\r\nhi\r\n");
      c.expectErr(Protocol.ERR_UNKNOWN_OP);
      c.expectClosed();
    }
    stillServes();
  }

  @Test
  void maxPayloadViolationClosesWithoutWaitingForThePayload() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PUB foo 1048577\r\n");
      c.expectErr(Protocol.ERR_MAX_PAYLOAD);
      c.expectClosed();
    }
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("HPUB foo 12 1048577\r\n");
      c.expectErr(Protocol.ERR_MAX_PAYLOAD);
      c.expectClosed();
    }
    stillServes();
  }

  @Test
  void maxPayloadExactlyIsAccepted() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      String body = "x".repeat(1048576);
      c.send("SUB big 1\r\nPUB big 1048576\r\n" + body + "\r\n");
      c.expect("MSG big 1 1048576\r\n");
      assertEquals(body, c.readN(1048576));
      c.expect("\r\n");
    }
  }

  @Test
  void maxControlLineExceededCloses() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB " + "a".repeat(5000) + " 1\r\n");
      c.expectErr(Protocol.ERR_MAX_CONTROL_LINE);
      c.expectClosed();
    }
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PUB " + "a".repeat(5000)); // no newline: still cut off
      c.expectErr(Protocol.ERR_MAX_CONTROL_LINE);
      c.expectClosed();
    }
    stillServes();
  }

  @Test
  void argumentErrorsCloseSilently() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("PUB foo\r\n");
      c.expectClosed();
    }
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB foo\r\n");
      c.expectClosed();
    }
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB\r\n"); // no arguments at all: an unknown op for nats-server
      c.expectErr(Protocol.ERR_UNKNOWN_OP);
      c.expectClosed();
    }
  }

  @Test
  void invalidSubjectKeepsTheConnection() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB foo..bar 1\r\n").expectErr(Protocol.ERR_INVALID_SUBJECT);
      c.send("SUB foo.>.bar 1\r\n").expectErr(Protocol.ERR_INVALID_SUBJECT);
      c.send("PING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void pedanticRejectsWildcardPublishButKeepsTheConnection() throws IOException {
    try (RawConn c = RawConn.connect(b.port(), "{\"verbose\":false,\"pedantic\":true}")) {
      // nats-server 2.9 reports it and still delivers it.
      c.send("SUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\n").expectErr(Protocol.ERR_INVALID_PUB_SUBJECT);
      c.expect("MSG foo.\\* 1 2\r\nhi\r\n");
      c.send("PUB foo.x 2\r\nhi\r\nPING\r\n").expect("MSG foo.x 1 2\r\nhi\r\nPONG\r\n");
    }
    try (RawConn c = RawConn.connect(b.port(), "{\"verbose\":false,\"pedantic\":false}")) {
      c.send("SUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\nPING\r\n").expect("MSG foo.\\* 1 2\r\nhi\r\nPONG\r\n");
    }
  }

  @Test
  void invalidConnectCombinationsAreRefused() throws IOException {
    try (RawConn c = new RawConn(b.port())) {
      c.expect("INFO .*?\r\n");
      c.send("CONNECT {\"protocol\":2}\r\n").expectErr(Protocol.ERR_INVALID_PROTOCOL);
      c.expectClosed();
    }
    try (RawConn c = new RawConn(b.port())) {
      c.expect("INFO .*?\r\n");
      c.send("CONNECT {\"no_responders\":true}\r\n").expectErr(Protocol.ERR_NO_RESPONDERS_HEADERS);
      c.expectClosed();
    }
    try (RawConn c = new RawConn(b.port())) {
      c.expect("INFO .*?\r\n");
      c.send("CONNECT {bad json\r\n");
      c.expectClosed();
    }
  }

  @Test
  void echoFalseSkipsOwnSubscriptions() throws IOException {
    try (RawConn c = RawConn.connect(b.port(), "{\"verbose\":false,\"echo\":false}");
         RawConn other = RawConn.connect(b.port())) {
      c.send("SUB e 1\r\nPING\r\n").expect("PONG\r\n");
      c.send("PUB e 2\r\nme\r\nPING\r\n").expect("PONG\r\n");
      other.send("PUB e 2\r\nyo\r\nPING\r\n").expect("PONG\r\n");
      c.expect("MSG e 1 2\r\nyo\r\n");
    }
  }

  @Test
  void headersAreStrippedForSubscribersThatDidNotAskForThem() throws IOException {
    try (RawConn plain = RawConn.connect(b.port(), "{\"verbose\":false}");
         RawConn hdr = RawConn.connect(b.port(), "{\"verbose\":false,\"headers\":true}")) {
      plain.send("SUB h 1\r\nPING\r\n").expect("PONG\r\n");
      hdr.send("SUB h 9\r\nPING\r\n").expect("PONG\r\n");
      hdr.send("HPUB h r 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\nPING\r\n");
      hdr.expect("HMSG h 9 r 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\nPONG\r\n");
      plain.expect("MSG h 1 r 11\r\nHello NATS!\r\n");
    }
  }

  @Test
  void hpubWithoutHeadersNegotiatedCloses() throws IOException {
    try (RawConn c = RawConn.connect(b.port(), "{\"verbose\":false}")) {
      c.send("HPUB h 12 12\r\nNATS/1.0\r\n\r\n\r\n");
      c.expectClosed();
    }
  }

  @Test
  void noRespondersSends503ToTheRequester() throws IOException {
    try (RawConn c = RawConn.connect(b.port(), "{\"verbose\":false,\"headers\":true,\"no_responders\":true}")) {
      c.send("SUB _INBOX.abc.* 1\r\nPUB svc.none _INBOX.abc.1 2\r\nhi\r\nPING\r\n");
      // Byte for byte what nats-server 2.9.10 sends.
      c.expect("HMSG _INBOX.abc.1 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n");
      // With a responder there is no 503.
      c.send("SUB svc.one 2\r\nPUB svc.one _INBOX.abc.2 2\r\nhi\r\nPING\r\n");
      c.expect("MSG svc.one 2 _INBOX.abc.2 2\r\nhi\r\nPONG\r\n");
    }
  }

  @Test
  void unsubWithMaxDeliversExactlyMax() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB m 1\r\nUNSUB 1 2\r\nPUB m 1\r\na\r\nPUB m 1\r\nb\r\nPUB m 1\r\nc\r\nPING\r\n");
      c.expect("MSG m 1 1\r\na\r\nMSG m 1 1\r\nb\r\nPONG\r\n");
      // Max already reached: removed at once.
      c.send("SUB m2 2\r\nPUB m2 1\r\na\r\nUNSUB 2 1\r\nPUB m2 1\r\nb\r\nPING\r\n");
      c.expect("MSG m2 2 1\r\na\r\nPONG\r\n");
      // Unknown sid: ignored.
      c.send("UNSUB 99\r\nPING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void queueGroupGetsEachMessageOnceSpreadOverMembers() throws IOException {
    try (RawConn a = RawConn.connect(b.port()); RawConn c = RawConn.connect(b.port());
         RawConn plain = RawConn.connect(b.port()); RawConn pub = RawConn.connect(b.port())) {
      a.send("SUB work grp 1\r\nPING\r\n").expect("PONG\r\n");
      c.send("SUB work grp 1\r\nPING\r\n").expect("PONG\r\n");
      plain.send("SUB work 7\r\nPING\r\n").expect("PONG\r\n");
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        sb.append("PUB work 1\r\nx\r\n");
      }
      pub.send(sb.append("PING\r\n").toString()).expect("PONG\r\n");
      for (int i = 0; i < 200; i++) {
        plain.expect("MSG work 7 1\r\nx\r\n");
      }
      a.send("PING\r\n");
      c.send("PING\r\n");
      int na = count(a);
      int nc = count(c);
      assertEquals(200, na + nc);
      assertTrue(na > 50 && nc > 50, na + "/" + nc);
    }
  }

  private static int count(RawConn c) throws IOException {
    int n = 0;
    while (true) {
      Matcher m = c.expect("MSG work 1 1\r\nx\r\n|PONG\r\n");
      if (m.group().startsWith("PONG")) {
        return n;
      }
      n++;
    }
  }

  @Test
  void maxSubscriptionsKeepsTheConnection() throws IOException {
    try (RawConn c = RawConn.connect(b.port())) {
      c.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\n").expectErr(Protocol.ERR_MAX_SUBS);
      c.send("PING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void slowConsumerIsCutOffWithoutStallingThePublisherOrOthers() throws Exception {
    Socket slow = new Socket();
    slow.setReceiveBufferSize(4096);
    slow.connect(new java.net.InetSocketAddress("127.0.0.1", b.port()));
    slow.getOutputStream().write("CONNECT {\"verbose\":false}\r\nSUB sc 1\r\nPING\r\n".getBytes());
    try (RawConn good = RawConn.connect(b.port()); RawConn pub = RawConn.connect(b.port())) {
      good.send("SUB sc 1\r\nPING\r\n").expect("PONG\r\n");
      String body = "y".repeat(1024);
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < 64; i++) {
        batch.append("PUB sc 1024\r\n").append(body).append("\r\n");
      }
      String chunk = batch.toString();
      long before = b.onContext(() -> b.broker.stats.slowConsumerClients);
      // 24 MiB published: far past the slow reader's 1.5 MiB limit plus socket buffers.
      for (int i = 0; i < 384; i++) {
        pub.send(chunk);
        for (int k = 0; k < 64; k++) {
          good.expect("MSG sc 1 1024\r\n");
          good.readN(1026);
        }
      }
      pub.send("PING\r\n").expect("PONG\r\n");
      long closedCount = b.onContext(() -> b.broker.stats.slowConsumerClients);
      assertEquals(before + 1, closedCount);
    }
    // The slow socket gets EOF after whatever was buffered.
    slow.setSoTimeout(5000);
    byte[] sink = new byte[65536];
    while (slow.getInputStream().read(sink) >= 0) {
      // drain
    }
    slow.close();
  }

  @Test
  void clientOnTheRoutePortIsRefused() throws IOException {
    try (RawConn c = new RawConn(b.broker.clusterPort())) {
      c.expect("INFO .*?\r\n");
      c.send("CONNECT {\"lang\":\"java\",\"verbose\":false}\r\n");
      c.expectErr(Protocol.ERR_ROUTE_PORT);
      c.expectClosed();
    }
  }
}
