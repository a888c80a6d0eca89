package dev.beacon.broker.nsq;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nsq-max-topics, nsq-max-channels-per-topic and nsq-max-memory on an {@link NsqServer} over the fake
 * core: what is refused, with which error frame, what is counted, and that memory is given back.
 */
class NsqLimitsTest {
  static final long MS = 1_000_000L;
  long now = 5_000 * MS;
  NsqConnectionTest outer;
  NsqServer server;

  @BeforeEach
  void setUp() {
    outer = new NsqConnectionTest();
    outer.core = new NsqConnectionTest.FakeCore();
    // 2 topics, 2 channels per topic, room for 4 messages of 10 bytes
    NsqSettings s = new NsqSettings(2500, 60_000, 900_000, 1024, 4096, 3_600_000, 60_000, 60_000, 100, 2, 2,
        4 * NsqMemory.cost(10), "0.1.0");
    server = new NsqServer(s, outer.core, () -> now, () -> 42L);
    outer.server = server;
  }

  NsqConnectionTest.Client client() {
    return outer.new Client();
  }

  @Test
  void aPublishOrSubscribeThatWouldCreateATopicPastTheCapIsRefusedAndCounted() {
    NsqConnectionTest.Client p = client();
    p.send("PUB a\n", "x");
    p.send("PUB b\n", "x");
    p.send("PUB c\n", "x");
    assertEquals(List.of("R:OK", "R:OK", "E:E_PUB_FAILED PUB failed topic \"c\": too many topics (nsq-max-topics 2)"), p.frames());
    assertTrue(p.closed);
    assertEquals(List.of("a:x", "b:x"), outer.core.published, "the refused message went nowhere");

    NsqConnectionTest.Client m = client();
    m.send("MPUB c\n", new String(new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 'y'}, java.nio.charset.StandardCharsets.ISO_8859_1));
    assertEquals(List.of("E:E_MPUB_FAILED MPUB failed topic \"c\": too many topics (nsq-max-topics 2)"), m.frames());
    NsqConnectionTest.Client d = client();
    d.send("DPUB c 10\n", "z");
    assertEquals(List.of("E:E_DPUB_FAILED DPUB failed topic \"c\": too many topics (nsq-max-topics 2)"), d.frames());
    NsqConnectionTest.Client s = client();
    s.send("SUB c ch\n");
    assertEquals(List.of("E:E_SUB_FAILED SUB failed topic \"c\": too many topics (nsq-max-topics 2)"), s.frames());
    assertTrue(s.closed);

    NsqConnectionTest.Client ok = client();
    ok.send("PUB a\n", "again");
    assertEquals(List.of("R:OK"), ok.frames(), "existing topics are not affected");
    assertEquals(4L, server.limitStats().get("nsq_topics_refused_count"));
    assertTrue(server.deleteTopic("b"));
    ok.send("PUB c\n", "now");
    assertEquals(List.of("R:OK"), ok.frames(), "a deleted topic frees its place");
  }

  @Test
  void aSubscribeThatWouldCreateAChannelPastTheCapIsRefused() throws Exception {
    client().consumer("t", "a");
    client().consumer("t", "b");
    NsqConnectionTest.Client c = client();
    c.send("SUB t c\n");
    assertEquals(List.of("E:E_SUB_FAILED SUB failed channel \"c\" of topic \"t\": too many channels (nsq-max-channels-per-topic 2)"),
        c.frames());
    assertTrue(c.closed);
    client().consumer("t", "a");
    client().consumer("u", "c");
    try {
      server.createChannel("t", "d");
      throw new AssertionError("created");
    } catch (NsqException e) {
      assertEquals("TOO_MANY_CHANNELS", e.httpMessage);
    }
    assertEquals(2L, server.limitStats().get("nsq_channels_refused_count"));
  }

  @Test
  void pastTheMemoryBudgetNewChannelMessagesAreDroppedAndCountedWhileRedeliveriesKeepTheirPlace() {
    NsqConnectionTest.Client a = client().consumer("t", "a");
    client().consumer("t", "b");
    a.send("RDY 1\n");
    NsqConnectionTest.Client p = client();
    for (int i = 0; i < 3; i++) {
      p.send("PUB t\n", "0123456789");
    }
    assertEquals(List.of("R:OK", "R:OK", "R:OK"), p.frames(), "PUB still reaches NATS subscribers");
    assertFalse(p.closed);
    Map<String, Object> st = server.limitStats();
    assertEquals(4 * NsqMemory.cost(10), st.get("nsq_memory_bytes"));
    assertEquals(2L, st.get("nsq_memory_dropped_count"), "2 channels x 3 messages, room for 4");
    assertEquals(List.of("M:1:0000000000000001:0123456789"), a.frames());
    a.send("REQ 0000000000000001 0\n");
    assertEquals(List.of("M:1:0000000000000003:0123456789"), a.frames(), "the next one in the backlog");
    a.send("FIN 0000000000000003\n");
    assertEquals(List.of("M:2:0000000000000001:0123456789"), a.frames(), "the requeued one again, not refused");
    a.send("FIN 0000000000000001\n");
    assertEquals(List.of(), a.frames());
    assertEquals(2 * NsqMemory.cost(10), server.limitStats().get("nsq_memory_bytes"));

    NsqConnectionTest.Client d = client();
    d.send("DPUB t 1000\n", "0123456789");
    d.send("DPUB t 1000\n", "0123456789");
    d.send("DPUB t 1000\n", "0123456789");
    assertEquals(List.of("R:OK", "R:OK", "E:E_DPUB_FAILED DPUB failed memory budget full (nsq-max-memory " + 4 * NsqMemory.cost(10) + " bytes)"),
        d.frames());
    now += 1000 * MS;
    server.tick();
    assertTrue(server.emptyChannel("t", "b"));
    assertTrue(server.deleteChannel("t", "a"));
    assertEquals(0L, server.limitStats().get("nsq_memory_bytes"), "everything given back");
  }
}
