package dev.beacon.lookupd;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The console's pages and JSON endpoints over plain HTTP, with fake brokers and nsqds behind the registry. */
@Timeout(60)
class ConsoleTest {
  private LookupdFixture f;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() {
    f = new LookupdFixture();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    f.close();
  }

  /** A node's monitoring port: path -> JSON answer, with a count of requests per path. */
  private final class FakeNode implements AutoCloseable {
    final HttpServer server;
    final Map<String, Supplier<String>> answers = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    final List<String> posts = new CopyOnWriteArrayList<>();
    final List<String> uris = new CopyOnWriteArrayList<>();

    FakeNode() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
      server.createContext("/", ex -> {
        String path = ex.getRequestURI().getPath();
        hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        uris.add(ex.getRequestURI().toString());
        if (ex.getRequestMethod().equals("POST")) {
          posts.add(path + " " + ex.getRequestHeaders().getFirst("X-Beacon-Confirm"));
        }
        Supplier<String> a = answers.get(path);
        byte[] body = (a == null ? "404 page not found" : a.get()).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(a == null ? 404 : 200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      server.start();
      closing.add(this);
    }

    int port() {
      return server.getAddress().getPort();
    }

    int hits(String path) {
      AtomicInteger n = hits.get(path);
      return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** A Beacon broker's monitoring: /varz whose in_msgs grows by 100 per request, /routez to the given server ids, /subsz. */
  private FakeNode broker(String name, String serverId, List<String> routesTo, String subsList) throws IOException {
    FakeNode n = new FakeNode();
    AtomicLong in = new AtomicLong();
    n.answers.put("/varz", () -> new JsonObject().put("beacon", true).put("server_id", serverId).put("server_name", name)
        .put("version", "2.10.0").put("beacon_version", "0.1.0").put("uptime", "1m2s").put("connections", 3)
        .put("routes", routesTo.size()).put("subscriptions", 2).put("slow_consumers", 0).put("mem", 1 << 20)
        .put("in_msgs", in.addAndGet(100)).put("out_msgs", 0).put("in_bytes", 0).put("out_bytes", 0)
        .put("cluster", new JsonObject().put("name", "beacon").put("addr", "127.0.0.1").put("cluster_port", 6222)
            .put("urls", new JsonArray()))
        .encode());
    JsonArray routes = new JsonArray();
    for (String id : routesTo) {
      routes.add(new JsonObject().put("rid", 1).put("remote_id", id).put("remote_name", id).put("uptime", "5s"));
    }
    n.answers.put("/routez", () -> new JsonObject().put("server_id", serverId).put("routes", routes).encode());
    n.answers.put("/subsz", () -> "{\"server_id\":\"" + serverId + "\",\"total\":2,\"subscriptions_list\":" + subsList + "}");
    n.answers.put("/connz", () -> "{\"server_id\":\"" + serverId + "\",\"total\":0,\"offset\":0,\"limit\":50,\"connections\":[]}");
    return n;
  }

  /** Registers a peer at lookupd whose monitoring is on httpPort, producing the given topics. */
  private TestPeer register(int httpPort, String hostname, String... topics) throws IOException {
    TestPeer p = f.connect();
    closing.add(p);
    String answer = p.identify("{\"broadcast_address\":\"127.0.0.1\",\"hostname\":\"" + hostname
        + "\",\"http_port\":" + httpPort + ",\"tcp_port\":4222,\"version\":\"0.1.0\"}");
    assertTrue(answer.startsWith("{"), answer);
    for (String t : topics) {
      assertEquals("OK", p.command("REGISTER " + t));
    }
    return p;
  }

  private JsonObject api(String pathAndQuery) throws Exception {
    HttpResponse<String> r = f.get("/console/api/" + pathAndQuery);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    return new JsonObject(r.body());
  }

  /** GETs the endpoint until the answer satisfies p (at most 10 s); returns it. */
  private JsonObject apiUntil(String pathAndQuery, Predicate<JsonObject> p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonObject last;
    do {
      last = api(pathAndQuery);
      if (p.test(last)) {
        return last;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("no answer of " + pathAndQuery + " satisfied the condition; last: " + last.encodePrettily());
  }

  private static JsonObject node(JsonObject overview, String key) {
    for (Object o : overview.getJsonArray("nodes")) {
      if (((JsonObject) o).getString("key").equals(key)) {
        return (JsonObject) o;
      }
    }
    return null;
  }

  private HttpResponse<String> action(String pathAndQuery, boolean confirmed) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.httpPort() + "/console/api/"
        + pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
    if (confirmed) {
      b.header("X-Beacon-Confirm", "yes");
    }
    return f.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pagesAreServedFromTheJarAndOtherPathsStayNsqlookupds() throws Exception {
    HttpResponse<String> r = f.get("/console");
    assertEquals(301, r.statusCode());
    assertEquals("/console/", r.headers().firstValue("Location").orElse(""));
    r = f.get("/console/");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("<script src=\"app.js\"></script>"), r.body());
    assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
    r = f.get("/console/app.js");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
    assertFalse(r.body().contains("http://") && r.body().replace("http://www.w3.org/2000/svg", "").contains("http://"),
        "the console fetches nothing from outside");
    assertEquals(404, f.get("/console/nothing.html").statusCode());
    assertEquals(404, f.get("/console/api/nothing").statusCode());
    assertEquals(405, f.post("/console/api/overview").statusCode());
    // Not the console's: nsqlookupd's answer as before.
    r = f.get("/consoles");
    assertEquals(404, r.statusCode());
    assertEquals("{\"message\":\"NOT_FOUND\"}", r.body());
    assertEquals("OK", f.get("/ping").body());
  }

  @Test
  void overviewShowsABrokerWithItsFiguresAndARateThatRises() throws Exception {
    FakeNode b = broker("b1", "ID1", List.of(), "[]");
    register(b.port(), "host1", "orders");
    String key = "127.0.0.1:" + b.port();
    JsonObject ov = apiUntil("overview", o -> {
      JsonObject n = node(o, key);
      return n != null && n.getJsonObject("rates").getDouble("in_msgs") > 0;
    });
    JsonObject n = node(ov, key);
    assertEquals("broker", n.getString("kind"));
    assertEquals("up", n.getString("status"));
    assertEquals("b1", n.getString("name"));
    assertEquals("0.1.0", n.getString("version"));
    assertEquals(3, n.getInteger("connections"));
    assertEquals(1, n.getInteger("topics"));
    assertFalse(n.getBoolean("unhealthy"));
    JsonObject lookupd = ov.getJsonArray("lookupds").getJsonObject(0);
    assertEquals("1.3.0", lookupd.getString("version"));
    assertEquals(1, lookupd.getInteger("nodes"));
    assertTrue(ov.getJsonObject("history").getJsonArray(key).size() >= 1, ov.encode());
  }

  @Test
  void aNodeThatNeverAnswersIsDownWithinTheTimeoutAndDoesNotDelayTheOthers() throws Exception {
    ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          accepted.add(silent.accept()); // accepted, never read, never answered
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    closing.add(() -> {
      silent.close();
      for (Socket s : accepted) {
        s.close();
      }
    });
    FakeNode b = broker("b1", "ID1", List.of(), "[]");
    register(b.port(), "good");
    register(silent.getLocalPort(), "silent");
    String silentKey = "127.0.0.1:" + silent.getLocalPort();

    long t0 = System.nanoTime();
    JsonObject ov = api("overview");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 1000 + 800, "the overview took " + ms + " ms with a silent node (fetch timeout 1000 ms)");
    JsonObject s = node(ov, silentKey);
    assertNotNull(s, ov.encode());
    assertEquals("down", s.getString("status"));
    assertTrue(s.getString("error").contains("no answer within 1000 ms"), s.encode());
    assertTrue(s.getBoolean("unhealthy"));
    assertEquals(silentKey, ov.getJsonArray("nodes").getJsonObject(0).getString("key"), "unhealthy nodes come first");
    assertEquals("up", node(ov, "127.0.0.1:" + b.port()).getString("status"));
    assertFalse(accepted.isEmpty(), "lookupd did connect to the silent node");

    // Every later request is also bounded by the timeout, never a sum of them.
    for (int i = 0; i < 2; i++) {
      t0 = System.nanoTime();
      api("mesh");
      ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 1000 + 800, "the mesh took " + ms + " ms");
    }
  }

  @Test
  void manyBrowsersAtOnceCostANodeOneFetchPerCachePeriod() throws Exception {
    FakeNode b = broker("b1", "ID1", List.of(), "[]");
    register(b.port(), "host1");
    api("overview");
    int before = b.hits("/varz");
    assertTrue(before >= 1);
    long t0 = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(f.http().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.httpPort()
          + "/console/api/" + (i % 2 == 0 ? "overview" : "mesh"))).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> c : all) {
      assertEquals(200, c.get().statusCode());
    }
    long periods = (System.nanoTime() - t0) / 1_000_000_000L + 1;
    int fetched = b.hits("/varz") - before;
    assertTrue(fetched <= periods, "20 requests within " + periods + " cache period(s) fetched /varz " + fetched + " times");
  }

