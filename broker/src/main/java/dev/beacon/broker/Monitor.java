package dev.beacon.broker;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Monitoring on --http, with nats-server's endpoint and field names (monitor.go): /varz, /connz,
 * /routez, /subsz, /healthz, plus /metrics in Prometheus text. Handlers read broker state on the
 * broker's own event loop.
 */
final class Monitor {
  private final Broker broker;
  private final Map<String, Long> requests = new LinkedHashMap<>();

  Monitor(Broker broker) {
    this.broker = broker;
  }

  Router router(Vertx vertx) {
    Router r = Router.router(vertx);
    r.route().handler(ctx -> {
      requests.merge(ctx.request().path(), 1L, Long::sum);
      ctx.next();
    });
    r.get("/varz").handler(ctx -> json(ctx, varz()));
    r.get("/connz").handler(ctx -> json(ctx, connz(ctx)));
    r.get("/routez").handler(ctx -> json(ctx, routez(ctx)));
    r.get("/subsz").handler(ctx -> json(ctx, subsz(ctx)));
    r.get("/subscriptionsz").handler(ctx -> json(ctx, subsz(ctx)));
    r.get("/healthz").handler(ctx -> json(ctx, Map.of("status", "ok")));
    r.get("/metrics").handler(this::metrics);
    new MonitorActions(broker).mount(r);
    return r;
  }

