package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.testkit.Await;
import dev.beacon.testkit.JarProcess;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged jars as users run them (failsafe, after package): lookupd plus three brokers given
 * only --lookupd-tcp-address form one cluster; a broker killed with SIGKILL leaves it cleanly.
 */
@Timeout(240)
class ClusterProcessIT {
  private static final Path LOOKUPD_JAR = Path.of("..", "lookupd", "target", "lookupd.jar");
  private static final Path BROKER_JAR = Path.of("target", "broker.jar");
  private static final Pattern LOOKUPD_READY = Pattern.compile("lookupd: ready, tcp [^ ]+:(\\d+) http [^ ]+:(\\d+).*");
  private static final Pattern BROKER_READY =
      Pattern.compile("broker: ready, .*clients on [^ ]+:(\\d+), monitoring on [^ ]+:(\\d+), routes on [^ ]+:(\\d+).*");
  // Generous for a loaded 2-core CI box: four JVMs start at once here; the conditions are unchanged.
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<JarProcess> processes = new ArrayList<>();

  /** A started daemon: its process and the ports from its ready line. */
  private record Daemon(JarProcess jar, int[] ports) {
    Process process() {
      return jar.process();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    for (JarProcess p : processes) {
      p.kill();
    }
  }

  private Daemon start(Path jar, Pattern ready, String... args) throws Exception {
    JarProcess p = JarProcess.start(jar, args);
    processes.add(p);
    return new Daemon(p, p.awaitReady(ready, WAIT));
  }

  private JsonObject get(int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject();
  }

  private Set<String> routedTo(Daemon broker) throws Exception {
    JsonArray routes = get(broker.ports()[1], "/routez").getJsonArray("routes", new JsonArray());
    Set<String> names = new HashSet<>();
    for (int i = 0; i < routes.size(); i++) {
      names.add(routes.getJsonObject(i).getString("remote_name"));
    }
    return names;
  }

  private static void await(String what, TestCluster.Check check) throws Exception {
    TestCluster.await(what, WAIT, check);
  }

  @Test
  void brokersStartedWithOnlyALookupdAddressFormOneCluster() throws Exception {
    Daemon lookupd = start(LOOKUPD_JAR, LOOKUPD_READY,
        "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--broadcast-address=127.0.0.1");
    String lookupdTcp = "127.0.0.1:" + lookupd.ports()[0];
    int lookupdHttp = lookupd.ports()[1];
    Map<String, Daemon> brokers = new LinkedHashMap<>();
    for (String name : List.of("p1", "p2", "p3")) {
      brokers.put(name, start(BROKER_JAR, BROKER_READY, "--listen=127.0.0.1:0", "--http=127.0.0.1:0",
          "--cluster=127.0.0.1:0", "--lookupd-tcp-address", lookupdTcp, "--broadcast-address=127.0.0.1", "--name=" + name));
    }
    await("full mesh", () -> routedTo(brokers.get("p1")).equals(Set.of("p2", "p3"))
        && routedTo(brokers.get("p2")).equals(Set.of("p1", "p3")) && routedTo(brokers.get("p3")).equals(Set.of("p1", "p2")));

    Options.Builder o = new Options.Builder().connectionTimeout(Duration.ofSeconds(5));
    try (Connection pub = Nats.connect(o.server("nats://127.0.0.1:" + brokers.get("p1").ports()[0]).build());
         Connection sub = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + brokers.get("p3").ports()[0]).build())) {
      Subscription s = sub.subscribe("orders");
      sub.flush(Duration.ofSeconds(5));
      await("orders in lookupd", () -> {
        JsonArray producers = get(lookupdHttp, "/lookup?topic=orders").getJsonArray("producers");
        return producers != null && producers.size() == 1
            && producers.getJsonObject(0).getInteger("tcp_port") == brokers.get("p3").ports()[0];
      });
      // Interest crosses the route shortly after it reaches lookupd; publish until the first message arrives.
      io.nats.client.Message m = Await.nonNull("a publish on p1 to reach the subscriber on p3", WAIT, () -> {
        pub.publish("orders", "hello".getBytes(StandardCharsets.UTF_8));
        return s.nextMessage(Duration.ofMillis(200));
      });
      assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));
    }

    // SIGKILL p1: lookupd drops it at once (its socket closes), the others stay routed to each other.
    brokers.get("p1").process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    await("p1 gone from /nodes", () -> get(lookupdHttp, "/nodes").getJsonArray("producers", new JsonArray()).size() == 2);
    await("p2 and p3 routed to each other only", () -> routedTo(brokers.get("p2")).equals(Set.of("p3"))
        && routedTo(brokers.get("p3")).equals(Set.of("p2")));
  }
}
