package dev.beacon.lookupd;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class RegistrationDbTest {
  private static final Duration INACTIVE = Duration.ofSeconds(300);
  private static final Duration TOMBSTONE = Duration.ofSeconds(45);

  private final AtomicLong clock = new AtomicLong(LookupdFixture.T0);
  private final List<String> changed = new ArrayList<>();
  private RegistrationDb db;

  @BeforeEach
  void setUp() {
    db = new RegistrationDb(clock::get, INACTIVE.toNanos(), TOMBSTONE.toNanos(), changed::add);
  }

  private static PeerInfo peer(String id, String broadcast, int httpPort) {
    return new PeerInfo(id, "h-" + id, broadcast, 4150, httpPort, "1.3.0", "", "");
  }

  private PeerInfo identified(String id) {
    PeerInfo p = peer(id, "10.0.0." + id.length(), 4151);
    db.identify(p);
    return p;
  }

  private List<String> lookup(String topic) {
    List<PeerInfo> out = new ArrayList<>();
    RegistrationDb.Topic t = db.find(topic);
    if (t == null || !t.registered) {
      return null;
    }
    db.lookupProducers(t, db.now(), out);
    return out.stream().map(p -> p.id).toList();
  }

  private List<String> channels(String topic) {
    RegistrationDb.Topic t = db.find(topic);
    return t == null ? List.of() : List.copyOf(t.channels.keySet());
  }

  private void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void nodesListenerIsToldExactlyWhenTheNodesAnswerMayChange() {
    AtomicLong told = new AtomicLong();
    db.onNodesChanged(told::incrementAndGet);
    long v = db.nodesVersion();
    PeerInfo a = identified("a:1");
    assertEquals(1, told.get());
    db.register(a, "t", "c");
    assertEquals(2, told.get(), "first producer of a topic");
    db.register(a, "t", "d");
    db.register(a, "t", null);
    db.createTopic("other");
    db.createChannel("t", "e");
    db.ping(a);
    assertEquals(2, told.get(), "channels, /topic/create and an active peer's PING leave /nodes alone");
    db.tombstone("t", "10.0.0.3:4151");
    assertEquals(3, told.get(), "tombstone");
    advance(INACTIVE.plusSeconds(1));
    db.ping(a);
    assertEquals(4, told.get(), "an inactive peer comes back");
    db.disconnect(a);
    assertTrue(told.get() >= 5, "disconnect (once per registration it removes; long polls coalesce them)");
    assertTrue(db.nodesVersion() > v);
  }

  @Test
  void registerAddsTopicAndChannelIdempotently() {
    PeerInfo a = identified("a:1");
    db.register(a, "t", "c");
    db.register(a, "t", "c");
    db.register(a, "t", null);
    assertEquals(List.of("a:1"), lookup("t"));
    assertEquals(List.of("c"), channels("t"));
    assertEquals(1, db.topicProducers());
    assertEquals(1, db.channelProducers());
    assertEquals(List.of("t"), db.topicNames());
    assertEquals(List.of("t"), List.copyOf(a.topics.keySet()));
  }

  @Test
  void answersAreSorted() {
    PeerInfo b = identified("b:2");
    PeerInfo a = identified("a:1");
    for (String t : List.of("zeta", "alpha", "mid")) {
      db.register(b, t, "z");
      db.register(a, t, "a");
    }
    assertEquals(List.of("alpha", "mid", "zeta"), db.topicNames());
    assertEquals(List.of("a", "z"), channels("mid"));
    assertEquals(List.of("a:1", "b:2"), lookup("mid"));
    List<String> clients = new ArrayList<>();
    db.clients().forEach(p -> clients.add(p.id));
    assertEquals(List.of("a:1", "b:2"), clients);
  }

  @Test
  void inactiveProducersAreHiddenAfterTheTimeoutAndPingRevivesThem() {
    PeerInfo a = identified("a:1");
    db.register(a, "t", null);
    advance(INACTIVE);
    assertEquals(List.of("a:1"), lookup("t"), "exactly at the timeout still active");
    advance(Duration.ofNanos(1));
    assertEquals(List.of(), lookup("t"));
    assertEquals(List.of("t"), db.topicNames(), "the registration itself stays, as in nsqlookupd");
    long before = db.version("t");
    db.ping(a);
    assertEquals(List.of("a:1"), lookup("t"));
    assertNotEquals(before, db.version("t"), "a revived peer changes the topic's answer version");
  }

  @Test
  void registerDoesNotRefreshLastUpdate() {
    PeerInfo a = identified("a:1");
    advance(INACTIVE.plusSeconds(1));
    db.register(a, "t", null);
    assertEquals(List.of(), lookup("t"));
  }

  @Test
  void tombstoneHidesOneTopicOfOneNodeForItsLifetime() {
    PeerInfo a = identified("a:1");
    PeerInfo b = identified("bb:2");
    db.register(a, "t", null);
    db.register(a, "u", null);
    db.register(b, "t", null);
    db.tombstone("t", a.broadcastAddress + ":4151");
    assertEquals(List.of("bb:2"), lookup("t"));
    assertEquals(List.of("a:1"), lookup("u"), "tombstones are per (topic, producer)");
    assertTrue(db.tombstoneLive(a.topics.get("t"), db.now()));
    db.register(a, "t", null);
    assertEquals(List.of("bb:2"), lookup("t"), "REGISTER keeps the existing tombstoned entry");
    advance(TOMBSTONE.minusNanos(1));
    assertEquals(List.of("bb:2"), lookup("t"));
    advance(Duration.ofNanos(1));
    assertEquals(List.of("a:1", "bb:2"), lookup("t"), "after the lifetime the producer is back");
  }

  @Test
  void tombstoneMatchesBracketedIpv6Too() {
    PeerInfo v6 = peer("[::1]:5", "::1", 4151);
    db.identify(v6);
    db.register(v6, "t", null);
    db.tombstone("t", "[::1]:4151");
    assertEquals(List.of(), lookup("t"));
    assertTrue(v6.isNode("::1:4151"), "nsqlookupd's unbracketed form still matches");
    assertFalse(v6.isNode("::1:4152"));
  }

  @Test
  void unregisterChannelDeletesOnlyEphemeralOnes() {
    PeerInfo a = identified("a:1");
    db.register(a, "t", "c#ephemeral");
    db.register(a, "t", "normal");
    db.unregister(a, "t", "c#ephemeral");
    db.unregister(a, "t", "normal");
    assertEquals(List.of("normal"), channels("t"));
  }

  @Test
  void unregisterEphemeralTopicDeletesIt() {
    PeerInfo a = identified("a:1");
    db.register(a, "t#ephemeral", null);
    db.unregister(a, "t#ephemeral", null);
    assertNull(lookup("t#ephemeral"));
    assertEquals(List.of(), db.topicNames());
    assertNull(db.find("t#ephemeral"), "nothing left behind");
  }

  @Test
  void topicUnregisterAlsoRemovesEmptiedEphemeralChannels() {
    PeerInfo a = identified("a:1");
    db.register(a, "t", "e#ephemeral");
    db.register(a, "t", "keep");
    db.unregister(a, "t", null);
    assertEquals(List.of("keep"), channels("t"), "nsqlookupd would leave e#ephemeral as an orphan");
    assertEquals(0, db.channelProducers());
    assertEquals(List.of(), lookup("t"));
  }

  @Test
  void disconnectRemovesEveryProducerAndOrphanedEphemerals() {
    PeerInfo a = identified("a:1");
    PeerInfo b = identified("b:2");
    db.register(a, "t", "c");
    db.register(a, "t", "e#ephemeral");
    db.register(a, "eph#ephemeral", "x");
    db.register(b, "t", "e#ephemeral");
    db.disconnect(a);
    assertEquals(List.of("b:2"), lookup("t"));
    assertEquals(List.of("c", "e#ephemeral"), channels("t"), "b still produces e#ephemeral");
    assertNull(lookup("eph#ephemeral"));
    assertEquals(List.of("t"), db.topicNames());
    assertTrue(a.topics.isEmpty() && a.channels.isEmpty());
    db.disconnect(b);
    assertEquals(List.of("c"), channels("t"));
    assertEquals(List.of(), lookup("t"), "a normal topic stays, empty (nsqd relies on it)");
    assertEquals(0, db.clientCount());
    assertEquals(0, db.topicProducers());
    assertEquals(0, db.channelProducers());
  }

  @Test
  void newRegistrationsCountsOnlyWhatRegisterWouldAddAndTheCountFollowsEveryRemoval() {
    PeerInfo a = identified("a:1");
    PeerInfo b = identified("bb:2");
    assertEquals(2, db.newRegistrations(a, "t", "c"));
    assertEquals(1, db.newRegistrations(a, "t", null));
    db.register(b, "t", "c");
    assertEquals(2, db.newRegistrations(a, "t", "c"), "another peer's entries are not a's");
    db.register(a, "t", null);
    assertEquals(1, a.registrations());
    assertEquals(1, db.newRegistrations(a, "t", "c"));
    db.register(a, "t", "c");
    assertEquals(2, a.registrations());
    assertEquals(0, db.newRegistrations(a, "t", "c"), "a repeat adds nothing");
    assertEquals(0, db.newRegistrations(a, "t", null));
    assertEquals(2, db.newRegistrations(a, "u", "c"));
    db.register(a, "u", "c#ephemeral");
    assertEquals(4, a.registrations());
    db.unregister(a, "u", "c#ephemeral");
    assertEquals(3, a.registrations());
    db.unregister(a, "u", null);
    assertEquals(2, a.registrations());
    assertTrue(db.deleteChannel("t", "c"));
    assertEquals(1, a.registrations(), "an HTTP delete frees the peer's slot too");
    db.deleteTopic("t");
    assertEquals(0, a.registrations());
    db.register(a, "v", "c");
    db.disconnect(a);
    assertEquals(0, a.registrations());
  }

  @Test
  void httpMutations() {
    db.createTopic("t");
    assertEquals(List.of(), lookup("t"));
    db.createChannel("u", "c");
    assertEquals(List.of("t", "u"), db.topicNames());
    assertEquals(List.of("c"), channels("u"));
    assertFalse(db.deleteChannel("u", "nope"));
    assertTrue(db.deleteChannel("u", "c"));
    assertEquals(List.of(), channels("u"));
    PeerInfo a = identified("a:1");
    db.register(a, "u", "c");
    db.deleteTopic("u");
    assertNull(lookup("u"));
    assertTrue(a.topics.isEmpty() && a.channels.isEmpty(), "the peer's index follows the delete");
    assertEquals(0, db.topicProducers());
    assertEquals(0, db.channelProducers());
    db.disconnect(a);
    assertEquals(List.of("t"), db.topicNames());
  }

  @Test
  void versionsMoveOnEveryChangeAndTopicChangesAreReported() {
    PeerInfo a = identified("a:1");
    assertEquals(0, db.version("t"));
    db.register(a, "t", null);
    long v1 = db.version("t");
    assertTrue(v1 > 0);
    db.register(a, "t", null);
    assertEquals(v1, db.version("t"), "an idempotent REGISTER changes nothing");
    db.register(a, "t", "c");
    long v2 = db.version("t");
    assertTrue(v2 > v1);
    db.ping(a);
    assertEquals(v2, db.version("t"), "a PING from an active peer changes nothing");
    assertTrue(changed.contains("t"));
  }

  @Test
  void lookupValidityEndsAtTheNextFlip() {
    PeerInfo a = identified("a:1");
    db.register(a, "t", null);
    List<PeerInfo> out = new ArrayList<>();
    long until = db.lookupProducers(db.find("t"), db.now(), out);
    assertEquals(db.now() + INACTIVE.toNanos() + 1, until);
    db.tombstone("t", a.broadcastAddress + ":4151");
    until = db.lookupProducers(db.find("t"), db.now(), new ArrayList<>());
    assertEquals(db.now() + TOMBSTONE.toNanos(), until);
  }

  @Test
  void dumpListsOnlyRegistrationsWithProducers() {
    db.createTopic("empty");
    PeerInfo a = identified("a:1");
    db.register(a, "t", "c");
    assertEquals(List.of("channel:t:c", "client::", "topic:t:"), List.copyOf(db.dump().keySet()));
  }
}