  private static void json(RoutingContext ctx, Object body) {
    HttpServerResponse res = ctx.response().putHeader("Content-Type", "application/json");
    String text;
    try {
      text = ClientConnection.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body);
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

  private Map<String, Object> varz() {
    BrokerOptions o = broker.options();
    Stats st = broker.stats;
    Runtime rt = Runtime.getRuntime();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("beacon", true);
    m.put("server_id", broker.serverId());
    m.put("server_name", broker.serverName());
    m.put("version", Protocol.NATS_VERSION);
    m.put("beacon_version", Main.version());
    m.put("proto", Protocol.CLIENT_PROTO);
    m.put("go", "beacon " + Main.version() + " (java " + Runtime.version().feature() + ")");
    m.put("host", o.listen().host());
    m.put("port", broker.clientPort());
    m.put("auth_required", !o.authToken().isEmpty() || !o.users().isEmpty());
    m.put("max_connections", o.maxConnections());
    m.put("ping_interval", o.pingInterval().toNanos());
    m.put("ping_max", o.pingMax());
    m.put("http_host", o.http().host());
    m.put("http_port", broker.httpPort());
    m.put("auth_timeout", o.authTimeout().toMillis() / 1000.0);
    m.put("max_control_line", o.maxControlLine());
    m.put("max_payload", o.maxPayload());
    m.put("max_pending", o.maxPending());
    m.put("max_subscriptions", o.maxSubscriptions());
    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("name", o.clusterName());
    cluster.put("addr", broker.advertisedHost());
    cluster.put("cluster_port", broker.clusterPort());
    cluster.put("urls", broker.routes.peerUrls());
    m.put("cluster", cluster);
    m.put("start", Instant.ofEpochMilli(st.start).toString());
    m.put("now", Instant.now().toString());
    m.put("uptime", uptime(System.currentTimeMillis() - st.start));
    m.put("mem", rt.totalMemory() - rt.freeMemory());
    m.put("cores", rt.availableProcessors());
    m.put("cpu", cpu());
    m.put("connections", broker.clients.size());
    m.put("total_connections", st.totalConnections);
    m.put("routes", broker.routes.count());
    m.put("remotes", broker.routes.count());
    m.put("in_msgs", st.inMsgs);
    m.put("out_msgs", st.outMsgs);
    m.put("in_bytes", st.inBytes);
    m.put("out_bytes", st.outBytes);
    m.put("slow_consumers", st.slowConsumers);
    m.put("slow_consumer_stats", Map.of("clients", st.slowConsumerClients, "routes", st.slowConsumerRoutes,
        "gateways", 0, "leafs", 0));
    m.put("stale_connections", st.staleConnections);
    m.put("subscriptions", broker.sublist.count());
    m.put("http_req_stats", requests);
    m.put("connect_urls", broker.routes.connectUrls());
    if (broker.lameDuck()) {
      m.put("ldm", true);
    }
    return m;
  }

  private static double cpu() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Math.round(sun.getProcessCpuLoad() * 1000.0 * os.getAvailableProcessors()) / 10.0;
    }
    return 0;
  }

  static String uptime(long ms) {
    long s = ms / 1000;
    StringBuilder sb = new StringBuilder();
    if (s >= 86400) {
      sb.append(s / 86400).append('d');
    }
    if (s >= 3600) {
      sb.append(s % 86400 / 3600).append('h');
    }
    if (s >= 60) {
      sb.append(s % 3600 / 60).append('m');
    }
    sb.append(s % 60).append('s');
    return sb.toString();
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

  private Map<String, Object> connz(RoutingContext ctx) {
    int offset = intParam(ctx, "offset", 0);
    int limit = intParam(ctx, "limit", 1024);
    String sort = ctx.request().getParam("sort", "cid");
    String subsParam = ctx.request().getParam("subs", "");
    boolean subs = subsParam.equals("1") || subsParam.equals("true") || subsParam.equals("detail");
    boolean detail = subsParam.equals("detail");
    String cidParam = ctx.request().getParam("cid");
    List<ClientConnection> list = new ArrayList<>(broker.clients.values());
    if (cidParam != null) {
      list.removeIf(c -> !String.valueOf(c.cid).equals(cidParam));
    }
    Comparator<ClientConnection> cmp = switch (sort) {
      case "start" -> Comparator.comparingLong((ClientConnection c) -> c.start);
      case "subs" -> Comparator.comparingInt((ClientConnection c) -> c.subs.size()).reversed();
      case "pending" -> Comparator.comparingInt((ClientConnection c) -> c.pendingBytes()).reversed();
      case "msgs_to" -> Comparator.comparingLong((ClientConnection c) -> c.outMsgs).reversed();
      case "msgs_from" -> Comparator.comparingLong((ClientConnection c) -> c.inMsgs).reversed();
      case "bytes_to" -> Comparator.comparingLong((ClientConnection c) -> c.outBytes).reversed();
      case "bytes_from" -> Comparator.comparingLong((ClientConnection c) -> c.inBytes).reversed();
      case "last" -> Comparator.comparingLong((ClientConnection c) -> c.lastActivity).reversed();
      case "idle" -> Comparator.comparingLong((ClientConnection c) -> c.lastActivity);
      case "uptime" -> Comparator.comparingLong((ClientConnection c) -> c.start);
      default -> Comparator.comparingLong((ClientConnection c) -> c.cid);
    };
    list.sort(cmp);
    long now = System.currentTimeMillis();
    String state = ctx.request().getParam("state", "open");
    List<Map<String, Object>> all = new ArrayList<>();
    if (!state.equals("closed")) {
      for (ClientConnection c : list) {
        all.add(describe(c, now, subs, detail));
      }
    }
    if (state.equals("closed") || state.equals("any")) {
      List<Map<String, Object>> closed = new ArrayList<>(broker.closedClients());
      if (cidParam != null) {
        closed.removeIf(c -> !String.valueOf(c.get("cid")).equals(cidParam));
      }
      if (sort.equals("stop")) {
        closed.sort(Comparator.comparing((Map<String, Object> c) -> (String) c.get("stop")).reversed());
      } else if (sort.equals("reason")) {
        closed.sort(Comparator.comparing((Map<String, Object> c) -> (String) c.get("reason")));
      }
      all.addAll(closed);
    }
    List<Object> conns = new ArrayList<>();
    for (int i = offset; i < all.size() && conns.size() < limit; i++) {
      conns.add(all.get(i));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server_id", broker.serverId());
    m.put("now", Instant.now().toString());
    m.put("num_connections", conns.size());
    m.put("total", all.size());
    m.put("offset", offset);
    m.put("limit", limit);
    m.put("connections", conns);
    return m;
  }

  /** One /connz entry (also kept, with stop and reason, for closed connections). */
  static Map<String, Object> describe(ClientConnection c, long now, boolean subs, boolean detail) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cid", c.cid);
    m.put("kind", "Client");
    m.put("type", "nats");
    m.put("ip", c.ip);
    m.put("port", c.port);
    m.put("start", Instant.ofEpochMilli(c.start).toString());
    m.put("last_activity", Instant.ofEpochMilli(c.lastActivity).toString());
    m.put("uptime", uptime(now - c.start));
    m.put("idle", uptime(now - c.lastActivity));
    m.put("pending_bytes", c.closed ? 0 : c.pendingBytes());
    m.put("in_msgs", c.inMsgs);
    m.put("out_msgs", c.outMsgs);
    m.put("in_bytes", c.inBytes);
    m.put("out_bytes", c.outBytes);
    m.put("subscriptions", c.subs.size());
    m.put("name", c.name);
    m.put("lang", c.lang);
    m.put("version", c.version);
    if (!c.user.isEmpty()) {
      m.put("authorized_user", c.user);
    }
    if (subs) {
      List<Object> sl = new ArrayList<>();
      for (Subscription s : c.subs.values()) {
        if (detail) {
          Map<String, Object> d = new LinkedHashMap<>();
          d.put("subject", s.subject);
          if (s.queue != null) {
            d.put("qgroup", s.queue);
          }
          d.put("sid", s.sid);
          d.put("msgs", s.delivered);
          if (s.max > 0) {
            d.put("max", s.max);
          }
          d.put("cid", c.cid);
          sl.add(d);
        } else {
          sl.add(s.subject);
        }
      }
      m.put(detail ? "subscriptions_list_detail" : "subscriptions_list", sl);
    }
    if (c.closed) {
      m.put("stop", Instant.ofEpochMilli(now).toString());
      m.put("reason", c.closeReason);
    }
    return m;
  }

  private Map<String, Object> routez(RoutingContext ctx) {
    boolean subs = ctx.request().getParam("subs") != null;
    long now = System.currentTimeMillis();
    List<Object> routes = new ArrayList<>();
    for (RouteConnection r : broker.routes.all()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rid", r.cid);
      m.put("remote_id", r.remoteId);
      m.put("remote_name", r.remoteName);
      m.put("did_solicit", r.solicited);
      m.put("is_configured", r.peer != null);
      m.put("ip", r.ip);
      m.put("port", r.port);
      m.put("start", Instant.ofEpochMilli(r.start).toString());
      m.put("last_activity", Instant.ofEpochMilli(r.lastActivity).toString());
      m.put("uptime", uptime(now - r.start));
      m.put("idle", uptime(now - r.lastActivity));
      m.put("pending_size", r.pendingBytes());
      m.put("in_msgs", r.inMsgs);
      m.put("out_msgs", r.outMsgs);
      m.put("in_bytes", r.inBytes);
      m.put("out_bytes", r.outBytes);
      m.put("subscriptions", r.subscriptionCount());
      if (subs) {
        List<String> sl = new ArrayList<>();
        for (Subscription s : r.learnedSubs()) {
          sl.add(s.queue == null ? s.subject : s.subject + " " + s.queue);
        }
        m.put("subscriptions_list", sl);
      }
      m.put("account", Protocol.ACCOUNT);
      routes.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server_id", broker.serverId());
    m.put("server_name", broker.serverName());
    m.put("now", Instant.now().toString());
    m.put("num_routes", routes.size());
    m.put("routes", routes);
    return m;
  }

  private Map<String, Object> subsz(RoutingContext ctx) {
    Sublist sl = broker.sublist;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server_id", broker.serverId());
    m.put("now", Instant.now().toString());
    m.put("num_subscriptions", sl.count());
    m.put("num_cache", sl.cacheCount());
    m.put("num_inserts", sl.inserts());
    m.put("num_removes", sl.removes());
    m.put("num_matches", sl.matches());
    m.put("cache_hit_rate", sl.matches() == 0 ? 0.0 : (double) sl.cacheHits() / sl.matches());
    String subsParam = ctx.request().getParam("subs");
    String test = ctx.request().getParam("test");
    if (subsParam != null || test != null) {
      int offset = intParam(ctx, "offset", 0);
      int limit = intParam(ctx, "limit", 1024);
      List<Subscription> all = new ArrayList<>();
      if (test != null) {
        if (Subjects.isValidLiteral(test)) {
          Sublist.Result r = sl.match(test);
          all.addAll(List.of(r.psubs));
          for (Subscription[] q : r.qsubs) {
            all.addAll(List.of(q));
          }
        }
      } else {
        sl.forEach(all::add);
      }
      List<Object> out = new ArrayList<>();
      for (int i = offset; i < all.size() && out.size() < limit; i++) {
        Subscription s = all.get(i);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("subject", s.subject);
        if (s.queue != null) {
          d.put("qgroup", s.queue);
        }
        if (s.sid != null) {
          d.put("sid", s.sid);
        }
        d.put("msgs", s.delivered);
        if (s.owner instanceof Conn c) {
          d.put("cid", c.cid);
        }
        out.add(d);
      }
      m.put("total", all.size());
      m.put("offset", offset);
      m.put("limit", limit);
      m.put("subscriptions_list", out);
    }
    return m;
  }

  private void metrics(RoutingContext ctx) {
    Stats st = broker.stats;
    StringBuilder sb = new StringBuilder(1024);
    gauge(sb, "beacon_connections", "Open client connections.", broker.clients.size());
    counter(sb, "beacon_total_connections", "Client connections accepted since start.", st.totalConnections);
    gauge(sb, "beacon_routes", "Registered routes.", broker.routes.count());
    gauge(sb, "beacon_subscriptions", "Entries in the subscription index.", broker.sublist.count());
    counter(sb, "beacon_in_msgs", "Messages received from clients and routes.", st.inMsgs);
    counter(sb, "beacon_out_msgs", "Messages delivered to clients.", st.outMsgs);
    counter(sb, "beacon_in_bytes", "Payload bytes received.", st.inBytes);
    counter(sb, "beacon_out_bytes", "Payload bytes delivered to clients.", st.outBytes);
    counter(sb, "beacon_slow_consumers", "Connections closed as slow consumers.", st.slowConsumers);
    counter(sb, "beacon_stale_connections", "Connections closed as stale.", st.staleConnections);
    Runtime rt = Runtime.getRuntime();
    gauge(sb, "beacon_heap_used_bytes", "JVM heap in use.", rt.totalMemory() - rt.freeMemory());
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(sb.toString());
  }

  private static void gauge(StringBuilder sb, String name, String help, long v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(v).append('\n');
  }

  private static void counter(StringBuilder sb, String name, String help, long v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n").append(name).append("_total ").append(v).append('\n');
  }
}
