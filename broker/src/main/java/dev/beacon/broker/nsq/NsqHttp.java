package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.common.NsqNames;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * nsqd's HTTP API on the broker's monitoring port, so nsqadmin and other NSQ tools can read and
 * manage the broker as one of their nsqd nodes: /ping, /info, /stats and the topic/channel admin
 * POSTs, answered as nsqd v1.3.0 answers them (its "V1" responses: JSON bodies with
 * {@code X-NSQ-Content-Type: nsq; version=1.0}, errors as {@code {"message":"CODE"}}).
 * Handlers run on the broker's context.
 */
public final class NsqHttp {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the broker can be reached, for /info. */
  public record Info(String broadcastAddress, String hostname, IntSupplier httpPort, IntSupplier tcpPort, long startTimeSeconds) {
  }

  private final NsqServer server;
  private final Supplier<Info> info;
  private final BooleanSupplier writesAllowed;

  /** Every endpoint open (no client auth). */
  public NsqHttp(NsqServer server, Supplier<Info> info) {
    this(server, info, () -> true);
  }

  /**
   * {@code writesAllowed} false: /pub and the topic/channel admin POSTs answer 403
   * {@code {"message":"FORBIDDEN"}} (HTTP requests carry no NSQ credentials, so when clients must
   * authenticate only an operator who enabled monitoring actions opens them). Asked per request.
   */
  public NsqHttp(NsqServer server, Supplier<Info> info, BooleanSupplier writesAllowed) {
    this.server = server;
    this.info = info;
    this.writesAllowed = writesAllowed;
  }

  /** Adds nsqd's routes. */
  public void addRoutes(Router r) {
    r.route("/ping").handler(ctx -> get(ctx, () -> text(ctx, "OK")));
    r.route("/info").handler(ctx -> get(ctx, () -> json(ctx, infoBody())));
    r.route("/stats").handler(ctx -> get(ctx, () -> stats(ctx)));
    r.route("/pub").handler(ctx -> write(ctx, () -> pub(ctx)));
    r.route("/topic/create").handler(ctx -> write(ctx, () -> topicOp(ctx, "create")));
    r.route("/topic/delete").handler(ctx -> write(ctx, () -> topicOp(ctx, "delete")));
    r.route("/topic/empty").handler(ctx -> write(ctx, () -> topicOp(ctx, "empty")));
    r.route("/topic/pause").handler(ctx -> write(ctx, () -> topicOp(ctx, "pause")));
    r.route("/topic/unpause").handler(ctx -> write(ctx, () -> topicOp(ctx, "unpause")));
    r.route("/channel/create").handler(ctx -> write(ctx, () -> channelOp(ctx, "create")));
    r.route("/channel/delete").handler(ctx -> write(ctx, () -> channelOp(ctx, "delete")));
    r.route("/channel/empty").handler(ctx -> write(ctx, () -> channelOp(ctx, "empty")));
    r.route("/channel/pause").handler(ctx -> write(ctx, () -> channelOp(ctx, "pause")));
    r.route("/channel/unpause").handler(ctx -> write(ctx, () -> channelOp(ctx, "unpause")));
  }

  /** A POST that changes something: refused with 403 while writes are not allowed. */
  private void write(RoutingContext ctx, Runnable handler) {
    post(ctx, () -> {
      if (writesAllowed.getAsBoolean()) {
        handler.run();
      } else {
        error(ctx, 403, "FORBIDDEN");
      }
    });
  }

