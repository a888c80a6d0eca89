package dev.beacon.broker.nsq;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NSQ connections driven command by command against an {@link NsqServer} over a fake core (which
 * hands each published message to one member of every queue group, as the core does), with a
 * hand-moved clock: every command's answers and nsqd's error frames.
 */
class NsqConnectionTest {
  static final long MS = 1_000_000L;

  /** The core as the NSQ side sees it: queue groups per subject, each message to one member of each. */
  static final class FakeCore implements NsqCore {
    final Map<String, List<Object[]>> subs = new HashMap<>();
    final List<String> published = new ArrayList<>();
    final List<String> registrations = new ArrayList<>();

    @Override
    public Object subscribe(String subject, String queue, Delivery d) {
      Object[] h = {subject, queue, d};
      subs.computeIfAbsent(subject, s -> new ArrayList<>()).add(h);
      return h;
    }

    @Override
    public void unsubscribe(Object handle) {
      Object[] h = (Object[]) handle;
      subs.get((String) h[0]).remove(h);
    }

    /** To the first member of each queue group on the subject. */
    @Override
    public void publish(String subject, byte[] b, int off, int len) {
      published.add(subject + ":" + new String(b, off, len, StandardCharsets.UTF_8));
      java.util.Set<Object> groups = new java.util.HashSet<>();
      for (Object[] h : new ArrayList<>(subs.getOrDefault(subject, List.of()))) {
        if (groups.add(h[1])) {
          ((Delivery) h[2]).deliver(b, off, len);
        }
      }
    }

    @Override
    public void registrationChanged(String topic, String channel) {
      registrations.add(topic + (channel == null ? "" : "/" + channel));
    }
  }

  /** One client: what the connection wrote, parsed into frames. */
  final class Client implements NsqConnection.Out {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    int readPos;
    boolean closed;
    NsqConnection conn;

    Client() {
      conn = server.accept("127.0.0.1:1234", this);
      send("  V2");
    }

    @Override
    public void write(byte[] b, int off, int len) {
      written.write(b, off, len);
    }

    @Override
    public void close() {
      closed = true;
    }

    void send(String s) {
      byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
      conn.read(b, 0, b.length);
    }

    void send(String line, String body) {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      send(line + new String(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length}, StandardCharsets.ISO_8859_1)
          + new String(b, StandardCharsets.ISO_8859_1));
    }

    /** V2Frames written since the last call: "R:text", "E:text", "M:attempts:id:body". */
    List<String> frames() {
      byte[] all = written.toByteArray();
      List<String> out = new ArrayList<>();
      while (readPos + 8 <= all.length) {
        int size = Mpub.readInt(all, readPos);
        int type = Mpub.readInt(all, readPos + 4);
        int data = readPos + 8;
        int len = size - 4;
        if (type == V2Frames.TYPE_MESSAGE) {
          int attempts = ((all[data + 8] & 0xff) << 8) | (all[data + 9] & 0xff);
          out.add("M:" + attempts + ":" + new String(all, data + 10, 16, StandardCharsets.US_ASCII) + ":"
              + new String(all, data + 26, len - 26, StandardCharsets.UTF_8));
        } else {
          out.add((type == V2Frames.TYPE_ERROR ? "E:" : "R:") + new String(all, data, len, StandardCharsets.UTF_8));
        }
        readPos = data + len;
      }
      return out;
    }

