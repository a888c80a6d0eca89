package dev.beacon.lookupd;

import dev.beacon.common.Hostname;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon in-process on port 0, driven over raw TCP and HTTP. */
@Timeout(30)
class LookupdTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private LookupdFixture f;

  @BeforeEach
  void start() {
    f = new LookupdFixture();
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static JsonNode json(String s) throws IOException {
    return JSON.readTree(s);
  }

  private void assertJson(String expected, HttpResponse<String> r) throws IOException {
    assertEquals(json(expected), json(r.body()), r.body());
  }

  // ---- TCP ----------------------------------------------------------------------------------

  @Test
  void badMagicGetsFramedErrorAndClose() throws IOException {
    try (TestPeer p = new TestPeer(f.tcpPort())) {
      p.send("GET / HTTP/1.1\r\n\r\n");
      byte[] expected = {0, 0, 0, 0x0e, 'E', '_', 'B', 'A', 'D', '_', 'P', 'R', 'O', 'T', 'O', 'C', 'O', 'L'};
      assertArrayEquals(expected, p.input().readNBytes(expected.length));
      p.expectClosed();
    }
  }

  @Test
  void identifyAnswersWithRealPortsAndBroadcastAddress() throws IOException {
    try (TestPeer p = f.connect()) {
      JsonNode a = json(p.identify());
      assertEquals("127.0.0.1", a.get("broadcast_address").asText());
      assertEquals(Hostname.local(), a.get("hostname").asText());
      assertEquals(f.tcpPort(), a.get("tcp_port").asInt());
      assertEquals(f.lookupd.httpPort(), a.get("http_port").asInt());
      assertEquals("1.3.0", a.get("version").asText());
    }
  }

  @Test
  void broadcastPortsOverrideTheIdentifyAnswer() throws IOException {
    try (LookupdFixture nat = new LookupdFixture(Map.of("broadcast-tcp-port", 14160, "broadcast-http-port", 14161,
        "broadcast-address", "lookupd.example"));
         TestPeer p = nat.connect()) {
      JsonNode a = json(p.identify());
      assertEquals(14160, a.get("tcp_port").asInt());
      assertEquals(14161, a.get("http_port").asInt());
      assertEquals("lookupd.example", a.get("broadcast_address").asText());
    }
  }

  @Test
  void registerAndUnregisterShowOverHttp() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      assertEquals("OK", p.command("REGISTER orders archive"));
      assertEquals("OK", p.command("REGISTER orders"));
      assertJson("{\"channels\":[\"archive\"],\"producers\":[{\"remote_address\":\"" + p.id() + "\",\"hostname\":\"probe-host\","
          + "\"broadcast_address\":\"127.0.0.1\",\"tcp_port\":5150,\"http_port\":5151,\"version\":\"1.3.0\"}]}",
          f.get("/lookup?topic=orders"));
      assertEquals("OK", p.command("UNREGISTER orders archive"));
      assertEquals("OK", p.command("UNREGISTER orders"));
      assertJson("{\"channels\":[\"archive\"],\"producers\":[]}", f.get("/lookup?topic=orders"));
    }
  }

  @Test
  void everyErrorClosesTheConnectionAndTheDaemonStaysUp() throws IOException {
    String[][] cases = {
        {"REGISTER t", "E_INVALID client must IDENTIFY"},
        {"UNREGISTER t", "E_INVALID client must IDENTIFY"},
        {"NOPE", "E_INVALID invalid command NOPE"},
        {"", "E_INVALID invalid command "},
    };
    for (String[] c : cases) {
      try (TestPeer p = f.connect()) {
        assertEquals(c[1], p.command(c[0]));
        p.expectClosed();
      }
    }
    try (TestPeer p = f.connect()) {
      p.identify();
      assertEquals("E_BAD_CHANNEL REGISTER channel name 'x y' is not valid".replace("x y", "bad!"), p.command("REGISTER t bad!"));
      p.expectClosed();
    }
    try (TestPeer p = f.connect()) {
      p.identify();
      assertEquals("E_INVALID cannot IDENTIFY again", p.command("IDENTIFY"));
      p.expectClosed();
    }
  }

  @Test
  void negativeOrHugeIdentifyLengthIsRefusedWithoutAllocating() throws IOException {
    for (int size : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 64 * 1024 + 1}) {
      try (TestPeer p = f.connect()) {
        p.send("IDENTIFY\n");
        p.send(new byte[] {(byte) (size >>> 24), (byte) (size >>> 16), (byte) (size >>> 8), (byte) size});
        assertEquals("E_BAD_BODY IDENTIFY invalid body size " + size, p.readFrame());
        p.expectClosed();
      }
    }
    try (TestPeer p = f.connect()) {
      assertEquals("OK", p.command("PING"), "the daemon is still up");
    }
  }

  @Test
  void overlongCommandLineIsRefused() throws IOException {
    try (TestPeer p = f.connect()) {
      p.send("REGISTER " + "a".repeat(8192));
      assertEquals("E_INVALID command line longer than 4096 bytes", p.readFrame());
      p.expectClosed();
    }
  }

  @Test
  void halfClosedClientStillGetsItsErrorFrame() throws IOException {
    try (TestPeer p = f.connect()) {
      p.send("IDENTIFY\n");
      p.send(new byte[] {0, 0});
      p.socket.shutdownOutput();
      assertEquals("E_BAD_BODY IDENTIFY failed to read body size", p.readFrame());
      p.expectClosed();
    }
    try (TestPeer p = f.connect()) {
      p.send(TestPeer.identifyBytes(TestPeer.IDENTIFY_BODY));
      p.readFrame();
      p.send("IDENTIFY\n\0\0\0\u0010{\"broadcast");
      p.socket.shutdownOutput();
      assertEquals("E_INVALID cannot IDENTIFY again", p.readFrame());
    }
    try (TestPeer p = f.connect()) {
      p.send("IDENTIFY\n\0\0\0\u0010{\"broadcast");
      p.socket.shutdownOutput();
      assertEquals("E_BAD_BODY IDENTIFY failed to read body", p.readFrame());
    }
    try (TestPeer p = f.connect()) {
      p.send("BOGUS\n");
      p.socket.shutdownOutput();
      assertEquals("E_INVALID invalid command BOGUS", p.readFrame());
    }
    try (TestPeer p = f.connect()) {
      p.send("PING\nPING\n");
      p.socket.shutdownOutput();
      assertEquals("OK", p.readFrame());
      assertEquals("OK", p.readFrame());
      p.expectClosed();
    }
  }

  @Test
  void disconnectRemovesProducersAndOrphanedEphemerals() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER t c");
      p.command("REGISTER t e#ephemeral");
      p.command("REGISTER gone#ephemeral");
      assertJson("{\"topics\":[\"gone#ephemeral\",\"t\"]}", f.get("/topics"));
    }
    assertEquals("{\"topics\":[\"t\"]}", f.awaitGet("/topics", b -> b.equals("{\"topics\":[\"t\"]}")));
    assertJson("{\"channels\":[\"c\"],\"producers\":[]}", f.get("/lookup?topic=t"));
    assertJson("{\"producers\":[]}", f.get("/nodes"));
  }

  @Test
  void deadPeerIsDetectedByReadIdleTimeout() throws Exception {
    try (LookupdFixture quick = new LookupdFixture(Map.of("client-timeout", "300ms"));
         TestPeer p = quick.connect()) {
      p.identify();
      p.command("REGISTER t");
      long start = System.nanoTime();
      p.expectClosed();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms >= 250, "closed after " + ms + " ms");
      assertEquals("{\"channels\":[],\"producers\":[]}",
          quick.awaitGet("/lookup?topic=t", b -> b.contains("\"producers\":[]")));
      assertEquals("{\"producers\":[]}", quick.awaitGet("/nodes", b -> b.equals("{\"producers\":[]}")));
    }
  }

  @Test
  void pingsKeepAPeerAliveAcrossTheIdleTimeout() throws Exception {
    try (LookupdFixture quick = new LookupdFixture(Map.of("client-timeout", "800ms"));
         TestPeer p = quick.connect()) {
      p.identify();
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
      while (System.nanoTime() < end) {
        assertEquals("OK", p.command("PING"));
        p.expectNothing(Duration.ofMillis(100)); // the pace of the PINGs; the connection stays open and quiet between them
      }
      assertEquals("OK", p.command("PING"));
    }
  }

  @Test
  void inactiveProducersHiddenAndPingRevives() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER t");
      f.advance(Duration.ofSeconds(301));
      assertJson("{\"channels\":[],\"producers\":[]}", f.get("/lookup?topic=t"));
      assertJson("{\"producers\":[]}", f.get("/nodes"));
      assertJson("{\"topics\":[\"t\"]}", f.get("/topics"));
      p.command("PING");
      assertEquals(1, json(f.get("/lookup?topic=t").body()).get("producers").size());
      assertEquals(1, json(f.get("/nodes").body()).get("producers").size());
    }
  }

  @Test
  void tombstoneHidesFromLookupShowsInNodesAndExpires() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER t");
      p.command("REGISTER u");
      assertEquals(200, f.post("/topic/tombstone?topic=t&node=127.0.0.1:5151").statusCode());
      assertJson("{\"channels\":[],\"producers\":[]}", f.get("/lookup?topic=t"));
      assertEquals(1, json(f.get("/lookup?topic=u").body()).get("producers").size());
      JsonNode node = json(f.get("/nodes").body()).get("producers").get(0);
      assertEquals(json("[true,false]"), node.get("tombstones"));
      assertEquals(json("[\"t\",\"u\"]"), node.get("topics"));
      f.advance(Duration.ofSeconds(45));
      assertEquals(1, json(f.get("/lookup?topic=t").body()).get("producers").size());
      assertEquals(json("[false,false]"), json(f.get("/nodes").body()).get("producers").get(0).get("tombstones"));
    }
  }

  @Test
  void ipv6PeersGetBracketedShortIds() throws Exception {
    LookupdFixture v6;
    try {
      v6 = new LookupdFixture(Map.of("tcp-address", "[::1]:0"));
    } catch (RuntimeException e) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
      return;
    }
    try (v6; Socket s = new Socket("::1", v6.tcpPort())) {
      s.getOutputStream().write("  V1".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(TestPeer.identifyBytes(TestPeer.IDENTIFY_BODY));
      s.getOutputStream().write("REGISTER t\n".getBytes(StandardCharsets.US_ASCII));
      JsonNode p = json(v6.awaitGet("/lookup?topic=t", b -> b.contains("remote_address"))).get("producers").get(0);
      assertEquals("[::1]:" + s.getLocalPort(), p.get("remote_address").asText());
    }
  }

  @Test
  void nodesAreSortedAndTopologyIsEchoedOnlyWhenSent() throws Exception {
    try (TestPeer b = f.connect(); TestPeer a = f.connect()) {
      b.identify();
      a.identify("{\"broadcast_address\":\"a\",\"tcp_port\":1,\"http_port\":2,\"version\":\"1.3.0\","
          + "\"topology_zone\":\"z1\",\"topology_region\":\"r1\"}");
      a.command("REGISTER t");
      JsonNode nodes = json(f.get("/nodes").body()).get("producers");
      String first = nodes.get(0).get("remote_address").asText();
      String second = nodes.get(1).get("remote_address").asText();
      assertTrue(first.compareTo(second) < 0, first + " before " + second);
      JsonNode withTopology = json(f.get("/lookup?topic=t").body()).get("producers").get(0);
      assertEquals("z1", withTopology.get("topology_zone").asText());
      assertEquals("r1", withTopology.get("topology_region").asText());
      for (JsonNode n : nodes) {
        if (n.get("remote_address").asText().equals(b.id())) {
          assertFalse(n.has("topology_zone"), "v1.3.0 peers get v1.3.0 answers");
        }
      }
    }
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  @Test
  void pingInfoAndEnvelopeHeaders() throws Exception {
    HttpResponse<String> ping = f.get("/ping");
    assertEquals("OK", ping.body());
    assertEquals("text/plain; charset=utf-8", ping.headers().firstValue("content-type").orElse(""));
    assertFalse(ping.headers().firstValue("x-nsq-content-type").isPresent());
    HttpResponse<String> info = f.get("/info");
    assertEquals("{\"version\":\"1.3.0\"}", info.body());
    assertEquals("application/json; charset=utf-8", info.headers().firstValue("content-type").orElse(""));
    assertEquals("nsq; version=1.0", info.headers().firstValue("x-nsq-content-type").orElse(""));
  }

  @Test
  void errorsAndRouterBehaviour() throws Exception {
    HttpResponse<String> r = f.get("/nosuch");
    assertEquals(404, r.statusCode());
    assertEquals("{\"message\":\"NOT_FOUND\"}", r.body());
    r = f.get("/topic/create?topic=x");
    assertEquals(405, r.statusCode());
    assertEquals("{\"message\":\"METHOD_NOT_ALLOWED\"}", r.body());
    assertEquals("OPTIONS, POST", r.headers().firstValue("allow").orElse(""));
    r = f.post("/ping");
    assertEquals(405, r.statusCode());
    assertEquals("GET, OPTIONS", r.headers().firstValue("allow").orElse(""));
    r = f.request("HEAD", "/ping");
    assertEquals(405, r.statusCode());
    assertEquals("", r.body());
    r = f.request("OPTIONS", "/lookup");
    assertEquals(200, r.statusCode());
    assertEquals("GET, OPTIONS", r.headers().firstValue("allow").orElse(""));
    assertEquals("", r.body());
    r = f.get("/lookup/?topic=x");
    assertEquals(301, r.statusCode());
    assertEquals("/lookup?topic=x", r.headers().firstValue("location").orElse(""));
    // Byte for byte what nsqlookupd's httprouter (Go's http.Redirect) answers, HTML escaping included.
    String redirect = f.raw("GET", "/lookup/?topic=x&a=%3Cb%3E'");
    assertTrue(redirect.startsWith("HTTP/1.1 301 Moved Permanently\r\n"), redirect);
    assertTrue(redirect.contains("\r\nContent-Type: text/html; charset=utf-8\r\n")
        || redirect.contains("\r\ncontent-type: text/html; charset=utf-8\r\n"), redirect);
    assertTrue(redirect.endsWith("\r\n\r\n<a href=\"/lookup?topic=x&amp;a=%3Cb%3E&#39;\">Moved Permanently</a>.\n\n"), redirect);
    r = f.post("/TOPIC/create?topic=x");
    assertEquals(307, r.statusCode());
    assertEquals("/topic/create?topic=x", r.headers().firstValue("location").orElse(""));
    assertEquals("", r.body());
    String bad = f.raw("GET", "/lookup?topic=%zz");
    assertTrue(bad.startsWith("HTTP/1.1 400 "), bad);
    assertTrue(bad.endsWith("{\"message\":\"INVALID_REQUEST\"}"), bad);
    assertTrue(f.raw("GET", "/ping?%zz").startsWith("HTTP/1.1 200 "), "routes without parameters ignore the query");
    r = f.get("/topic/create/?topic=x");
    assertEquals(404, r.statusCode(), "no redirect to a path that exists only for another method");
    r = f.get("/lookup?topic=a;b=c");
    assertEquals(400, r.statusCode());
    assertEquals("{\"message\":\"INVALID_REQUEST\"}", r.body());
    assertEquals(400, f.get("/lookup").statusCode());
    assertEquals(400, f.get("/channels").statusCode());
    r = f.get("/lookup?topic=nope&extra=ignored");
    assertEquals(404, r.statusCode());
    assertEquals("{\"message\":\"TOPIC_NOT_FOUND\"}", r.body());
  }

  @Test
  void mutationsValidateAndRefuseWildcard() throws Exception {
    String[][] cases = {
        {"/topic/create", "400", "MISSING_ARG_TOPIC"},
        {"/topic/create?topic=bad!", "400", "INVALID_ARG_TOPIC"},
        {"/topic/create?topic=*", "400", "INVALID_ARG_TOPIC"},
        {"/topic/delete?topic=*", "400", "INVALID_ARG_TOPIC"},
        {"/topic/delete", "400", "MISSING_ARG_TOPIC"},
        {"/channel/create?topic=t", "400", "MISSING_ARG_CHANNEL"},
        {"/channel/create?topic=t&channel=*", "400", "INVALID_ARG_CHANNEL"},
        {"/channel/delete?topic=*&channel=c", "400", "INVALID_ARG_TOPIC"},
        {"/channel/delete?topic=t&channel=c", "404", "CHANNEL_NOT_FOUND"},
        {"/topic/tombstone?topic=t", "400", "MISSING_ARG_NODE"},
        {"/topic/tombstone?topic=*&node=a:1", "400", "INVALID_ARG_TOPIC"},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = f.post(c[0]);
      assertEquals(Integer.parseInt(c[1]), r.statusCode(), c[0]);
      assertEquals("{\"message\":\"" + c[2] + "\"}", r.body(), c[0]);
    }
  }

  @Test
  void mutationsAndReadsAreSortedAndNeverNull() throws Exception {
    assertJson("{\"topics\":[]}", f.get("/topics"));
    assertJson("{\"channels\":[]}", f.get("/channels?topic=none"));
    assertJson("{\"producers\":[]}", f.get("/nodes"));
    assertJson("{}", f.get("/debug"));
    HttpResponse<String> created = f.post("/topic/create?topic=zeta");
    assertEquals(200, created.statusCode());
    assertEquals("", created.body());
    assertFalse(created.headers().firstValue("content-type").isPresent());
    assertEquals("nsq; version=1.0", created.headers().firstValue("x-nsq-content-type").orElse(""));
    f.post("/channel/create?topic=alpha&channel=c2");
    f.post("/channel/create?topic=alpha&channel=c1");
    assertEquals("{\"topics\":[\"alpha\",\"zeta\"]}", f.get("/topics").body());
    assertEquals("{\"channels\":[\"c1\",\"c2\"]}", f.get("/channels?topic=alpha").body());
    assertEquals("{\"channels\":[\"c1\",\"c2\"],\"producers\":[]}", f.get("/lookup?topic=alpha").body());
    assertEquals(200, f.post("/channel/delete?topic=alpha&channel=c1").statusCode());
    assertEquals("{\"channels\":[\"c2\"]}", f.get("/channels?topic=alpha").body());
    assertEquals(200, f.post("/topic/delete?topic=alpha").statusCode());
    assertEquals(200, f.post("/topic/delete?topic=never").statusCode());
    assertEquals("{\"topics\":[\"zeta\"]}", f.get("/topics").body());
    assertEquals(404, f.get("/lookup?topic=alpha").statusCode());
  }

  @Test
  void wildcardReadsKeepNsqlookupdSemantics() throws Exception {
    assertEquals(404, f.get("/lookup?topic=*").statusCode());
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER a c1");
      p.command("REGISTER b c2");
      JsonNode all = json(f.get("/lookup?topic=*").body());
      assertEquals(json("[\"c1\",\"c2\"]"), all.get("channels"));
      assertEquals(1, all.get("producers").size(), "deduplicated by peer");
      assertEquals("{\"channels\":[\"c1\",\"c2\"]}", f.get("/channels?topic=*").body());
    }
  }

  @Test
  void debugDumpsRegistrations() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER t c");
      JsonNode d = json(f.get("/debug").body());
      assertEquals(json("[\"channel:t:c\",\"client::\",\"topic:t:\"]"), JSON.valueToTree(iter(d.fieldNames())));
      JsonNode prod = d.get("topic:t:").get(0);
      assertEquals(p.id(), prod.get("id").asText());
      assertEquals(LookupdFixture.T0, prod.get("last_update").asLong());
      assertEquals(RegistrationDb.GO_ZERO_TIME_NANOS, prod.get("tombstoned_at").asLong());
    }
  }

  private static java.util.List<String> iter(java.util.Iterator<String> it) {
    java.util.List<String> l = new java.util.ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  @Test
  void metricsCountRegistrationsConnectionsAndRequests() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER t c");
      f.get("/lookup?topic=t");
      f.get("/lookup?topic=t");
      HttpResponse<String> m = f.get("/metrics");
      assertTrue(m.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
      String body = m.body();
      assertTrue(body.contains("lookupd_registrations{category=\"topic\"} 1\n"), body);
      assertTrue(body.contains("lookupd_registrations{category=\"channel\"} 1\n"), body);
      assertTrue(body.contains("lookupd_producers{category=\"client\"} 1\n"), body);
      assertTrue(body.contains("lookupd_tcp_connections 1\n"), body);
      assertTrue(body.contains("lookupd_http_requests_total{route=\"/lookup\"} 2\n"), body);
      assertTrue(body.contains("lookupd_tcp_commands_total{verb=\"REGISTER\"} 1\n"), body);
    }
  }

  // ---- long-poll /lookup (push discovery) ----------------------------------------------------

  private CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
    return f.http().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.lookupd.httpPort() + pathAndQuery))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String version(HttpResponse<String> r) {
    return r.headers().firstValue("x-lookupd-version").orElseThrow();
  }

  private void awaitWaiters(int n) throws Exception {
    String want = "lookupd_lookup_waiters " + n + "\n";
    assertTrue(f.awaitGet("/metrics", b -> b.contains(want)).contains(want), "waiters never reached " + n);
  }

  @Test
  void longPollAnswersAsSoonAsTheTopicChanges() throws Exception {
    try (TestPeer p = f.connect()) {
      p.identify();
      p.command("REGISTER t");
      HttpResponse<String> first = f.get("/lookup?topic=t");
      CompletableFuture<HttpResponse<String>> poll = getAsync("/lookup?topic=t&wait=15s&version=" + version(first));
      awaitWaiters(1);
      assertFalse(poll.isDone());
      long start = System.nanoTime();
      p.command("REGISTER t fresh");
      HttpResponse<String> changed = poll.get(5, TimeUnit.SECONDS);
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
      assertEquals(200, changed.statusCode());
      assertEquals(json("[\"fresh\"]"), json(changed.body()).get("channels"));
      assertTrue(Long.parseLong(version(changed)) > Long.parseLong(version(first)));
    }
  }

  @Test
  void longPollOnAMissingTopicAnswersWhenItAppears() throws Exception {
    HttpResponse<String> missing = f.get("/lookup?topic=later");
    assertEquals(404, missing.statusCode());
    assertEquals("0", version(missing));
    CompletableFuture<HttpResponse<String>> poll = getAsync("/lookup?topic=later&wait=15s&version=0");
    awaitWaiters(1);
    f.post("/topic/create?topic=later");
    HttpResponse<String> r = poll.get(5, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    assertEquals("{\"channels\":[],\"producers\":[]}", r.body());
  }

  @Test
  void longPollTimesOutWithTheCurrentAnswerAndStaleVersionAnswersAtOnce() throws Exception {
    f.post("/topic/create?topic=t");
    HttpResponse<String> first = f.get("/lookup?topic=t");
    long start = System.nanoTime();
    HttpResponse<String> same = f.get("/lookup?topic=t&wait=300ms&version=" + version(first));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms >= 250, "answered after " + ms + " ms");
    assertEquals(first.body(), same.body());
    start = System.nanoTime();
    HttpResponse<String> stale = f.get("/lookup?topic=t&wait=10s&version=1");
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
    assertEquals(200, stale.statusCode());
    assertEquals(400, f.get("/lookup?topic=t&wait=forever&version=1").statusCode());
    assertEquals(0, json("0").asInt());
  }

  @Test
  void aLongPollWhoseClientGoesAwayIsForgotten() throws Exception {
    try (Socket s = new Socket("127.0.0.1", f.lookupd.httpPort())) {
      s.getOutputStream().write("GET /lookup?topic=x&wait=20s&version=0 HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      awaitWaiters(1);
    }
    awaitWaiters(0);
    assertTrue(f.get("/metrics").body().contains("lookupd_lookup_waiters 0\n"));
  }

  @Test
  void longPollWaitersAreBounded() throws Exception {
    try (LookupdFixture small = new LookupdFixture(Map.of("max-lookup-waiters", 1))) {
      CompletableFuture<HttpResponse<String>> parked = small.http().sendAsync(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + small.lookupd.httpPort() + "/lookup?topic=x&wait=10s&version=0")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(small.awaitGet("/metrics", b -> b.contains("lookupd_lookup_waiters 1\n")).contains("lookupd_lookup_waiters 1\n"));
      HttpResponse<String> r = small.get("/lookup?topic=x&wait=10s&version=0");
      assertEquals(503, r.statusCode());
      assertEquals("{\"message\":\"TOO_MANY_WAITERS\"}", r.body());
      small.post("/topic/create?topic=x");
      assertEquals(200, parked.get(5, TimeUnit.SECONDS).statusCode());
    }
  }

  @Test
  void nodesLongPollAnswersAsSoonAsTheNodeSetChanges() throws Exception {
    HttpResponse<String> first = f.get("/nodes");
    assertEquals("{\"producers\":[]}", first.body());
    CompletableFuture<HttpResponse<String>> poll = getAsync("/nodes?wait=15s&version=" + version(first));
    awaitWaiters(1);
    assertFalse(poll.isDone());
    try (TestPeer p = f.connect()) {
      p.identify();
      HttpResponse<String> joined = poll.get(5, TimeUnit.SECONDS);
      assertEquals(200, joined.statusCode());
      assertEquals(1, json(joined.body()).get("producers").size());
      assertTrue(Long.parseLong(version(joined)) > Long.parseLong(version(first)));
      assertEquals(version(joined), version(f.get("/nodes")));

      CompletableFuture<HttpResponse<String>> next = getAsync("/nodes?wait=15s&version=" + version(joined));
      awaitWaiters(1);
      f.post("/topic/create?topic=unrelated"); // not in /nodes: the poll stays parked
      awaitWaiters(1);
      p.command("REGISTER t");
      HttpResponse<String> registered = next.get(5, TimeUnit.SECONDS);
      assertEquals(json("[\"t\"]"), json(registered.body()).get("producers").get(0).get("topics"));
      awaitWaiters(0);
    }
  }

  @Test
  void nodesLongPollTimesOutWithTheCurrentAnswerAndStaleVersionAnswersAtOnce() throws Exception {
    HttpResponse<String> first = f.get("/nodes");
    long start = System.nanoTime();
    HttpResponse<String> same = f.get("/nodes?wait=300ms&version=" + version(first));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms >= 250, "answered after " + ms + " ms");
    assertEquals(first.body(), same.body());
    assertEquals(version(first), version(same));
    start = System.nanoTime();
    HttpResponse<String> stale = f.get("/nodes?wait=10s&version=" + (Long.parseLong(version(first)) + 1));
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
    assertEquals(first.body(), stale.body());
    assertEquals(400, f.get("/nodes?wait=forever&version=1").statusCode());
    assertEquals("{\"message\":\"INVALID_ARG_VERSION\"}", f.get("/nodes?wait=1s&version=x").body());
    // nsqlookupd's /nodes reads no parameters: a malformed query is ignored, not refused
    assertEquals(first.body(), f.get("/nodes?a=1;b=2").body());
  }

  @Test
  void nodesAndLookupLongPollsShareTheWaiterBound() throws Exception {
    try (LookupdFixture small = new LookupdFixture(Map.of("max-lookup-waiters", 1))) {
      String v = small.get("/nodes").headers().firstValue("x-lookupd-version").orElseThrow();
      CompletableFuture<HttpResponse<String>> parked = small.http().sendAsync(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + small.lookupd.httpPort() + "/nodes?wait=10s&version=" + v)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(small.awaitGet("/metrics", b -> b.contains("lookupd_lookup_waiters 1\n")).contains("lookupd_lookup_waiters 1\n"));
      assertEquals(503, small.get("/lookup?topic=x&wait=10s&version=0").statusCode());
      assertEquals(503, small.get("/nodes?wait=10s&version=" + v).statusCode());
      try (TestPeer p = small.connect()) {
        p.identify();
        assertEquals(200, parked.get(5, TimeUnit.SECONDS).statusCode());
      }
    }
  }

  @Test
  void garbageOnTheHttpPortLeavesTheDaemonUp() throws IOException {
    // a client that connects to the HTTP port and sends garbage gets a 400 from Vert.x, and the daemon stays up
    try (Socket s = new Socket("127.0.0.1", f.lookupd.httpPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("\u0001\u0002garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      s.getInputStream().read();
    } catch (IOException e) {
      // closed is fine too
    }
    try (TestPeer p = f.connect()) {
      assertEquals("OK", p.command("PING"));
    }
  }
}
