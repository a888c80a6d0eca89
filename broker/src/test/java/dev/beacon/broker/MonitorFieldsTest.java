package dev.beacon.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.common.HostPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The monitoring answers keep their field names, order and nesting (other brokers and tools read
 * them; peers read /varz during discovery), and the per-path request counter counts known endpoints only.
 */
@Timeout(30)
class MonitorFieldsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static JsonNode get(RunningBroker b, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + b.broker.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(r.body());
  }

  /** Every field as a dotted path, in document order; arrays by their first element; skips {@code free} objects' keys. */
  private static List<String> fields(JsonNode n, String prefix, Set<String> free, List<String> out) {
    if (n.isObject()) {
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        String p = prefix.isEmpty() ? k : prefix + "." + k;
        out.add(p);
        if (!free.contains(p)) {
          fields(n.get(k), p, free, out);
        }
      }
    } else if (n.isArray() && n.size() > 0) {
      fields(n.get(0), prefix + "[]", free, out);
    }
    return out;
  }

  private static String fields(JsonNode n) {
    return String.join(" ", fields(n, "", Set.of("http_req_stats", "slow_consumer_stats"), new ArrayList<>()));
  }

  @Test
  void varzConnzRoutezAndSubszKeepTheirFields() throws Exception {
    try (RunningBroker a = RunningBroker.start("broker.name=a\nbroker.max-closed-clients=10");
         RunningBroker b = RunningBroker.start("broker.name=b")) {
      a.onContext(() -> {
        a.broker.discoveryHost().setRoutePeers(Set.of(new HostPort("127.0.0.1", b.broker.clusterPort())));
        return null;
      });
      a.await(Duration.ofSeconds(10), () -> a.broker.routes.count() == 1);
      try (RawConn c = RawConn.connect(a.port())) {
        c.send("SUB x q 1\r\nSUB y 2\r\nUNSUB 2 5\r\nPING\r\n").expect("PONG\r\n");
        RawConn gone = RawConn.connect(a.port());
        gone.send("SUB z 1\r\nPING\r\n").expect("PONG\r\n");
        gone.close();
        a.await(Duration.ofSeconds(5), () -> a.broker.clients.size() == 1);
        b.await(Duration.ofSeconds(5), () -> b.broker.sublist.count() >= 2);
        assertEquals("beacon server_id server_name version beacon_version proto go host port auth_required"
            + " max_connections ping_interval ping_max http_host http_port https_port auth_timeout max_control_line"
            + " max_payload max_pending max_subscriptions cluster cluster.name cluster.addr cluster.cluster_port"
            + " cluster.urls tls_timeout write_deadline start"
            + " now uptime mem cores cpu connections total_connections routes remotes in_msgs out_msgs in_bytes"
            + " out_bytes slow_consumers slow_consumer_stats stale_connections subscriptions http_req_stats"
            + " connect_urls stalls max_pending_total pending_total pending_total_cuts", fields(get(a, "/varz")));
        List<String> slow = new ArrayList<>();
        get(a, "/varz").path("slow_consumer_stats").fieldNames().forEachRemaining(slow::add);
        assertEquals(Set.of("clients", "routes", "gateways", "leafs"), Set.copyOf(slow));
        assertEquals("server_id now num_connections total offset limit connections connections[].cid"
            + " connections[].kind connections[].type connections[].ip connections[].port connections[].start"
            + " connections[].last_activity connections[].uptime connections[].idle connections[].pending_bytes"
            + " connections[].in_msgs connections[].out_msgs connections[].in_bytes connections[].out_bytes"
            + " connections[].subscriptions connections[].name connections[].lang connections[].version"
            + " connections[].subscriptions_list_detail connections[].subscriptions_list_detail[].subject"
            + " connections[].subscriptions_list_detail[].qgroup connections[].subscriptions_list_detail[].sid"
            + " connections[].subscriptions_list_detail[].msgs connections[].subscriptions_list_detail[].cid",
            fields(get(a, "/connz?subs=detail")).replace("connections[].subscriptions_list_detail[].max ", ""));
        assertEquals("server_id now num_connections total offset limit connections connections[].cid"
            + " connections[].kind connections[].type connections[].ip connections[].port connections[].start"
            + " connections[].last_activity connections[].uptime connections[].idle connections[].pending_bytes"
            + " connections[].in_msgs connections[].out_msgs connections[].in_bytes connections[].out_bytes"
            + " connections[].subscriptions connections[].name connections[].lang connections[].version"
            + " connections[].stop connections[].reason", fields(get(a, "/connz?state=closed")));
        JsonNode detail = get(a, "/connz?subs=detail").path("connections").get(0).path("subscriptions_list_detail");
        boolean sawMax = false;
        for (JsonNode s : detail) {
          if (s.has("max")) {
            sawMax = true;
            assertEquals("subject sid msgs max cid", String.join(" ", fields(s, "", Set.of(), new ArrayList<>())));
          }
        }
        assertTrue(sawMax, detail.toString());
        assertEquals("server_id server_name now num_routes routes routes[].rid routes[].remote_id routes[].remote_name"
            + " routes[].did_solicit routes[].is_configured routes[].ip routes[].port routes[].start"
            + " routes[].last_activity routes[].uptime routes[].idle routes[].pending_size routes[].in_msgs"
            + " routes[].out_msgs routes[].in_bytes routes[].out_bytes routes[].subscriptions"
            + " routes[].subscriptions_list routes[].account", fields(get(b, "/routez?subs=1")));
        assertEquals("server_id now num_subscriptions num_cache num_inserts num_removes num_matches cache_hit_rate",
            fields(get(a, "/subsz")));
        assertEquals("server_id now num_subscriptions num_cache num_inserts num_removes num_matches cache_hit_rate"
            + " total offset limit subscriptions_list subscriptions_list[].subject subscriptions_list[].qgroup"
            + " subscriptions_list[].sid subscriptions_list[].msgs subscriptions_list[].cid",
            fields(get(a, "/subsz?test=x")));
      }
    }
  }

  @Test
  void theRequestCounterCountsKnownEndpointsOnly() throws Exception {
    try (RunningBroker b = RunningBroker.start()) {
      for (int i = 0; i < 500; i++) {
        HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.broker.httpPort() + "/nope/" + i)).build(),
            HttpResponse.BodyHandlers.discarding());
      }
      get(b, "/healthz");
      get(b, "/connz");
      JsonNode stats = get(b, "/varz").path("http_req_stats");
      List<String> keys = new ArrayList<>();
      stats.fieldNames().forEachRemaining(keys::add);
      assertTrue(keys.size() <= 8, keys.toString());
      assertEquals(1, stats.path("/healthz").asLong(), stats.toString());
      assertEquals(1, stats.path("/connz").asLong(), stats.toString());
      assertEquals(1, stats.path("/varz").asLong(), stats.toString());
    }
  }
}