  @Test
  void subscriptionListsAreFetchedOnlyWhileAPageShowsThem() throws Exception {
    FakeNode b = broker("b1", "ID1", List.of(), "[{\"subject\":\"orders\",\"sid\":\"1\",\"msgs\":5,\"cid\":1}]");
    register(b.port(), "host1", "orders");
    apiUntil("overview", o -> node(o, "127.0.0.1:" + b.port()) != null
        && "up".equals(node(o, "127.0.0.1:" + b.port()).getString("status")));
    assertTrue(b.uris.contains("/subsz"), b.uris.toString());
    assertFalse(b.uris.stream().anyMatch(u -> u.startsWith("/subsz?subs=1")), "the overview asked for the list: " + b.uris);
    // The first subjects request refreshes at once with the lists, whatever the cache period.
    JsonArray subjects = api("subjects").getJsonArray("subjects");
    assertEquals(1, subjects.getJsonObject(0).getJsonArray("brokers").size(), subjects.encode());
    assertTrue(b.uris.stream().anyMatch(u -> u.startsWith("/subsz?subs=1&limit=")), b.uris.toString());
  }

  @Test
  void meshHasAnEdgePerRouteAndMissingEdgesWithTheirReason() throws Exception {
    FakeNode a = broker("a", "IDA", List.of("IDB"), "[]");
    FakeNode b = broker("b", "IDB", List.of("IDA"), "[]");
    FakeNode c = broker("c", "IDC", List.of(), "[]");
    register(a.port(), "ha");
    register(b.port(), "hb");
    register(c.port(), "hc");
    JsonObject mesh = apiUntil("mesh", m -> m.getJsonArray("nodes").size() == 3
        && m.getJsonArray("nodes").stream().allMatch(n -> ((JsonObject) n).getString("status").equals("up")));
    assertEquals(1, mesh.getInteger("routes_up"));
    assertEquals(2, mesh.getInteger("routes_missing"));
    for (Object o : mesh.getJsonArray("edges")) {
      JsonObject e = (JsonObject) o;
      boolean ab = Set.of(e.getString("a"), e.getString("b")).equals(Set.of("127.0.0.1:" + a.port(), "127.0.0.1:" + b.port()));
      assertEquals(ab ? "up" : "missing", e.getString("state"), e.encode());
      if (!ab) {
        assertTrue(e.getString("reason").contains("neither broker has discovered the other"), e.encode());
      }
    }
  }