    Client consumer(String topic, String channel) {
      send("SUB " + topic + " " + channel + "\n");
      assertEquals(List.of("R:OK"), frames());
      return this;
    }
  }

  long now = 5_000 * MS;
  FakeCore core;
  NsqServer server;

  @BeforeEach
  void setUp() {
    core = new FakeCore();
    NsqSettings s = new NsqSettings(2500, 60_000, 900_000, 1024, 4096, 3_600_000, 60_000, 60_000, 3, 1000, 100, 1L << 30, "0.1.0");
    server = new NsqServer(s, core, () -> now, () -> 42L);
  }

  @Test
  void subRdyPubFinRoundTrip() {
    Client c = new Client();
    c.send("IDENTIFY\n", "{\"client_id\":\"c1\",\"feature_negotiation\":true}");
    assertTrue(c.frames().get(0).startsWith("R:{\"max_rdy_count\":2500,"));
    c.consumer("orders", "ch");
    Client p = new Client();
    p.send("PUB orders\n", "hello");
    assertEquals(List.of("R:OK"), p.frames());
    assertEquals(List.of(), c.frames(), "RDY 0: nothing sent yet");
    c.send("RDY 1\n");
    assertEquals(List.of("M:1:0000000000000001:hello"), c.frames());
    c.send("FIN 0000000000000001\n");
    assertEquals(List.of(), c.frames());
    c.send("FIN 0000000000000001\n");
    assertEquals(List.of("E:E_FIN_FAILED FIN 0000000000000001 failed ID not in flight"), c.frames());
    assertFalse(c.closed, "E_FIN_FAILED is not fatal");
    assertEquals(List.of("orders:hello"), core.published);
    assertEquals(List.of("orders", "orders/ch"), core.registrations);
  }

  /** An auth whose answers the test gives by hand: "good" is granted everything on topics starting with "ok". */
  final class ManualAuth implements NsqAuth {
    final List<java.util.function.Consumer<Grant>> pending = new ArrayList<>();
    final List<String> secrets = new ArrayList<>();

    @Override
    public boolean required() {
      return true;
    }

    @Override
    public void login(String secret, java.util.function.Consumer<Grant> done) {
      secrets.add(secret);
      pending.add(done);
    }

    Grant grant() {
      return new Grant() {
        @Override
        public String identity() {
          return "good";
        }

        @Override
        public int permissionCount() {
          return 2;
        }

        @Override
        public boolean canPublish(byte[] topic, int off, int len) {
          return new String(topic, off, len, StandardCharsets.US_ASCII).startsWith("ok");
        }

        @Override
        public boolean canSubscribe(String topic, String channel) {
          return topic.startsWith("ok");
        }

        @Override
        public void recheck(java.util.function.Consumer<Grant> done) {
          done.accept(this);
        }
      };
    }
  }

  @Test
  void commandsBehindAPendingAuthWaitForItsAnswer() {
    ManualAuth auth = new ManualAuth();
    server.setAuth(auth);
    Client c = new Client();
    // byte by byte: AUTH, then a PUB and a refused PUB pipelined behind it
    String all = "AUTH\n\0\0\0\4good" + "PUB ok.t\n\0\0\0\1a" + "PUB no\n\0\0\0\1b";
    for (char ch : all.toCharArray()) {
      c.send(String.valueOf(ch));
    }
    assertEquals(List.of("good"), auth.secrets);
    assertEquals(List.of(), c.frames(), "nothing answered before the AUTH check");
    assertEquals(List.of(), core.published);
    auth.pending.get(0).accept(auth.grant());
    assertEquals(List.of("R:{\"identity\":\"good\",\"identity_url\":\"\",\"permission_count\":2}", "R:OK",
        "E:E_UNAUTHORIZED AUTH failed for PUB on \"no\" \"\""), c.frames());
    assertEquals(List.of("ok.t:a"), core.published);
    assertTrue(c.closed);
  }

  @Test
  void aRefusedPendingAuthDropsWhatWasHeldAndTooMuchHeldInputCloses() {
    ManualAuth auth = new ManualAuth();
    server.setAuth(auth);
    Client c = new Client();
    c.send("AUTH\n\0\0\0\3bad" + "PUB ok.t\n\0\0\0\1a");
    auth.pending.get(0).accept(null);
    assertEquals(List.of("E:E_AUTH_FAILED AUTH failed"), c.frames());
    assertTrue(c.closed);
    assertEquals(List.of(), core.published);

    Client flood = new Client();
    flood.send("AUTH\n\0\0\0\4good");
    // at most one more command line and body may wait: 4096 + 16384 + 8 bytes here
    flood.send("NOP\n".repeat(5000));
    assertFalse(flood.closed);
    flood.send("NOP\n".repeat(200));
    assertTrue(flood.closed, "closed past the held-input bound");
    assertEquals(List.of(), flood.frames(), "closed without a frame");
    auth.pending.get(1).accept(auth.grant());
    assertEquals(List.of(), flood.frames(), "a late answer to a closed connection is dropped");
  }

  @Test
  void mpubAndDpub() {
    Client c = new Client().consumer("t", "ch");
    c.send("RDY 10\n");
    Client p = new Client();
    byte[] body = {0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 2, 'b', 'c'};
    p.send("MPUB t\n", new String(body, StandardCharsets.ISO_8859_1));
    p.send("DPUB t 1500\n", "later");
    assertEquals(List.of("R:OK", "R:OK"), p.frames());
    assertEquals(List.of("M:1:0000000000000001:a", "M:1:0000000000000002:bc"), c.frames());
    now += 1_499 * MS;
    server.tick();
    assertEquals(List.of(), c.frames());
    now += MS;
    server.tick();
    assertEquals(List.of("M:1:0000000000000003:later"), c.frames());
  }

  @Test
  void dpubPastTheTopicsBoundIsRefused() {
    Client p = new Client();
    for (int i = 0; i < 3; i++) {
      p.send("DPUB t 1000\n", "x");
    }
    p.send("DPUB t 1000\n", "x");
    assertEquals(List.of("R:OK", "R:OK", "R:OK", "E:E_DPUB_FAILED DPUB failed deferred queue full (mem-queue-size 3)"), p.frames());
    assertTrue(p.closed);
  }

  @Test
  void reqWithDelayAndTimeoutRedeliver() {
    Client c = new Client();
    c.send("IDENTIFY\n", "{\"msg_timeout\":2000}");
    assertEquals(List.of("R:OK"), c.frames());
    c.consumer("t", "ch");
    c.send("RDY 1\n");
    new Client().send("PUB t\n", "m");
    assertEquals(List.of("M:1:0000000000000001:m"), c.frames());
    c.send("REQ 0000000000000001 1000\n");
    now += 1_000 * MS;
    server.tick();
    assertEquals(List.of("M:2:0000000000000001:m"), c.frames());
    c.send("TOUCH 0000000000000001\n");
    now += 1_999 * MS;
    server.tick();
    assertEquals(List.of(), c.frames());
    now += MS;
    server.tick();
    assertEquals(List.of("M:3:0000000000000001:m"), c.frames(), "msg_timeout 2 s from the TOUCH");
    c.send("REQ 0000000000000001 99999999999\n");
    assertEquals(List.of(), c.frames(), "an out-of-range delay is clamped, as nsqd does");
  }

  @Test
  void aDisconnectRedeliversToAnotherConsumer() {
    Client a = new Client().consumer("t", "ch");
    Client b = new Client().consumer("t", "ch");
    a.send("RDY 1\n");
    new Client().send("PUB t\n", "m");
    assertEquals(List.of("M:1:0000000000000001:m"), a.frames());
    b.send("RDY 1\n");
    a.conn.socketClosed();
    assertEquals(List.of("M:2:0000000000000001:m"), b.frames());
  }

  @Test
  void lastConsumerLeavingDropsTheSubscriptionButKeepsTheBacklog() {
    Client a = new Client().consumer("t", "ch");
    new Client().send("PUB t\n", "kept");
    assertEquals(1, core.subs.get("t").size());
    Client a2 = new Client().consumer("t", "ch");
    assertEquals(2, core.subs.get("t").size(), "one queue member per consumer");
    a2.conn.socketClosed();
    a.conn.socketClosed();
    assertTrue(core.subs.get("t").isEmpty());
    assertFalse(server.hasRegisteredChannel("t", "ch"));
    Client b = new Client().consumer("t", "ch");
    b.send("RDY 1\n");
    assertEquals(List.of("M:1:0000000000000001:kept"), b.frames());
  }

  @Test
  void ephemeralChannelsAndTopicsGoWithTheirLastConsumer() {
    Client a = new Client().consumer("t#ephemeral", "ch#ephemeral");
    assertTrue(server.hasTopic("t#ephemeral"));
    a.conn.socketClosed();
    assertFalse(server.hasTopic("t#ephemeral"));
  }

  @Test
  void clsAnswersCloseWaitAndStopsDelivery() {
    Client c = new Client().consumer("t", "ch");
    c.send("RDY 5\n");
    c.send("CLS\n");
    assertEquals(List.of("R:CLOSE_WAIT"), c.frames());
    new Client().send("PUB t\n", "m");
    c.send("RDY 5\n");
    assertEquals(List.of(), c.frames(), "RDY after CLS is ignored");
  }

  @Test
  void heartbeatsAndTheReadDeadline() {
    Client c = new Client();
    c.send("IDENTIFY\n", "{\"heartbeat_interval\":1000}");
    c.frames();
    now += 1_000 * MS;
    server.tick();
    assertEquals(List.of("R:_heartbeat_"), c.frames());
    c.send("NOP\n");
    now += 1_000 * MS;
    server.tick();
    assertEquals(List.of("R:_heartbeat_"), c.frames());
    now += 999 * MS;
    server.tick();
    assertFalse(c.closed, "1.999 s since the NOP");
    assertEquals(List.of(), c.frames());
    now += 2 * MS;
    server.tick();
    assertTrue(c.closed, "no command for twice the heartbeat interval");
    assertEquals(List.of(), c.frames(), "closed without an error frame, as nsqd's read deadline");
  }

  private List<String> fatal(String... input) {
    Client c = new Client();
    for (int i = 0; i < input.length; i++) {
      if (input[i].endsWith("\n") && i + 1 < input.length && input[i + 1].startsWith("BODY:")) {
        c.send(input[i], input[++i].substring(5));
      } else {
        c.send(input[i]);
      }
    }
    List<String> f = c.frames();
    assertTrue(c.closed, "closed after " + f);
    return f;
  }

  private String lastError(String... input) {
    List<String> f = fatal(input);
    return f.get(f.size() - 1);
  }

  @Test
  void nsqdsFatalErrors() {
    assertEquals("E:E_INVALID invalid command FOO", lastError("FOO bar\n"));
    assertEquals("E:E_INVALID invalid command ", lastError("\n"));
    assertEquals("E:E_INVALID cannot RDY in current state", lastError("RDY 1\n"));
    assertEquals("E:E_INVALID cannot FIN in current state", lastError("FIN 0000000000000001\n"));
    assertEquals("E:E_INVALID cannot REQ in current state", lastError("REQ 0000000000000001 0\n"));
    assertEquals("E:E_INVALID cannot TOUCH in current state", lastError("TOUCH 0000000000000001\n"));
    assertEquals("E:E_INVALID cannot CLS in current state", lastError("CLS\n"));
    assertEquals("E:E_INVALID SUB insufficient number of parameters", lastError("SUB t\n"));
    assertEquals("E:E_BAD_TOPIC SUB topic name \"b$d\" is not valid", lastError("SUB b$d c\n"));
    assertEquals("E:E_BAD_TOPIC SUB topic name \"a..b\" is not valid", lastError("SUB a..b c\n"));
    assertEquals("E:E_BAD_CHANNEL SUB channel name \"c$\" is not valid", lastError("SUB t c$ extra\n"));
    assertEquals("E:E_BAD_CHANNEL SUB channel name \"\" is not valid", lastError("SUB t \n"));
    assertEquals("E:E_INVALID cannot SUB in current state", lastError("SUB t c\n", "SUB t c\n"));
    assertEquals("E:E_INVALID cannot SUB with heartbeats disabled", lastError("IDENTIFY\n", "BODY:{\"heartbeat_interval\":-1}", "SUB t c\n"));
    assertEquals("E:E_INVALID cannot IDENTIFY in current state", lastError("SUB t c\n", "IDENTIFY\n"));
    assertEquals("E:E_INVALID RDY could not parse count x", lastError("SUB t c\n", "RDY x\n"));
    assertEquals("E:E_INVALID RDY count 2501 out of range 0-2500", lastError("SUB t c\n", "RDY 2501\n"));
    assertEquals("E:E_INVALID FIN insufficient number of params", lastError("SUB t c\n", "FIN\n"));
    assertEquals("E:E_INVALID Invalid Message ID", lastError("SUB t c\n", "FIN 123\n"));
    assertEquals("E:E_INVALID REQ insufficient number of params", lastError("SUB t c\n", "REQ 0000000000000001\n"));
    assertEquals("E:E_INVALID REQ could not parse timeout -1", lastError("SUB t c\n", "REQ 0000000000000001 -1\n"));
    assertEquals("E:E_INVALID TOUCH insufficient number of params", lastError("SUB t c\n", "TOUCH\n"));
    assertEquals("E:E_INVALID PUB insufficient number of parameters", lastError("PUB\n"));
    assertEquals("E:E_BAD_TOPIC PUB topic name \"b$d\" is not valid", lastError("PUB b$d\n"));
    assertEquals("E:E_BAD_TOPIC E_BAD_TOPIC MPUB topic name \"b$d\" is not valid", lastError("MPUB b$d\n"));
    assertEquals("E:E_INVALID MPUB insufficient number of parameters", lastError("MPUB\n"));
    assertEquals("E:E_INVALID DPUB insufficient number of parameters", lastError("DPUB t\n"));
    assertEquals("E:E_BAD_TOPIC DPUB topic name \"b$d\" is not valid", lastError("DPUB b$d 1\n"));
    assertEquals("E:E_INVALID DPUB could not parse timeout x", lastError("DPUB t x\n"));
    assertEquals("E:E_INVALID DPUB timeout 3600001 out of range 0-3600000", lastError("DPUB t 3600001\n"));
    assertEquals("E:E_BAD_MESSAGE PUB message too big 1025 > 1024", lastError("PUB t\n", "BODY:" + "x".repeat(1025)));
    assertEquals("E:E_INVALID AUTH invalid number of parameters", lastError("AUTH x\n"));
    assertEquals("E:E_AUTH_DISABLED AUTH disabled", lastError("AUTH\n", "BODY:secret"));
    assertEquals("E:E_BAD_BODY IDENTIFY failed to decode JSON body", lastError("IDENTIFY\n", "BODY:nope"));
    assertEquals(List.of("E:E_BAD_PROTOCOL"), fatalFromStart("  V1"));
  }

  private List<String> fatalFromStart(String magic) {
    List<String> frames = new ArrayList<>();
    boolean[] closed = {false};
    ByteArrayOutputStream w = new ByteArrayOutputStream();
    NsqConnection conn = server.accept("x", new NsqConnection.Out() {
      @Override
      public void write(byte[] b, int off, int len) {
        w.write(b, off, len);
      }

      @Override
      public void close() {
        closed[0] = true;
      }
    });
    byte[] b = magic.getBytes(StandardCharsets.US_ASCII);
    conn.read(b, 0, b.length);
    byte[] all = w.toByteArray();
    frames.add("E:" + new String(all, 8, all.length - 8, StandardCharsets.UTF_8));
    assertTrue(closed[0]);
    return frames;
  }

  @Test
  void nonFatalFailuresKeepTheConnection() {
    Client a = new Client().consumer("t", "ch");
    Client b = new Client().consumer("t", "ch");
    a.send("RDY 1\n");
    new Client().send("PUB t\n", "m");
    a.frames();
    b.send("REQ 0000000000000001 0\n");
    b.send("TOUCH 0000000000000001\n");
    b.send("FIN 0000000000000001\n");
    assertEquals(List.of(
        "E:E_REQ_FAILED REQ 0000000000000001 failed client does not own message",
        "E:E_TOUCH_FAILED TOUCH 0000000000000001 failed client does not own message",
        "E:E_FIN_FAILED FIN 0000000000000001 failed client does not own message"), b.frames());
    assertFalse(b.closed);
  }

  @Test
  void statsShowTopicsChannelsAndClients() {
    Client c = new Client();
    c.send("IDENTIFY\n", "{\"client_id\":\"c1\",\"hostname\":\"h1\",\"user_agent\":\"ua\"}");
    assertEquals(List.of("R:OK"), c.frames());
    c.consumer("t", "ch");
    c.send("RDY 2\n");
    Client p = new Client();
    p.send("PUB t\n", "m1");
    p.send("PUB t\n", "m2");
    p.send("PUB t\n", "m3");
    List<Map<String, Object>> topics = server.topicStats("", "", true);
    assertEquals(1, topics.size());
    Map<String, Object> t = topics.get(0);
    assertEquals("t", t.get("topic_name"));
    assertEquals(3L, t.get("message_count"));
    @SuppressWarnings("unchecked")
    Map<String, Object> ch = ((List<Map<String, Object>>) t.get("channels")).get(0);
    assertEquals("ch", ch.get("channel_name"));
    assertEquals(1, ch.get("depth"));
    assertEquals(2, ch.get("in_flight_count"));
    assertEquals(3L, ch.get("message_count"));
    assertEquals(1, ch.get("client_count"));
    @SuppressWarnings("unchecked")
    Map<String, Object> client = ((List<Map<String, Object>>) ch.get("clients")).get(0);
    assertEquals("c1", client.get("client_id"));
    assertEquals(3, client.get("state"));
    assertEquals(2L, client.get("ready_count"));
    assertEquals(2, client.get("in_flight_count"));
    assertTrue(((List<?>) server.topicStats("t", "other", true).get(0).get("channels")).isEmpty());
    assertTrue(server.topicStats("nope", "", true).isEmpty());
    assertTrue(((List<?>) ((Map<?, ?>) ((List<?>) server.topicStats("", "", false).get(0).get("channels")).get(0)).get("clients")).isEmpty());
    assertEquals(1, server.producerStats().size());
  }

  @Test
  void channelDeleteClosesItsConsumers() {
    Client c = new Client().consumer("t", "ch");
    assertTrue(server.deleteChannel("t", "ch"));
    assertTrue(c.closed);
    assertFalse(server.deleteChannel("t", "ch"));
    assertTrue(server.hasTopic("t"));
    assertTrue(server.deleteTopic("t"));
    assertFalse(server.hasTopic("t"));
  }
}
