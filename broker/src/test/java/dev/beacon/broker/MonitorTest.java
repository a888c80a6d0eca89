package dev.beacon.broker;

import dev.beacon.testkit.Await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitoring endpoints with nats-server's field names. */
@Timeout(30)
class MonitorTest {
  static RunningBroker b;
  static final List<RawConn> conns = new ArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    b = RunningBroker.start("broker.name=mon-1");
    // cid order: 3 clients with 1, 2 and 3 subscriptions; the last one publishes 5 messages.
    for (int i = 1; i <= 3; i++) {
      RawConn c = RawConn.connect(b.port(), "{\"verbose\":false,\"name\":\"c" + i + "\",\"lang\":\"raw\"}");
      StringBuilder sb = new StringBuilder();
      for (int s = 0; s < i; s++) {
        sb.append("SUB mon.").append(i).append('.').append(s).append(' ').append(s + 1).append("\r\n");
      }
      c.send(sb.append("PING\r\n").toString()).expect("PONG\r\n");
      conns.add(c);
    }
    conns.get(2).send("PUB mon.1.0 3\r\nabc\r\n".repeat(5) + "PING\r\n").expect("PONG\r\n");
    conns.get(0).expect("(MSG mon.1.0 1 3\r\nabc\r\n){5}");
  }

  @AfterAll
  static void stop() throws Exception {
    for (RawConn c : conns) {
      c.close();
    }
    b.close();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.broker.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), r.body());
    return json.readTree(r.body());
  }

  @Test
  void varzIdentifiesABeaconBrokerAndAdvertisesTheRoutePort() throws Exception {
    JsonNode v = getJson("/varz");
    assertTrue(v.path("beacon").asBoolean());
    assertEquals(b.broker.serverId(), v.path("server_id").asText());
    assertEquals("mon-1", v.path("server_name").asText());
    assertEquals(b.port(), v.path("port").asInt());
    assertEquals(b.broker.httpPort(), v.path("http_port").asInt());
    assertEquals(b.broker.clusterPort(), v.path("cluster").path("cluster_port").asInt());
    assertEquals("127.0.0.1", v.path("cluster").path("addr").asText());
    assertEquals("beacon", v.path("cluster").path("name").asText());
    assertTrue(v.path("cluster").path("urls").isArray());
    assertEquals(1048576, v.path("max_payload").asInt());
    assertEquals(3, v.path("connections").asInt());
    assertEquals(6, v.path("subscriptions").asInt());
    assertTrue(v.path("in_msgs").asLong() >= 5);
    assertTrue(v.path("out_msgs").asLong() >= 5);
    assertEquals(120_000_000_000L, v.path("ping_interval").asLong());
    for (String f : new String[] {"version", "proto", "go", "host", "max_connections", "ping_max", "max_control_line",
        "max_pending", "start", "now", "uptime", "mem", "cores", "cpu", "total_connections", "routes", "remotes",
        "in_bytes", "out_bytes", "slow_consumers", "slow_consumer_stats", "http_req_stats", "connect_urls"}) {
      assertTrue(v.has(f), "varz lacks " + f);
    }
  }

  @Test
  void connzPagesAndSorts() throws Exception {
    JsonNode all = getJson("/connz");
    assertEquals(3, all.path("num_connections").asInt());
    assertEquals(3, all.path("total").asInt());
    assertEquals(0, all.path("offset").asInt());
    assertEquals(1024, all.path("limit").asInt());
    JsonNode c0 = all.path("connections").get(0);
    for (String f : new String[] {"cid", "kind", "type", "ip", "port", "start", "last_activity", "uptime", "idle",
        "pending_bytes", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "subscriptions", "name", "lang", "version"}) {
      assertTrue(c0.has(f), "connz connection lacks " + f);
    }
    assertEquals("c1", c0.path("name").asText());

    JsonNode page = getJson("/connz?offset=1&limit=1");
    assertEquals(1, page.path("num_connections").asInt());
    assertEquals(3, page.path("total").asInt());
    assertEquals("c2", page.path("connections").get(0).path("name").asText());

    JsonNode bySubs = getJson("/connz?sort=subs");
    assertEquals("c3", bySubs.path("connections").get(0).path("name").asText());
    assertEquals(3, bySubs.path("connections").get(0).path("subscriptions").asInt());
    JsonNode byMsgsFrom = getJson("/connz?sort=msgs_from&limit=1");
    assertEquals("c3", byMsgsFrom.path("connections").get(0).path("name").asText());
    assertEquals(5, byMsgsFrom.path("connections").get(0).path("in_msgs").asInt());

    JsonNode withSubs = getJson("/connz?subs=1&sort=subs&limit=1");
    assertEquals(3, withSubs.path("connections").get(0).path("subscriptions_list").size());
  }

  @Test
  void closedConnectionsAreListedWithTheirReason() throws Exception {
    try (RawConn bad = RawConn.connect(b.port(), "{\"verbose\":false,\"name\":\"bad-one\"}")) {
      bad.send("PUBX\r\n").expectErr(Protocol.ERR_UNKNOWN_OP);
      bad.expectClosed();
    }
    JsonNode closed = Await.value("a closed connection in /connz", java.time.Duration.ofSeconds(5),
        () -> getJson("/connz?state=closed"), c -> c.path("total").asInt() > 0);
    JsonNode last = closed.path("connections").get(closed.path("connections").size() - 1);
    assertEquals("bad-one", last.path("name").asText());
    assertEquals("Parse Error", last.path("reason").asText());
    assertTrue(last.has("stop"));
    // Open ones are not in state=closed, and state=any has both.
    assertEquals(3, getJson("/connz").path("total").asInt());
    assertEquals(3 + closed.path("total").asInt(), getJson("/connz?state=any").path("total").asInt());
  }

  @Test
  void subszRoutezHealthzAndMetrics() throws Exception {
    JsonNode s = getJson("/subsz");
    assertEquals(6, s.path("num_subscriptions").asInt());
    for (String f : new String[] {"num_cache", "num_inserts", "num_removes", "num_matches", "cache_hit_rate"}) {
      assertTrue(s.has(f), "subsz lacks " + f);
    }
    JsonNode test = getJson("/subsz?test=mon.3.2");
    assertEquals(1, test.path("subscriptions_list").size());
    assertEquals("mon.3.2", test.path("subscriptions_list").get(0).path("subject").asText());

    JsonNode r = getJson("/routez");
    assertEquals(0, r.path("num_routes").asInt());
    assertEquals(b.broker.serverId(), r.path("server_id").asText());

    assertEquals("ok", getJson("/healthz").path("status").asText());

    HttpResponse<String> m = get("/metrics");
    assertEquals(200, m.statusCode());
    assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    assertTrue(m.body().contains("# TYPE beacon_connections gauge\nbeacon_connections 3\n"), m.body());
    assertTrue(m.body().contains("beacon_subscriptions 6\n"), m.body());

    assertEquals(404, get("/nope").statusCode());
  }
}
