package dev.beacon.lookupd;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class LookupProtocolTest {
  private static final byte[] ANSWER = "{\"identify\":\"answer\"}".getBytes(StandardCharsets.UTF_8);

  private final List<String> sent = new ArrayList<>();
  private boolean closed;
  private RegistrationDb db;
  private LookupProtocol protocol;

  /** A protocol for one peer whose answers go to {@code sent} and whose close sets {@code closed}. */
  private LookupProtocol protocol(String peer, Metrics metrics, int maxRegistrations) {
    return new LookupProtocol(db, ANSWER, peer, new LookupProtocol.Wire() {
      @Override
      public void send(byte[] payload) {
        sent.add(new String(payload, StandardCharsets.ISO_8859_1));
      }

      @Override
      public void close() {
        closed = true;
      }
    }, metrics, maxRegistrations);
  }

  @BeforeEach
  void setUp() {
    db = new RegistrationDb(() -> LookupdFixture.T0, 300_000_000_000L, 45_000_000_000L, t -> { });
    protocol = protocol("127.0.0.1:999", new Metrics(), 100_000);
    protocol.parser(new FrameParser(protocol, 1024, 1024));
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void identify() throws LookupProtocolException {
    protocol.IDENTIFY(json(TestPeer.IDENTIFY_BODY));
  }

  private static String error(Executable e) {
    LookupProtocolException pe = assertThrows(LookupProtocolException.class, e::run);
    assertTrue(pe.fatal, "every lookup protocol error is fatal");
    return pe.wire();
  }

  private interface Executable {
    void run() throws Exception;
  }

  @Test
  void pingBeforeAndAfterIdentify() throws Exception {
    assertArrayEquals(LookupProtocol.OK, protocol.PING());
    assertArrayEquals(ANSWER, protocol.IDENTIFY(json(TestPeer.IDENTIFY_BODY)));
    assertArrayEquals(LookupProtocol.OK, protocol.PING());
    assertEquals(1, db.clientCount());
  }

  @Test
  void registerBeforeIdentifyIsInvalid() {
    assertEquals("E_INVALID client must IDENTIFY", error(() -> protocol.REGISTER(new String[] {"REGISTER", "t"})));
    assertEquals("E_INVALID client must IDENTIFY", error(() -> protocol.UNREGISTER(new String[] {"UNREGISTER", "t"})));
  }

  @Test
  void identifyTwiceIsRefusedBeforeTheBody() throws Exception {
    identify();
    assertEquals("E_INVALID cannot IDENTIFY again", error(() -> protocol.IDENTIFY()));
    assertEquals("E_INVALID cannot IDENTIFY again", error(() -> protocol.IDENTIFY(json(TestPeer.IDENTIFY_BODY))));
  }

  @Test
  void identifyBodyErrors() {
    String decode = "E_BAD_BODY IDENTIFY failed to decode JSON body";
    String missing = "E_BAD_BODY IDENTIFY missing fields";
    assertEquals(decode, error(() -> protocol.IDENTIFY(json("{not json"))));
    assertEquals(decode, error(() -> protocol.IDENTIFY(json("[1,2]"))));
    assertEquals(decode, error(() -> protocol.IDENTIFY(json(
        "{\"broadcast_address\":\"a\",\"tcp_port\":\"4150\",\"http_port\":1,\"version\":\"v\"}"))), "wrong type");
    assertEquals(decode, error(() -> protocol.IDENTIFY(json(
        "{\"broadcast_address\":\"a\",\"tcp_port\":4150.5,\"http_port\":1,\"version\":\"v\"}"))));
    assertEquals(decode, error(() -> protocol.IDENTIFY(json(
        "{\"broadcast_address\":7,\"tcp_port\":4150,\"http_port\":1,\"version\":\"v\"}"))));
    assertEquals(decode, error(() -> protocol.IDENTIFY(json(
        "{\"broadcast_address\":\"a\",\"tcp_port\":4150,\"http_port\":1,\"version\":\"v\"} trailing"))));
    assertEquals(missing, error(() -> protocol.IDENTIFY(json("{}"))));
    assertEquals(missing, error(() -> protocol.IDENTIFY(json("null"))));
    assertEquals(missing, error(() -> protocol.IDENTIFY(json(
        "{\"broadcast_address\":\"a\",\"tcp_port\":0,\"http_port\":1,\"version\":\"v\"}"))));
    assertEquals(missing, error(() -> protocol.IDENTIFY(json(
        "{\"broadcast_address\":\"\",\"tcp_port\":1,\"http_port\":1,\"version\":\"v\"}"))));
  }

  @Test
  void identifyKeysAreCaseInsensitiveAndUnknownKeysIgnored() throws Exception {
    protocol.IDENTIFY(json("{\"BROADCAST_ADDRESS\":\"b\",\"Tcp_Port\":-5,\"http_port\":2,\"version\":\"v\","
        + "\"remote_address\":\"spoofed\",\"extra\":{\"x\":[1]},\"topology_zone\":\"z1\"}"));
    PeerInfo p = protocol.peer();
    assertEquals("b", p.broadcastAddress);
    assertEquals(-5, p.tcpPort, "negative ports are accepted, as in nsqlookupd");
    assertEquals("127.0.0.1:999", p.id, "remote_address is always the socket's");
    assertEquals("z1", p.topologyZone);
  }

  @Test
  void registerParamChecksInOrder() throws Exception {
    identify();
    assertEquals("E_INVALID REGISTER insufficient number of params", error(() -> protocol.exec("REGISTER")));
    assertEquals("E_INVALID UNREGISTER insufficient number of params", error(() -> protocol.exec("UNREGISTER")));
    assertEquals("E_BAD_TOPIC REGISTER topic name 'bad!t' is not valid", error(() -> protocol.exec("REGISTER bad!t c")));
    assertEquals("E_BAD_TOPIC UNREGISTER topic name '' is not valid", error(() -> protocol.exec("UNREGISTER  c")));
    assertEquals("E_BAD_CHANNEL REGISTER channel name 'bad!c' is not valid", error(() -> protocol.exec("REGISTER t bad!c")));
    assertEquals("E_BAD_TOPIC REGISTER topic name '*' is not valid", error(() -> protocol.exec("REGISTER *")));
  }

  @Test
  void doubleSpaceMeansNoChannelAndExtraParamsAreIgnored() throws Exception {
    identify();
    assertArrayEquals(LookupProtocol.OK, protocol.exec("REGISTER t  c"));
    assertEquals(List.of(), List.copyOf(db.find("t").channels.keySet()));
    assertArrayEquals(LookupProtocol.OK, protocol.exec("REGISTER t c extra more"));
    assertEquals(List.of("c"), List.copyOf(db.find("t").channels.keySet()));
    assertArrayEquals(LookupProtocol.OK, protocol.exec("PING extra stuff"));
  }

  @Test
  void unknownCommandsAndCase() {
    assertEquals("E_INVALID invalid command FOO", error(() -> protocol.exec("FOO bar")));
    assertEquals("E_INVALID invalid command ping", error(() -> protocol.exec("ping")));
    assertEquals("E_INVALID invalid command ", error(() -> protocol.exec("")));
  }

  @Test
  void anErrorIsSentThenTheConnectionClosesAndDisconnectCleansUp() throws Exception {
    identify();
    protocol.command("REGISTER t c");
    protocol.command("REGISTER bad!");
    assertEquals(List.of("OK", "E_BAD_TOPIC REGISTER topic name 'bad!' is not valid"), sent);
    assertTrue(closed);
    protocol.closed();
    assertEquals(0, db.clientCount());
    assertEquals(0, db.topicProducers());
  }

  @Test
  void registerBeyondTheLimitIsRefusedWithoutClosingAndStoresNothing() throws Exception {
    Metrics metrics = new Metrics();
    LookupProtocol limited = protocol("127.0.0.1:998", metrics, 3);
    FrameParser parser = new FrameParser(limited, 1024, 1024);
    limited.parser(parser);
    limited.IDENTIFY(json(TestPeer.IDENTIFY_BODY));
    limited.command("REGISTER t c");
    limited.command("REGISTER t c");
    limited.command("REGISTER u c");
    limited.command("REGISTER u");
    limited.command("REGISTER u c");
    limited.command("PING");
    assertEquals(List.of("OK", "OK", "E_TOO_MANY_REGISTRATIONS more than 3 registrations for this peer", "OK",
        "E_TOO_MANY_REGISTRATIONS more than 3 registrations for this peer", "OK"), sent);
    assertFalse(closed);
    assertFalse(parser.stopped());
    assertEquals(List.of(), List.copyOf(db.find("u").channels.keySet()), "the refused channel was not stored");
    assertEquals(3, limited.peer().registrations());
    assertEquals(2, metrics.rejectedRegistrations);
    assertEquals(0, metrics.tcpErrors, "a refused REGISTER is not a protocol error");
  }

  @Test
  void badMagicSendsTheBareCode() {
    protocol.magic(false);
    assertEquals(List.of("E_BAD_PROTOCOL"), sent);
    assertTrue(closed);
  }
}