  private static void get(RoutingContext ctx, Runnable handler) {
    HttpMethod m = ctx.request().method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
      handler.run();
    } else {
      error(ctx, 405, "METHOD_NOT_ALLOWED");
    }
  }

  private static void post(RoutingContext ctx, Runnable handler) {
    if (ctx.request().method() == HttpMethod.POST) {
      handler.run();
    } else {
      error(ctx, 405, "METHOD_NOT_ALLOWED");
    }
  }

  private Map<String, Object> infoBody() {
    Info i = info.get();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", server.settings().version());
    m.put("broadcast_address", i.broadcastAddress());
    m.put("hostname", i.hostname());
    m.put("http_port", i.httpPort().getAsInt());
    m.put("tcp_port", i.tcpPort().getAsInt());
    m.put("start_time", i.startTimeSeconds());
    m.put("max_heartbeat_interval", server.settings().maxHeartbeatIntervalMs() * 1_000_000L);
    m.put("max_output_buffer_size", NsqSettings.MAX_OUTPUT_BUFFER_SIZE);
    m.put("max_output_buffer_timeout", NsqSettings.MAX_OUTPUT_BUFFER_TIMEOUT_MS * 1_000_000L);
    m.put("max_deflate_level", NsqSettings.MAX_DEFLATE_LEVEL);
    return m;
  }

  /** nsqd's include_clients/include_mem values: true/1, false/0; anything else is the default (true). */
  private static boolean boolParam(String v) {
    return v == null || !(v.equals("false") || v.equals("0"));
  }

  private void stats(RoutingContext ctx) {
    String format = param(ctx, "format");
    String topic = param(ctx, "topic");
    String channel = param(ctx, "channel");
    boolean includeClients = boolParam(ctx.request().getParam("include_clients"));
    List<Map<String, Object>> topics = server.topicStats(topic, channel, includeClients);
    long start = info.get().startTimeSeconds();
    if (!format.equals("json")) {
      text(ctx, textStats(topics, start));
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", server.settings().version());
    m.put("health", "OK");
    m.put("start_time", start);
    m.put("topics", topics);
    m.put("producers", server.producerStats());
    json(ctx, m);
  }

  @SuppressWarnings("unchecked")
  private String textStats(List<Map<String, Object>> topics, long start) {
    StringBuilder sb = new StringBuilder();
    sb.append("beacon broker v").append(server.settings().version()).append(" (nsqd API)\n");
    sb.append("start_time ").append(Instant.ofEpochSecond(start)).append('\n');
    sb.append("uptime ").append(Duration.ofSeconds(Math.max(0, System.currentTimeMillis() / 1000 - start))).append("\n\nHealth: OK\n\n");
    if (topics.isEmpty()) {
      sb.append("\nTopics: None\n");
      return sb.toString();
    }
    sb.append("\nTopics:");
    for (Map<String, Object> t : topics) {
      sb.append(String.format("%n   [%-15s] depth: %-5s be-depth: %-5s msgs: %-8s e2e%%: %n",
          t.get("topic_name"), t.get("depth"), t.get("backend_depth"), t.get("message_count")));
      for (Map<String, Object> c : (List<Map<String, Object>>) t.get("channels")) {
        sb.append(String.format("      [%-25s] depth: %-5s be-depth: %-5s inflt: %-4s def: %-4s re-q: %-5s timeout: %-5s msgs: %-8s e2e%%: %n",
            c.get("channel_name"), c.get("depth"), c.get("backend_depth"), c.get("in_flight_count"), c.get("deferred_count"),
            c.get("requeue_count"), c.get("timeout_count"), c.get("message_count")));
        for (Map<String, Object> cl : (List<Map<String, Object>>) c.get("clients")) {
          sb.append(String.format("        [%s %-21s] state: %d inflt: %-4s rdy: %-4s fin: %-8s re-q: %-8s msgs: %-8s connected: %ss%n",
              cl.get("version"), cl.get("client_id"), (Integer) cl.get("state"), cl.get("in_flight_count"), cl.get("ready_count"),
              cl.get("finish_count"), cl.get("requeue_count"), cl.get("message_count"),
              System.currentTimeMillis() / 1000 - (Long) cl.get("connect_ts")));
        }
      }
    }
    return sb.toString();
  }

  private void pub(RoutingContext ctx) {
    String topic = ctx.request().getParam("topic");
    if (topic == null) {
      error(ctx, 400, "MISSING_ARG_TOPIC");
      return;
    }
    if (!NsqConnection.isTopicName(topic)) {
      error(ctx, 400, "INVALID_ARG_TOPIC");
      return;
    }
    String deferParam = ctx.request().getParam("defer");
    long defer = 0;
    if (deferParam != null) {
      try {
        defer = Long.parseLong(deferParam);
      } catch (NumberFormatException e) {
        defer = -1;
      }
      if (defer < 0 || defer > server.settings().maxReqTimeoutMs()) {
        error(ctx, 400, "INVALID_DEFER");
        return;
      }
    }
    long delay = defer;
    int max = server.settings().maxMsgSize();
    ctx.request().body().onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, 500, "INTERNAL_ERROR");
        return;
      }
      byte[] body = ar.result().getBytes();
      if (body.length > max) {
        error(ctx, 413, "MSG_TOO_BIG");
        return;
      }
      if (body.length == 0) {
        error(ctx, 400, "MSG_EMPTY");
        return;
      }
      try {
        server.publishDeferred(topic, body, 0, body.length, delay);
      } catch (NsqException e) {
        error(ctx, 503, e.httpMessage != null ? e.httpMessage : "EXITING");
        return;
      }
      text(ctx, "OK");
    });
  }

  private void topicOp(RoutingContext ctx, String op) {
    String topic = ctx.request().getParam("topic");
    if (topic == null) {
      error(ctx, 400, "MISSING_ARG_TOPIC");
      return;
    }
    boolean ok;
    switch (op) {
      case "create" -> {
        if (!NsqConnection.isTopicName(topic)) {
          error(ctx, 400, "INVALID_TOPIC");
          return;
        }
        try {
          server.createTopic(topic);
        } catch (NsqException e) {
          error(ctx, 503, e.httpMessage);
          return;
        }
        ok = true;
      }
      case "delete" -> ok = server.deleteTopic(topic);
      case "empty" -> {
        if (!NsqConnection.isTopicName(topic)) {
          error(ctx, 400, "INVALID_TOPIC");
          return;
        }
        ok = server.emptyTopic(topic);
      }
      case "pause" -> ok = server.pauseTopic(topic, true);
      case "unpause" -> ok = server.pauseTopic(topic, false);
      default -> throw new IllegalArgumentException(op);
    }
    if (!ok) {
      error(ctx, 404, "TOPIC_NOT_FOUND");
      return;
    }
    empty(ctx);
  }

  private void channelOp(RoutingContext ctx, String op) {
    String topic = ctx.request().getParam("topic");
    String channel = ctx.request().getParam("channel");
    if (topic == null) {
      error(ctx, 400, "MISSING_ARG_TOPIC");
      return;
    }
    if (!NsqConnection.isTopicName(topic)) {
      error(ctx, 400, "INVALID_ARG_TOPIC");
      return;
    }
    if (channel == null) {
      error(ctx, 400, "MISSING_ARG_CHANNEL");
      return;
    }
    if (!NsqNames.isValid(channel)) {
      error(ctx, 400, "INVALID_ARG_CHANNEL");
      return;
    }
    if (op.equals("create")) {
      try {
        server.createChannel(topic, channel);
      } catch (NsqException e) {
        error(ctx, 503, e.httpMessage);
        return;
      }
      empty(ctx);
      return;
    }
    if (!server.hasTopic(topic)) {
      error(ctx, 404, "TOPIC_NOT_FOUND");
      return;
    }
    boolean ok = switch (op) {
      case "delete" -> server.deleteChannel(topic, channel);
      case "empty" -> server.emptyChannel(topic, channel);
      case "pause" -> server.pauseChannel(topic, channel, true);
      case "unpause" -> server.pauseChannel(topic, channel, false);
      default -> throw new IllegalArgumentException(op);
    };
    if (!ok) {
      error(ctx, 404, "CHANNEL_NOT_FOUND");
      return;
    }
    empty(ctx);
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null ? "" : v;
  }

  private static HttpServerResponse v1(RoutingContext ctx, int status) {
    return ctx.response().setStatusCode(status).putHeader("X-NSQ-Content-Type", "nsq; version=1.0");
  }

  private static void json(RoutingContext ctx, Object body) {
    String text;
    try {
      text = JSON.writeValueAsString(body);
    } catch (Exception e) {
      ctx.fail(e);
      return;
    }
    v1(ctx, 200).putHeader("Content-Type", "application/json; charset=utf-8").end(text);
  }

  private static void text(RoutingContext ctx, String body) {
    v1(ctx, 200).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
  }

  private static void empty(RoutingContext ctx) {
    v1(ctx, 200).end();
  }

  private static void error(RoutingContext ctx, int status, String code) {
    v1(ctx, status).putHeader("Content-Type", "application/json; charset=utf-8").end("{\"message\":\"" + code + "\"}");
  }
}
