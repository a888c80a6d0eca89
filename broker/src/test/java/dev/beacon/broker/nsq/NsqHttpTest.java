package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.broker.Broker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nsqd's HTTP API on the broker's monitoring port, driven with the requests nsqadmin v1.3.0 sends
 * (its exact query strings) and nsqd's answers checked field by field.
 */
@Timeout(60)
class NsqHttpTest {
  static final ObjectMapper JSON = new ObjectMapper();
  NsqFixture f;
  Broker broker;
  int http;

  @BeforeEach
  void start() throws Exception {
    f = new NsqFixture();
    broker = f.startBroker("b1", "");
    http = broker.httpPort();
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private JsonNode json(String method, String path) throws Exception {
    String[] r = f.request(method, http, path);
    assertEquals("200", r[0], path + " -> " + r[1]);
    assertEquals("nsq; version=1.0", r[2], path);
    assertEquals("application/json; charset=utf-8", r[3], path);
    return JSON.readTree(r[1]);
  }

  private void ok(String path) throws Exception {
    String[] r = f.request("POST", http, path);
    assertEquals("200", r[0], path + " -> " + r[1]);
    assertEquals("", r[1], path);
    assertEquals("nsq; version=1.0", r[2]);
  }

  private void error(String method, String path, int status, String code) throws Exception {
    String[] r = f.request(method, http, path);
    assertEquals(String.valueOf(status), r[0], path + " -> " + r[1]);
    assertEquals("{\"message\":\"" + code + "\"}", r[1], path);
  }

  private static List<String> names(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get(field).asText()));
    return out;
  }

  @Test
  void pingAndInfo() throws Exception {
    String[] ping = f.request("GET", http, "/ping");
    assertEquals("200", ping[0]);
    assertEquals("OK", ping[1]);
    JsonNode info = json("GET", "/info");
    assertEquals(List.of("version", "broadcast_address", "hostname", "http_port", "tcp_port", "start_time",
        "max_heartbeat_interval", "max_output_buffer_size", "max_output_buffer_timeout", "max_deflate_level"),
        fieldNames(info));
    assertEquals(http, info.get("http_port").asInt());
    assertEquals(broker.nsqPort(), info.get("tcp_port").asInt());
    assertEquals("127.0.0.1", info.get("broadcast_address").asText());
    assertEquals(60_000_000_000L, info.get("max_heartbeat_interval").asLong());
    assertFalse(info.get("version").asText().isEmpty());
    error("POST", "/ping", 405, "METHOD_NOT_ALLOWED");
    error("GET", "/channel/delete?topic=t&channel=c", 405, "METHOD_NOT_ALLOWED");
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void statsAsNsqadminAsksForThem() throws Exception {
    try (RawNsq c = new RawNsq(broker.nsqPort()).consumer("orders", "ch"); RawNsq p = new RawNsq(broker.nsqPort())) {
      c.send("RDY 1\n");
      p.send("PUB orders\n", "a");
      p.expect("R:OK");
      p.send("PUB orders\n", "b");
      p.expect("R:OK");
      assertTrue(c.frame().startsWith("M:1:"));
      f.nats("b1").subscribe("nats.only");
      f.nats("b1").flush(java.time.Duration.ofSeconds(5));

      JsonNode all = json("GET", "/stats?format=json");
      assertEquals(List.of("version", "health", "start_time", "topics", "producers"), fieldNames(all));
      assertEquals("OK", all.get("health").asText());
      assertEquals(List.of("nats.only", "orders"), names(all.get("topics"), "topic_name"),
          "NSQ topics and the NATS subjects this broker registers, sorted");
      JsonNode orders = all.get("topics").get(1);
      assertEquals(List.of("topic_name", "channels", "depth", "backend_depth", "message_count", "message_bytes", "paused",
          "e2e_processing_latency"), fieldNames(orders));
      assertEquals(2, orders.get("message_count").asInt());
      JsonNode ch = orders.get("channels").get(0);
      assertEquals("ch", ch.get("channel_name").asText());
      assertEquals(1, ch.get("depth").asInt());
      assertEquals(1, ch.get("in_flight_count").asInt());
      assertEquals(2, ch.get("message_count").asInt());
      assertEquals(1, ch.get("client_count").asInt());
      JsonNode client = ch.get("clients").get(0);
      assertEquals("raw", client.get("client_id").asText());
      assertEquals("V2", client.get("version").asText());
      assertEquals(3, client.get("state").asInt());
      assertEquals(1, client.get("ready_count").asInt());
      assertEquals(1, all.get("producers").size());
      assertEquals(2, all.get("producers").get(0).get("pub_counts").get(0).get("count").asInt());

      JsonNode one = json("GET", "/stats?format=json&topic=orders");
      assertEquals(List.of("orders"), names(one.get("topics"), "topic_name"));
      JsonNode oneChannel = json("GET", "/stats?format=json&topic=orders&channel=ch");
      assertEquals(List.of("ch"), names(oneChannel.get("topics").get(0).get("channels"), "channel_name"));
      JsonNode noClients = json("GET", "/stats?format=json&topic=orders&channel=ch&include_clients=false");
      assertEquals(0, noClients.get("topics").get(0).get("channels").get(0).get("clients").size());
      assertEquals(1, noClients.get("topics").get(0).get("channels").get(0).get("client_count").asInt());
      assertEquals(0, json("GET", "/stats?format=json&topic=nope").get("topics").size());
      assertEquals(0, json("GET", "/stats?format=json&topic=orders&channel=nope").get("topics").get(0).get("channels").size());

      String[] text = f.request("GET", http, "/stats");
      assertEquals("200", text[0]);
      assertTrue(text[1].contains("[orders"), text[1]);
    }
  }

  @Test
  void adminPostsAsNsqdAnswersThem() throws Exception {
    error("POST", "/topic/create", 400, "MISSING_ARG_TOPIC");
    error("POST", "/topic/create?topic=b@d", 400, "INVALID_TOPIC");
    ok("/topic/create?topic=made");
    ok("/channel/create?topic=made&channel=c1");
    error("POST", "/channel/create?topic=made", 400, "MISSING_ARG_CHANNEL");
    error("POST", "/channel/create?topic=made&channel=b@d", 400, "INVALID_ARG_CHANNEL");
    JsonNode made = json("GET", "/stats?format=json&topic=made");
    assertEquals(List.of("c1"), names(made.get("topics").get(0).get("channels"), "channel_name"));

    ok("/topic/pause?topic=made");
    assertTrue(json("GET", "/stats?format=json&topic=made").get("topics").get(0).get("paused").asBoolean());
    ok("/topic/unpause?topic=made");
    ok("/channel/pause?topic=made&channel=c1");
    assertTrue(json("GET", "/stats?format=json&topic=made").get("topics").get(0).get("channels").get(0).get("paused").asBoolean());
    ok("/channel/unpause?topic=made&channel=c1");
    ok("/channel/empty?topic=made&channel=c1");
    ok("/topic/empty?topic=made");
    error("POST", "/channel/delete?topic=made&channel=nope", 404, "CHANNEL_NOT_FOUND");
    error("POST", "/channel/delete?topic=nope&channel=c1", 404, "TOPIC_NOT_FOUND");
    error("POST", "/topic/pause?topic=nope", 404, "TOPIC_NOT_FOUND");

    try (RawNsq c = new RawNsq(broker.nsqPort()).consumer("made", "c1")) {
      ok("/channel/delete?topic=made&channel=c1");
      assertTrue(c.closedByServer(), "nsqd closes the consumers of a deleted channel");
    }
    ok("/topic/delete?topic=made");
    error("POST", "/topic/delete?topic=made", 404, "TOPIC_NOT_FOUND");
    assertEquals(0, json("GET", "/stats?format=json&topic=made").get("topics").size());
  }

  @Test
  void httpPubReachesNsqConsumers() throws Exception {
    try (RawNsq c = new RawNsq(broker.nsqPort()).consumer("hp", "c")) {
      c.send("RDY 1\n");
      java.net.http.HttpResponse<String> r = f.http.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + http + "/pub?topic=hp"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("via-http")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("OK", r.body());
      assertTrue(c.frame().endsWith(":via-http"));
    }
    error("POST", "/pub", 400, "MISSING_ARG_TOPIC");
    error("POST", "/pub?topic=hp", 400, "MSG_EMPTY");
  }
}
