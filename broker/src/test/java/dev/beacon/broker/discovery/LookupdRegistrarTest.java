package dev.beacon.broker.discovery;

import dev.beacon.broker.DiscoveryOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker side of the lookup protocol against a strict fake lookupd on a raw socket. */
@Timeout(20)
class LookupdRegistrarTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private Vertx vertx;
  private FakeLookupd lookupd;
  private FakeHost host;
  private LookupdDiscovery membership;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    lookupd = new FakeLookupd();
    host = new FakeHost(vertx, 4222, 8222, "SELF");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (membership != null) {
      CompletableFuture<Void> stopped = new CompletableFuture<>();
      host.context().runOnContext(v -> membership.stop().onComplete(ar -> stopped.complete(null)));
      stopped.get(5, TimeUnit.SECONDS);
    }
    lookupd.close();
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  private void start(String extraConfig) throws Exception {
    DiscoveryOptions options = DiscoveryOptions.from(ConfigFactory.parseString(
            "broker.lookupd-tcp-address = [\"127.0.0.1:" + lookupd.port() + "\"]\n"
                + "broker.broadcast-address = \"10.1.2.3\"\n"
                + "broker.lookupd-reconnect-backoff-min = 20ms\n"
                + "broker.lookupd-reconnect-backoff-max = 200ms\n" + extraConfig)
        .withFallback(ConfigFactory.defaultReference()).resolve());
    membership = new LookupdDiscovery(host, options);
    CompletableFuture<Void> started = new CompletableFuture<>();
    host.context().runOnContext(v -> membership.start().onComplete(ar -> {
      if (ar.succeeded()) {
        started.complete(null);
      } else {
        started.completeExceptionally(ar.cause());
      }
    }));
    started.get(5, TimeUnit.SECONDS);
  }

  @Test
  void identifiesWithNsqdsBytesThenRegistersCurrentInterest() throws Exception {
    host.subscribeBeforeStart("orders", null);
    host.subscribeBeforeStart("orders", "workers");
    host.subscribeBeforeStart("orders.*", null);
    host.subscribeBeforeStart("_INBOX.abc", null);
    host.subscribeBeforeStart("clicks", null);
    start("");

    String body = lookupd.acceptAndReadIdentify(WAIT);
    // nsqd marshals a Go map: keys sorted, compact (golden nsqd-to-lookupd-tap.txt).
    JsonObject identify = new JsonObject(body);
    assertEquals(List.of("broadcast_address", "hostname", "http_port", "tcp_port", "version"),
        List.copyOf(identify.fieldNames()));
    assertEquals("10.1.2.3", identify.getString("broadcast_address"));
    assertEquals(4222, identify.getInteger("tcp_port"));
    assertEquals(8222, identify.getInteger("http_port"));
    assertTrue(body.startsWith("{\"broadcast_address\":\"10.1.2.3\",\"hostname\":\""), body);
    assertTrue(body.endsWith(",\"http_port\":8222,\"tcp_port\":4222,\"version\":\"" + identify.getString("version") + "\"}"), body);

    lookupd.identifyOk(4161);
    Set<String> registered = new HashSet<>(List.of(lookupd.command(), lookupd.command()));
    assertEquals(Set.of("REGISTER orders", "REGISTER clicks"), registered, "a NATS queue group is no NSQ channel");
    lookupd.expectNothing(Duration.ofMillis(300));
  }

  @Test
  void registersOnFirstSubscriberAndUnregistersWhenTheLastGoes() throws Exception {
    start("");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);

    host.subscription("orders", null, true);
    assertEquals("REGISTER orders", lookupd.command());
    host.subscription("orders", null, true);
    host.subscription("orders", "workers", true);
    host.subscription("orders", "workers", true);
    host.subscription("orders", "workers", false);
    host.subscription("orders", null, false);
    host.subscription("orders", null, false);
    lookupd.expectNothing(Duration.ofMillis(200));
    host.subscription("orders", "workers", false);
    assertEquals("UNREGISTER orders", lookupd.command(), "a NATS queue group never registered a channel");

    // An NSQ channel with a consumer: one REGISTER with the channel; its removal: channel, then topic (as nsqd).
    host.nsq("jobs", null, true);
    assertEquals("REGISTER jobs", lookupd.command());
    host.nsq("jobs", "g", true);
    assertEquals("REGISTER jobs g", lookupd.command());
    host.nsq("jobs", "g", false);
    assertEquals("UNREGISTER jobs g", lookupd.command());
    host.nsq("jobs", null, false);
    assertEquals("UNREGISTER jobs", lookupd.command());
  }

  @Test
  void namesNsqlookupdWouldRejectAreNeverSent() throws Exception {
    start("broker.lookupd-ping-interval = 300ms");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    for (String subject : new String[] {"orders.*", "orders.>", ">", "a$b", "caf\u00e9", "x".repeat(65), "_INBOX.r1",
        "has space"}) {
      host.subscription(subject, null, true);
      host.subscription(subject, "workers", true);
    }
    host.subscription("ok", "bad:group", true);
    // The strict fake fails the test and closes on a bad name; the first thing it must see is the valid topic.
    assertEquals("REGISTER ok", lookupd.command());
    assertEquals("PING", lookupd.command());
    assertEquals("REGISTER ok", lookupd.command(), "registered again with the PING");
    assertEquals("PING", lookupd.command(), "still the same connection: nothing made the lookupd close it");
  }

  @Test
  void pingsAndAfterLossReconnectsAndRegistersEverythingAgain() throws Exception {
    start("broker.lookupd-ping-interval = 200ms");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    host.subscription("a", null, true);
    host.nsq("b", "q", true);
    Set<String> first = new HashSet<>();
    while (!first.containsAll(Set.of("REGISTER a", "REGISTER b q"))) {
      String line = lookupd.command();
      if (!line.equals("PING")) {
        first.add(line);
      }
    }
    assertEquals(Set.of("REGISTER a", "REGISTER b q"), first);

    lookupd.dropConnection();
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    Set<String> again = new HashSet<>(List.of(lookupd.command(), lookupd.command()));
    assertEquals(Set.of("REGISTER a", "REGISTER b q"), again);
  }

  @Test
  void everyPingRegistersEverythingAgainSoALookupdThatDroppedARegistrationGetsItBack() throws Exception {
    start("broker.lookupd-ping-interval = 200ms");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    host.subscription("a", null, true);
    assertEquals("REGISTER a", lookupd.command());
    assertEquals("PING", lookupd.command());
    assertEquals("REGISTER a", lookupd.command(), "lookupd may have deleted it (nsqadmin's Delete Topic)");
    host.subscription("a", null, false);
    assertEquals("UNREGISTER a", lookupd.command());
    assertEquals("PING", lookupd.command());
    assertEquals("PING", lookupd.command(), "nothing to register any more");
  }

  @Test
  void aLookupdThatStopsAnsweringIsRedialled() throws Exception {
    start("broker.lookupd-ping-interval = 100ms\nbroker.lookupd-response-timeout = 300ms");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    assertEquals("PING", lookupd.readLine());
    long t0 = System.nanoTime();
    lookupd.acceptAndReadIdentify(WAIT);
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos());
  }

  @Test
  void anErrorAnswerOrAnOversizedFrameClosesAndRedials() throws Exception {
    start("");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.frame("E_INVALID cannot IDENTIFY again");
    lookupd.expectClosed();
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.rawInt(Integer.MAX_VALUE);
    lookupd.expectClosed();
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.rawInt(-1);
    lookupd.expectClosed();
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.frame("not json");
    lookupd.expectClosed();
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    host.subscription("t", null, true);
    assertEquals("REGISTER t", lookupd.command());
  }

  @Test
  void aRegistrationLimitRefusalKeepsTheConnection() throws Exception {
    start("broker.lookupd-ping-interval = 200ms");
    lookupd.acceptAndReadIdentify(WAIT);
    lookupd.identifyOk(4161);
    host.subscription("a", null, true);
    assertEquals("REGISTER a", lookupd.readLine());
    // Beacon lookupd's non-fatal refusal: nothing stored, connection kept.
    lookupd.frame("E_TOO_MANY_REGISTRATIONS more than 1 registrations for this peer");
    host.subscription("b", null, true);
    assertEquals("REGISTER b", lookupd.readLine());
    lookupd.frame("E_TOO_MANY_REGISTRATIONS more than 1 registrations for this peer");
    // Still the same connection: the next command is the periodic PING, not a new IDENTIFY.
    assertEquals("PING", lookupd.readLine());
    lookupd.frame("OK");
    assertEquals(List.of(0, 2), onHost(() -> {
      LookupdRegistrar r = membership.registrars().get(0);
      return List.of(r.registrations(), r.refused());
    }));
  }

  private <T> T onHost(java.util.function.Supplier<T> read) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    host.context().runOnContext(v -> result.complete(read.get()));
    return result.get(5, TimeUnit.SECONDS);
  }
}
