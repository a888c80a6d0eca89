package dev.beacon.broker;

import dev.beacon.common.PrometheusText;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Monitoring over HTTP on --http, with nats-server's endpoint and field names: /varz, /connz,
 * /routez, /subsz (and /subscriptionsz), /healthz, plus /metrics in Prometheus text. This class
 * reads the query, asks {@link MonitorData} for the typed answer and writes it with the one
 * mapper ({@link Json}). Handlers run on the broker's own event loop.
 */
final class Monitor {
  /** The paths answered; only these are counted in /varz http_req_stats. */
  static final List<String> PATHS =
      List.of("/varz", "/connz", "/routez", "/subsz", "/subscriptionsz", "/healthz", "/metrics");

  private final Broker broker;
  private final MonitorData data;
  /** Requests per known path, in first-request order. */
  private final Map<String, Long> requests = new LinkedHashMap<>();

  Monitor(Broker broker) {
    this.broker = broker;
    this.data = new MonitorData(broker);
  }

  Router router(Vertx vertx) {
    Router r = Router.router(vertx);
    r.route().handler(ctx -> {
      String path = ctx.request().path();
      if (PATHS.contains(path)) {
        requests.merge(path, 1L, Long::sum);
      }
      ctx.next();
    });
    r.get("/varz").handler(ctx -> json(ctx, data.varz(requests)));
    r.get("/connz").handler(ctx -> json(ctx, data.connz(connzQuery(ctx))));
    r.get("/routez").handler(ctx -> json(ctx, data.routez(ctx.request().getParam("subs") != null)));
    r.get("/subsz").handler(ctx -> json(ctx, data.subsz(subszQuery(ctx))));
    r.get("/subscriptionsz").handler(ctx -> json(ctx, data.subsz(subszQuery(ctx))));
    r.get("/healthz").handler(ctx -> json(ctx, Map.of("status", "ok")));
    r.get("/metrics").handler(this::metrics);
    broker.nsqHttp().addRoutes(r);
    new MonitorActions(broker).mount(r);
    return r;
  }

  private static Connz.Query connzQuery(RoutingContext ctx) {
    String subs = ctx.request().getParam("subs", "");
    return new Connz.Query(intParam(ctx, "offset", 0), intParam(ctx, "limit", 1024),
        ctx.request().getParam("sort", "cid"), subs.equals("1") || subs.equals("true") || subs.equals("detail"),
        subs.equals("detail"), ctx.request().getParam("cid"), ctx.request().getParam("state", "open"));
  }

  private static Subsz.Query subszQuery(RoutingContext ctx) {
    return new Subsz.Query(ctx.request().getParam("subs") != null, ctx.request().getParam("test"),
        intParam(ctx, "offset", 0), intParam(ctx, "limit", 1024));
  }

  private static int intParam(RoutingContext ctx, String name, int def) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return def;
    }
    try {
      return Math.max(0, Integer.parseInt(v));
    } catch (NumberFormatException e) {
      return def;
    }
  }

  /** Indented JSON; with a valid {@code callback} parameter, JSONP as nats-server answers it. */
  private static void json(RoutingContext ctx, Object body) {
    HttpServerResponse res = ctx.response().putHeader("Content-Type", "application/json");
    String text;
    try {
      text = Json.writePretty(body);
    } catch (Exception e) {
      ctx.fail(e);
      return;
    }
    String callback = ctx.request().getParam("callback");
    if (callback != null && callback.matches("[A-Za-z_$][A-Za-z0-9_$.]*")) {
      res.putHeader("Content-Type", "application/javascript");
      text = callback + "(" + text + ")";
    }
    res.end(text);
  }

  private void metrics(RoutingContext ctx) {
    Stats st = broker.stats;
    PrometheusText p = new PrometheusText(new StringBuilder(1024));
    p.gauge("beacon_connections", "Open client connections.", broker.clients.size());
    p.counter("beacon_total_connections", "Client connections accepted since start.").sampleSuffixed("_total", st.totalConnections);
    p.gauge("beacon_routes", "Registered routes.", broker.routes.count());
    p.gauge("beacon_subscriptions", "Entries in the subscription index.", broker.sublist.count());
    p.counter("beacon_in_msgs", "Messages received from clients and routes.").sampleSuffixed("_total", st.inMsgs);
    p.counter("beacon_out_msgs", "Messages delivered to clients.").sampleSuffixed("_total", st.outMsgs);
    p.counter("beacon_in_bytes", "Payload bytes received.").sampleSuffixed("_total", st.inBytes);
    p.counter("beacon_out_bytes", "Payload bytes delivered to clients.").sampleSuffixed("_total", st.outBytes);
    p.counter("beacon_slow_consumers", "Connections closed as slow consumers.").sampleSuffixed("_total", st.slowConsumers);
    p.counter("beacon_stalls", "Times a publishing client stopped being read for a consumer past half of its max-pending.")
        .sampleSuffixed("_total", st.stalls);
    p.gauge("beacon_pending_bytes", "Unsent bytes of all connections (bounded by max-pending-total).", broker.pendingTotal());
    p.gauge("beacon_max_pending_total_bytes", "The max-pending-total budget.", broker.options().maxPendingTotal());
    p.counter("beacon_pending_total_cuts", "Clients cut because the unsent bytes of all connections passed max-pending-total.")
        .sampleSuffixed("_total", st.pendingTotalCuts);
    p.counter("beacon_stale_connections", "Connections closed as stale.").sampleSuffixed("_total", st.staleConnections);
    Map<String, Object> nsq = broker.nsq.limitStats();
    p.gauge("beacon_nsq_memory_bytes", "Bytes of NSQ messages held (backlogs, in flight, deferred).", (Long) nsq.get("nsq_memory_bytes"));
    p.gauge("beacon_nsq_memory_peak_bytes", "Highest beacon_nsq_memory_bytes since start.", (Long) nsq.get("nsq_memory_peak_bytes"));
    p.gauge("beacon_nsq_max_memory_bytes", "nsq-max-memory.", (Long) nsq.get("nsq_max_memory"));
    p.counter("beacon_nsq_memory_dropped", "NSQ messages dropped or DPUBs refused past nsq-max-memory.")
        .sampleSuffixed("_total", (Long) nsq.get("nsq_memory_dropped_count"));
    p.gauge("beacon_nsq_topics", "NSQ topics.", (Integer) nsq.get("nsq_topic_count"));
    p.counter("beacon_nsq_topics_refused", "NSQ topics not created past nsq-max-topics.")
        .sampleSuffixed("_total", (Long) nsq.get("nsq_topics_refused_count"));
    p.counter("beacon_nsq_channels_refused", "NSQ channels not created past nsq-max-channels-per-topic.")
        .sampleSuffixed("_total", (Long) nsq.get("nsq_channels_refused_count"));
    Runtime rt = Runtime.getRuntime();
    p.gauge("beacon_heap_used_bytes", "JVM heap in use.", rt.totalMemory() - rt.freeMemory());
    ctx.response().putHeader("Content-Type", PrometheusText.CONTENT_TYPE).end(p.out().toString());
  }
}
