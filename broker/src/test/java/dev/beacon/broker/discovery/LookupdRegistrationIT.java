package dev.beacon.broker.discovery;

import dev.beacon.testkit.Await;

import dev.beacon.broker.DiscoveryOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.beacon.lookupd.LookupdFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Registration against the real in-process Beacon lookupd, as seen through its nsqlookupd HTTP API. */
@Timeout(30)
class LookupdRegistrationIT {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Vertx vertx;
  private LookupdFixture lookupd;
  private FakeHost host;
  private LookupdDiscovery membership;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    host = new FakeHost(vertx, 4222, 8222, "SELF");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (membership != null) {
      CompletableFuture<Void> stopped = new CompletableFuture<>();
      host.context().runOnContext(v -> membership.stop().onComplete(ar -> stopped.complete(null)));
      stopped.get(5, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void startLookupd(String tcp, String httpAddress) throws Exception {
    lookupd = new LookupdFixture(vertx, Map.of("tcp-address", tcp, "http-address", httpAddress));
  }

  private void startMembership() throws Exception {
    DiscoveryOptions options = DiscoveryOptions.from(ConfigFactory.parseString(
            "broker.lookupd-tcp-address = [\"127.0.0.1:" + lookupd.tcpPort() + "\"]\n"
                + "broker.broadcast-address = \"127.0.0.1\"\n")
        .withFallback(ConfigFactory.defaultReference()).resolve());
    membership = new LookupdDiscovery(host, options);
    CompletableFuture<Void> started = new CompletableFuture<>();
    host.context().runOnContext(v -> membership.start().onComplete(ar -> started.complete(null)));
    started.get(5, TimeUnit.SECONDS);
  }

  private JsonObject lookup(String topic) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + lookupd.httpPort() + "/lookup?topic=" + topic)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject().put("status", r.statusCode());
  }

  private JsonObject awaitLookup(String topic, Duration within, Predicate<JsonObject> condition) throws Exception {
    return Await.value("/lookup?topic=" + topic + " to match", within, () -> lookup(topic), condition);
  }

  private static int producers(JsonObject lookup) {
    JsonArray p = lookup.getJsonArray("producers");
    return p == null ? 0 : p.size();
  }

  @Test
  void registrationShowsInLookupAndGoesWithTheLastSubscriber() throws Exception {
    startLookupd("127.0.0.1:0", "127.0.0.1:0");
    startMembership();
    host.subscription("orders", null, true);
    host.subscription("orders", "nats-group", true);
    host.nsq("orders", "workers", true);
    JsonObject found = awaitLookup("orders", Duration.ofSeconds(5),
        l -> producers(l) == 1 && l.getJsonArray("channels").contains("workers"));
    assertEquals(List.of("workers"), found.getJsonArray("channels").getList(), "a NATS queue group is no NSQ channel");
    JsonObject producer = found.getJsonArray("producers").getJsonObject(0);
    assertEquals("127.0.0.1", producer.getString("broadcast_address"));
    assertEquals(4222, producer.getInteger("tcp_port"));
    assertEquals(8222, producer.getInteger("http_port"));

    host.nsq("orders", "workers", false);
    host.nsq("orders", null, false);
    host.subscription("orders", "nats-group", false);
    host.subscription("orders", null, false);
    // nsqlookupd keeps a non-ephemeral topic registration, empty: 200 with no producers.
    awaitLookup("orders", Duration.ofSeconds(5), l -> l.getJsonArray("producers") != null && producers(l) == 0);
  }

  @Test
  void registersEverythingAgainAfterALookupdRestartWithinOnePingInterval() throws Exception {
    startLookupd("127.0.0.1:0", "127.0.0.1:0");
    int tcp = lookupd.tcpPort();
    int httpPort = lookupd.httpPort();
    startMembership();
    host.subscription("orders", null, true);
    host.nsq("jobs", "g", true);
    awaitLookup("jobs", Duration.ofSeconds(5), l -> producers(l) == 1);

    lookupd.close();
    startLookupd("127.0.0.1:" + tcp, "127.0.0.1:" + httpPort);
    long restarted = System.nanoTime();
    Duration pingInterval = Duration.ofSeconds(15); // reference.conf lookupd-ping-interval
    awaitLookup("orders", pingInterval, l -> producers(l) == 1);
    awaitLookup("jobs", pingInterval, l -> producers(l) == 1 && l.getJsonArray("channels").contains("g"));
    System.out.printf("re-registered %d ms after the lookupd restart%n", (System.nanoTime() - restarted) / 1_000_000);
  }
}