  @Test
  void subjectsJoinTheRegistryTheBrokersAndTheNsqds() throws Exception {
    FakeNode a = broker("a", "IDA", List.of(), "[{\"subject\":\"orders\",\"sid\":\"1\",\"msgs\":5,\"cid\":1},"
        + "{\"subject\":\"orders\",\"qgroup\":\"workers\",\"sid\":\"2\",\"msgs\":1,\"cid\":2}]");
    FakeNode nsqd = new FakeNode();
    nsqd.answers.put("/stats", () -> "{\"version\":\"1.3.0\",\"health\":\"OK\",\"start_time\":1700000000,\"topics\":["
        + "{\"topic_name\":\"orders\",\"depth\":7,\"message_count\":10,\"message_bytes\":100,\"channels\":["
        + "{\"channel_name\":\"archive\",\"depth\":3,\"in_flight_count\":0,\"client_count\":1,\"message_count\":4}]}],"
        + "\"producers\":[]}");
    register(a.port(), "ha", "orders");
    TestPeer p = register(nsqd.port(), "hn", "orders");
    assertEquals("OK", p.command("REGISTER orders archive"));
    JsonObject subjects = apiUntil("subjects?q=ord", s -> {
      JsonArray list = s.getJsonArray("subjects");
      return list.size() == 1 && list.getJsonObject(0).getJsonArray("nsqd").size() == 1
          && list.getJsonObject(0).getJsonArray("brokers").size() == 1;
    });
    JsonObject orders = subjects.getJsonArray("subjects").getJsonObject(0);
    assertEquals("orders", orders.getString("name"));
    assertTrue(orders.getBoolean("registered"));
    assertEquals(2, orders.getJsonArray("producers").size());
    JsonObject br = orders.getJsonArray("brokers").getJsonObject(0);
    assertEquals(2, br.getInteger("subs"));
    assertEquals("workers", br.getJsonArray("queues").getJsonObject(0).getString("name"));
    JsonObject n = orders.getJsonArray("nsqd").getJsonObject(0);
    assertEquals(7, n.getInteger("depth"));
    assertEquals("archive", n.getJsonArray("channels").getJsonObject(0).getString("name"));
    assertEquals(List.of("archive"), orders.getJsonArray("channels").stream().map(c -> ((JsonObject) c).getString("name")).toList());
    JsonObject nsqdRow = node(api("overview"), "127.0.0.1:" + nsqd.port());
    assertEquals("nsqd", nsqdRow.getString("kind"));
    assertEquals("1.3.0", nsqdRow.getString("version"));
    assertEquals(0, api("subjects?q=nothing").getJsonArray("subjects").size());
  }

