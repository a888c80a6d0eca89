package dev.beacon.broker.discovery;

import dev.beacon.testkit.Await;

import dev.beacon.broker.Broker;
import dev.beacon.broker.RunningBroker;
import dev.beacon.lookupd.Lookupd;
import dev.beacon.lookupd.LookupdFixture;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** An in-process cluster for tests: lookupds and brokers on 127.0.0.1 ephemeral ports in one Vert.x, plus jnats clients. */
final class TestCluster implements AutoCloseable {
  /** Cluster settings for tests; everything else is reference.conf. */
  static final String BROKER_CONFIG = "broker.discovery-peer-expiry = 3s\n";

  final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, LookupdFixture> lookupds = new LinkedHashMap<>();
  private final Map<String, String> deployments = new LinkedHashMap<>();
  final Map<String, Broker> brokers = new LinkedHashMap<>();
  /** Each broker's lookupd discovery, as its factory created it (read from the test thread). */
  private final Map<String, LookupdDiscovery> discoveries = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Connection> clients = new ArrayList<>();

  Lookupd startLookupd(String name, String tcp, String httpAddress) throws Exception {
    return startLookupd(name, tcp, httpAddress, Map.of());
  }

  /** With more lookupd settings (registration-secret, tls-cert, ...). */
  Lookupd startLookupd(String name, String tcp, String httpAddress, Map<String, ?> more) throws Exception {
    Map<String, Object> o = new java.util.HashMap<>(Map.of("tcp-address", tcp, "http-address", httpAddress));
    o.putAll(more);
    LookupdFixture l = new LookupdFixture(vertx, o);
    lookupds.put(name, l);
    return l.lookupd();
  }

  Lookupd lookupd(String name) {
    return lookupds.get(name).lookupd();
  }

  String lookupdTcp(String name) {
    return lookupds.get(name).tcpAddress();
  }

  /** Starts a broker registered with the given lookupd TCP addresses. */
  Broker startBroker(String name, String... lookupdTcpAddresses) throws Exception {
    return startBrokerWith(name, "", lookupdTcpAddresses);
  }

  /** With more broker settings (HOCON lines). */
  Broker startBrokerWith(String name, String more, String... lookupdTcpAddresses) throws Exception {
    String list = java.util.Arrays.stream(lookupdTcpAddresses).map(a -> "\"" + a + "\"").collect(Collectors.joining(","));
    Broker b = new Broker(RunningBroker.options("broker.name = \"" + name + "\"\n"
        + "broker.lookupd-tcp-address = [" + list + "]\n" + BROKER_CONFIG + more), (host, options) -> {
          LookupdDiscovery d = new LookupdDiscovery(host, options);
          discoveries.put(name, d);
          return d;
        });
    deployments.put(name, vertx.deployVerticle(b).await(10, TimeUnit.SECONDS));
    brokers.put(name, b);
    return b;
  }

  /** Undeploys a broker or lookupd (its sockets close, as when the process dies). */
  void stop(String name) throws Exception {
    LookupdFixture lookupd = lookupds.remove(name);
    if (lookupd != null) {
      lookupd.close();
      return;
    }
    vertx.undeploy(deployments.remove(name)).await(10, TimeUnit.SECONDS);
    brokers.remove(name);
    discoveries.remove(name);
  }

  String url(String broker) {
    return "nats://127.0.0.1:" + brokers.get(broker).clientPort();
  }

  Connection connect(String broker) throws Exception {
    return connect(new Options.Builder().server(url(broker)));
  }

  Connection connect(Options.Builder options) throws Exception {
    Connection c = Nats.connect(options.connectionTimeout(Duration.ofSeconds(2)).noRandomize().build());
    clients.add(c);
    return c;
  }

  JsonObject get(int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject().put("http_status", r.statusCode());
  }

  /** The route peers a broker's discovery last handed it. */
  Set<dev.beacon.common.HostPort> routePeers(String broker) throws Exception {
    PeerDiscovery d = discovery(broker);
    return d == null ? Set.of() : d.peers();
  }

  /** The broker's lookupd registrars (one per lookupd-tcp-address). */
  List<LookupdRegistrar> registrars(String broker) {
    LookupdDiscovery d = discoveries.get(broker);
    return d == null ? List.of() : d.registrars();
  }

  PeerDiscovery discovery(String broker) throws Exception {
    LookupdDiscovery d = discoveries.get(broker);
    return d == null ? null : d.discovery();
  }

  /** True when every broker's discovery has every other broker as a route peer. */
  boolean discoveredAll() throws Exception {
    for (String b : brokers.keySet()) {
      if (routePeers(b).size() != brokers.size() - 1) {
        return false;
      }
    }
    return true;
  }

  /** The server names a broker has routes to, from its /routez. */
  Set<String> routedTo(String broker) throws Exception {
    JsonArray routes = get(brokers.get(broker).httpPort(), "/routez").getJsonArray("routes");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < routes.size(); i++) {
      names.add(routes.getJsonObject(i).getString("remote_name"));
    }
    return names;
  }

  /** True when every running broker has a route to every other one. */
  boolean fullMesh() throws Exception {
    for (String b : brokers.keySet()) {
      Set<String> others = new HashSet<>(brokers.keySet());
      others.remove(b);
      if (!routedTo(b).equals(others)) {
        return false;
      }
    }
    return true;
  }

  /** How many of a broker's routes taught it {@code sub} ("subject" or "subject queue"). */
  int routesWithInterest(String broker, String sub) throws Exception {
    JsonArray routes = get(brokers.get(broker).httpPort(), "/routez?subs=1").getJsonArray("routes");
    int n = 0;
    for (int i = 0; i < routes.size(); i++) {
      JsonArray subs = routes.getJsonObject(i).getJsonArray("subscriptions_list");
      if (subs != null && subs.contains(sub)) {
        n++;
      }
    }
    return n;
  }

  static void await(String what, Duration within, Check check) {
    Await.until(what, within, check::ok);
  }

  /** A condition polled with a deadline (may throw, e.g. on HTTP). */
  interface Check {
    boolean ok() throws Exception;
  }

  static BooleanSupplier unchecked(Check c) {
    return () -> {
      try {
        return c.ok();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    };
  }

  @Override
  public void close() throws Exception {
    for (Connection c : clients) {
      try {
        c.close();
      } catch (Exception ignored) {
        // already closed by the test
      }
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