  @Test
  void actionsNeedTheConfirmationHeaderAndUseTheRegistrysOwnPaths() throws Exception {
    FakeNode a = broker("a", "IDA", List.of(), "[]");
    TestPeer p = register(a.port(), "ha", "orders");
    assertEquals("OK", p.command("REGISTER orders ch1"));
    String node = "127.0.0.1:" + a.port();
    api("overview");

    assertEquals(403, action("tombstone?topic=orders&node=" + node, false).statusCode());
    assertEquals(405, f.get("/console/api/tombstone?topic=orders&node=" + node).statusCode());
    assertEquals(400, action("tombstone?topic=bad%20name&node=" + node, true).statusCode());
    assertEquals(404, action("tombstone?topic=orders&node=127.0.0.1:1", true).statusCode());
    assertTrue(f.get("/lookup?topic=orders").body().contains("\"http_port\":" + a.port()));
    HttpResponse<String> r = action("tombstone?topic=orders&node=" + node, true);
    assertEquals(200, r.statusCode(), r.body());
    assertFalse(f.get("/lookup?topic=orders").body().contains("\"http_port\":" + a.port()), "tombstoned producer still listed");
    JsonObject orders = api("subjects?q=orders").getJsonArray("subjects").getJsonObject(0);
    assertTrue(orders.getJsonArray("producers").getJsonObject(0).getBoolean("tombstoned"));

    assertEquals(404, action("channel/delete?topic=orders&channel=nope", true).statusCode());
    assertEquals(200, action("channel/delete?topic=orders&channel=ch1", true).statusCode());
    assertEquals("{\"channels\":[]}", f.get("/channels?topic=orders").body());
    assertEquals(200, action("topic/delete?topic=orders", true).statusCode());
    assertEquals(404, f.get("/lookup?topic=orders").statusCode());
    assertEquals(404, action("topic/delete?topic=orders", true).statusCode());

    // Lame duck goes to the broker's monitoring port, with the confirmation header; its refusal comes back.
    a.answers.put("/lameduck", () -> "{\"ldm\":true}");
    r = action("lameduck?node=" + node, true);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of("/lameduck yes"), a.posts);
    assertEquals(400, action("lameduck?node=127.0.0.1:1", true).statusCode());
  }

  @Test
  void connzIsPassedThroughWithCheckedParameters() throws Exception {
    FakeNode a = broker("a", "IDA", List.of(), "[]");
    register(a.port(), "ha");
    String node = "127.0.0.1:" + a.port();
    api("overview");
    assertEquals(0, api("connz?node=" + node + "&sort=bytes_to&offset=0&limit=10").getInteger("total"));
    assertEquals(400, f.get("/console/api/connz?node=" + node + "&sort=nonsense").statusCode());
    assertEquals(400, f.get("/console/api/connz?node=" + node + "&limit=0").statusCode());
    assertEquals(400, f.get("/console/api/connz?node=127.0.0.1:1").statusCode());
    JsonObject page = api("broker?node=" + node);
    assertEquals("IDA", page.getJsonObject("varz").getString("server_id"));
  }
}
