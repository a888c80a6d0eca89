package dev.beacon.lookupd.console;

import dev.beacon.common.NsqNames;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The web console at /console/ on lookupd's HTTP port: static pages from the jar, JSON views built
 * from the registry and the nodes' monitoring ({@link NodeMonitor}), and the registry actions.
 * Every handler runs on lookupd's event loop.
 */
public final class Console {

  /** Most subjects one /console/api/subjects answer lists; most topics read from the registry for it. */
  static final int MAX_SUBJECTS = 500;
  /** Most subscriptions of one broker listed on its page. */
  static final int MAX_PAGE_SUBS = 1000;
  private static final Set<String> CONNZ_SORTS = Set.of("cid", "start", "subs", "pending", "msgs_to", "msgs_from",
      "bytes_to", "bytes_from", "last", "idle", "uptime", "stop", "reason");
  private static final Map<String, String> FILES = Map.of(
      "/console/", "index.html",
      "/console/app.js", "app.js",
      "/console/style.css", "style.css");

  private final Registry registry;
  private final NodeMonitor monitor;
  private final Map<String, Buffer> files = new HashMap<>();

  public Console(Vertx vertx, Registry registry) {
    this(vertx, registry, NodeMonitor.Settings.DEFAULTS);
  }

  Console(Vertx vertx, Registry registry, NodeMonitor.Settings settings) {
    this.registry = registry;
    this.monitor = new NodeMonitor(vertx, registry, settings);
    for (String name : FILES.values()) {
      files.put(name, resource(name));
    }
  }

  private static Buffer resource(String name) {
    try (InputStream in = Console.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        throw new IllegalStateException("console/" + name + " missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Handles req when its path is the console's (/console, /console/...); false otherwise. */
  public boolean handle(HttpServerRequest req) {
    String path = req.path();
    if (!path.equals("/console") && !path.startsWith("/console/")) {
      return false;
    }
    req.response().putHeader("Cache-Control", "no-store");
    HttpMethod m = req.method();
    if (path.startsWith("/console/api/")) {
      api(req, path.substring("/console/api/".length()), m);
      return true;
    }
    if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD)) {
      error(req, 405, "use GET");
      return true;
    }
    if (path.equals("/console")) {
      req.response().setStatusCode(301).putHeader("Location", "/console/").end();
      return true;
    }
    String file = FILES.get(path);
    if (file == null) {
      error(req, 404, "no such console page");
      return true;
    }
    String type = file.endsWith(".js") ? "text/javascript; charset=utf-8"
        : file.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
    req.response().putHeader("Content-Type", type)
        .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(files.get(file));
    return true;
  }

  private static final Set<String> READS = Set.of("overview", "mesh", "subjects", "broker", "connz");
  private static final Set<String> ACTIONS = Set.of("tombstone", "topic/delete", "channel/delete", "lameduck");

  private void api(HttpServerRequest req, String name, HttpMethod m) {
    boolean read = READS.contains(name);
    if (!read && !ACTIONS.contains(name)) {
      error(req, 404, "no such console endpoint");
      return;
    }
    if (read && !m.equals(HttpMethod.GET)) {
      error(req, 405, "use GET");
      return;
    }
    if (!read) {
      if (!m.equals(HttpMethod.POST)) {
        error(req, 405, "use POST");
        return;
      }
      if (!"yes".equals(req.getHeader(NodeMonitor.CONFIRM_HEADER))) {
        error(req, 403, "an action needs the header " + NodeMonitor.CONFIRM_HEADER + ": yes");
        return;
      }
    }
    try {
      switch (name) {
        case "overview" -> {
          long since = param(req, "since");
          monitor.current().onComplete(ar -> send(req, overview(since)));
        }
        case "mesh" -> monitor.current().onComplete(ar -> send(req, mesh()));
        case "subjects" -> {
          String q = req.getParam("q", "");
          monitor.current(true).onComplete(ar -> send(req, subjects(q)));
        }
        case "broker" -> broker(req);
        case "connz" -> connz(req);
        case "tombstone" -> tombstone(req);
        case "topic/delete" -> deleteTopic(req);
        case "channel/delete" -> deleteChannel(req);
        default -> lameDuck(req);
      }
    } catch (BadRequest e) {
      error(req, 400, e.getMessage());
    }
  }

  /** A refused request: its message goes to the page as it is. */
  private static final class BadRequest extends Exception {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private static long param(HttpServerRequest req, String name) throws BadRequest {
    String v = req.getParam(name);
    if (v == null || v.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be a number");
    }
  }

  private static void send(HttpServerRequest req, JsonObject body) {
    if (req.response().ended()) {
      return;
    }
    req.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.toBuffer());
  }

  private static void error(HttpServerRequest req, int status, String message) {
    if (req.response().ended()) {
      return;
    }
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("error", message).toBuffer());
  }

  // ---- overview --------------------------------------------------------------------------------

  JsonObject overview(long since) {
    JsonArray rows = new JsonArray();
    JsonObject history = new JsonObject();
    List<NodeMonitor.Node> nodes = new ArrayList<>(monitor.nodes());
    nodes.sort((a, b) -> Boolean.compare(healthy(a), healthy(b)));
    for (NodeMonitor.Node n : nodes) {
      rows.add(row(n));
      JsonArray h = new JsonArray();
      for (double[] s : n.history) {
        if (s[0] > since) {
          h.add(new JsonArray().add((long) s[0]).add(s[1]).add(s[2]).add(s[3]).add(s[4]));
        }
      }
      history.put(n.key, h);
    }
    Registry.Self self = registry.self();
    JsonObject lookupd = new JsonObject()
        .put("version", self.version())
        .put("hostname", self.hostname())
        .put("uptime", uptime(System.currentTimeMillis() - self.startMillis()))
        .put("nodes", self.nodes())
        .put("topics", self.topics())
        .put("channels", self.channels())
        .put("tcp_connections", self.tcpConnections())
        .put("http_connections", self.httpConnections());
    return new JsonObject()
        .put("now", System.currentTimeMillis())
        .put("refreshed_at", monitor.refreshedAt())
        .put("fetch_timeout_ms", monitor.settings.timeoutMillis())
        .put("cache_ms", monitor.settings.cacheMillis())
        .put("unmonitored", monitor.unmonitored)
        .put("lookupds", new JsonArray().add(lookupd))
        .put("nodes", rows)
        .put("history", history);
  }

  private static boolean healthy(NodeMonitor.Node n) {
    return n.healthy() && (n.reg == null || n.reg.active());
  }

  private static JsonObject row(NodeMonitor.Node n) {
    Registry.Node r = n.reg;
    JsonObject o = new JsonObject()
        .put("key", n.key)
        .put("kind", n.kind)
        .put("status", !n.registered && n.status.equals("up") ? "unregistered" : n.status)
        .put("error", n.error)
        .put("registered", n.registered)
        .put("active", r != null && r.active())
        .put("unhealthy", !healthy(n))
        .put("hostname", r == null ? "" : r.hostname())
        .put("address", r == null ? "" : r.broadcastAddress())
        .put("tcp_port", r == null ? 0 : r.tcpPort())
        .put("http_port", r == null ? 0 : r.httpPort())
        .put("topics", r == null ? 0 : r.topics().size())
        .put("last_ok", n.lastOkMillis)
        .put("rates", new JsonObject().put("in_msgs", n.rates[0]).put("out_msgs", n.rates[1])
            .put("in_bytes", n.rates[2]).put("out_bytes", n.rates[3]));
    String version = r == null ? "" : r.version();
    if (n.varz != null) {
      JsonObject v = n.varz;
      version = v.getValue("beacon_version") instanceof String bv ? bv : String.valueOf(v.getValue("version", version));
      o.put("name", v.getValue("server_name", ""))
          .put("server_id", v.getValue("server_id", ""))
          .put("uptime", v.getValue("uptime", ""))
          .put("connections", NodeMonitor.num(v, "connections"))
          .put("routes", NodeMonitor.num(v, "routes"))
          .put("subscriptions", NodeMonitor.num(v, "subscriptions"))
          .put("slow_consumers", NodeMonitor.num(v, "slow_consumers"))
          .put("mem", NodeMonitor.num(v, "mem"))
          .put("in_msgs", NodeMonitor.num(v, "in_msgs"))
          .put("out_msgs", NodeMonitor.num(v, "out_msgs"))
          .put("in_bytes", NodeMonitor.num(v, "in_bytes"))
          .put("out_bytes", NodeMonitor.num(v, "out_bytes"));
    } else if (n.stats != null) {
      JsonObject s = n.stats;
      version = String.valueOf(s.getValue("version", version));
      long start = NodeMonitor.num(s, "start_time");
      long clients = 0;
      long depth = 0;
      JsonArray topics = s.getJsonArray("topics", new JsonArray());
      for (int i = 0; i < topics.size(); i++) {
        if (topics.getValue(i) instanceof JsonObject t) {
          depth += NodeMonitor.num(t, "depth");
          JsonArray channels = t.getJsonArray("channels", new JsonArray());
          for (int j = 0; j < channels.size(); j++) {
            if (channels.getValue(j) instanceof JsonObject c) {
              clients += NodeMonitor.num(c, "client_count");
              depth += NodeMonitor.num(c, "depth");
            }
          }
        }
      }
      JsonArray producers = s.getJsonArray("producers", new JsonArray());
      long mem = s.getValue("memory") instanceof JsonObject m ? NodeMonitor.num(m, "heap_in_use_bytes") : 0;
      o.put("name", r == null ? n.key : r.hostname())
          .put("uptime", start > 0 ? uptime(System.currentTimeMillis() - start * 1000) : "")
          .put("connections", clients + producers.size())
          .put("depth", depth)
          .put("mem", mem)
          .put("health", s.getValue("health", ""));
    } else {
      o.put("name", r == null ? n.key : r.hostname());
    }
    return o.put("version", version);
  }

  static String uptime(long ms) {
    long s = Math.max(0, ms) / 1000;
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
    return sb.append(s % 60).append('s').toString();
  }

  // ---- mesh ------------------------------------------------------------------------------------

  /** Every broker a node; every route an edge; a pair of answering brokers without a route a missing edge, with why. */
  JsonObject mesh() {
    List<NodeMonitor.Node> brokers = new ArrayList<>();
    for (NodeMonitor.Node n : monitor.nodes()) {
      if (n.isBroker()) {
        brokers.add(n);
      }
    }
    JsonArray nodes = new JsonArray();
    for (NodeMonitor.Node n : brokers) {
      nodes.add(new JsonObject().put("key", n.key).put("name", n.varz == null ? n.key : n.varz.getValue("server_name", n.key))
          .put("server_id", n.varz == null ? "" : n.varz.getValue("server_id", ""))
          .put("status", !n.registered && n.status.equals("up") ? "unregistered" : n.status)
          .put("error", n.error).put("unhealthy", !healthy(n)));
    }
    JsonArray edges = new JsonArray();
    int up = 0;
    int missing = 0;
    for (int i = 0; i < brokers.size(); i++) {
      for (int j = i + 1; j < brokers.size(); j++) {
        NodeMonitor.Node a = brokers.get(i);
        NodeMonitor.Node b = brokers.get(j);
        if (!answering(a) || !answering(b)) {
          continue; // a broker that does not answer has no edges to show
        }
        JsonObject ab = route(a, b);
        JsonObject ba = route(b, a);
        JsonObject e = new JsonObject().put("a", a.key).put("b", b.key);
        if (ab != null || ba != null) {
          up++;
          JsonObject r = ab != null ? ab : ba;
          e.put("state", "up").put("uptime", r.getValue("uptime", ""))
              .put("in_msgs", NodeMonitor.num(r, "in_msgs")).put("out_msgs", NodeMonitor.num(r, "out_msgs"));
          if (ab == null || ba == null) {
            e.put("reason", "only " + name(ab != null ? a : b) + " lists this route");
          }
        } else {
          missing++;
          e.put("state", "missing").put("reason", whyMissing(a, b));
        }
        edges.add(e);
      }
    }
    return new JsonObject().put("now", System.currentTimeMillis()).put("nodes", nodes).put("edges", edges)
        .put("routes_up", up).put("routes_missing", missing);
  }

  private static boolean answering(NodeMonitor.Node n) {
    return n.status.equals("up") || n.status.equals("ldm");
  }

  private static String name(NodeMonitor.Node n) {
    return n.varz == null ? n.key : String.valueOf(n.varz.getValue("server_name", n.key));
  }

  /** a's /routez entry for b, or null. */
  private static JsonObject route(NodeMonitor.Node a, NodeMonitor.Node b) {
    if (a.routez == null || b.varz == null) {
      return null;
    }
    Object id = b.varz.getValue("server_id");
    JsonArray routes = a.routez.getJsonArray("routes", new JsonArray());
    for (int i = 0; i < routes.size(); i++) {
      if (routes.getValue(i) instanceof JsonObject r && id != null && id.equals(r.getValue("remote_id"))) {
        return r;
      }
    }
    return null;
  }

  private static String whyMissing(NodeMonitor.Node a, NodeMonitor.Node b) {
    JsonObject ca = a.varz.getJsonObject("cluster", new JsonObject());
    JsonObject cb = b.varz.getJsonObject("cluster", new JsonObject());
    String na = String.valueOf(ca.getValue("name", ""));
    String nb = String.valueOf(cb.getValue("name", ""));
    if (!na.equals(nb)) {
      return "different cluster names: " + name(a) + " is in '" + na + "', " + name(b) + " in '" + nb + "'";
    }
    if (a.status.equals("ldm") || b.status.equals("ldm")) {
      return (a.status.equals("ldm") ? name(a) : name(b)) + " is in lame duck mode";
    }
    if (NodeMonitor.num(cb, "cluster_port") == 0 || NodeMonitor.num(ca, "cluster_port") == 0) {
      return (NodeMonitor.num(ca, "cluster_port") == 0 ? name(a) : name(b)) + " has no route listener";
    }
    boolean aDials = dials(ca, cb);
    boolean bDials = dials(cb, ca);
    if (aDials || bDials) {
      NodeMonitor.Node d = aDials ? a : b;
      JsonObject target = aDials ? cb : ca;
      return name(d) + " dials " + target.getValue("addr", "") + ":" + target.getValue("cluster_port", "")
          + " but no route is up (unreachable, refused, or still connecting)";
    }
    return "neither broker has discovered the other (not in each other's route peers)";
  }

  /** Whether from's route peer list (cluster.urls) holds to's route address. */
  private static boolean dials(JsonObject from, JsonObject to) {
    String addr = to.getValue("addr", "") + ":" + to.getValue("cluster_port", "");
    JsonArray urls = from.getJsonArray("urls", new JsonArray());
    for (int i = 0; i < urls.size(); i++) {
      if (urls.getValue(i) instanceof String u && u.endsWith(addr)) {
        return true;
      }
    }
    return false;
  }

  // ---- subjects and topics --------------------------------------------------------------------

  /** Subjects and topics whose name contains q: the registry's topics, the brokers' subscriptions, the nsqds' topics. */
  JsonObject subjects(String q) {
    TreeMap<String, JsonObject> out = new TreeMap<>();
    boolean truncated = false;
    for (Registry.Topic t : registry.topics(q, MAX_SUBJECTS + 1)) {
      JsonObject s = subject(out, t.name());
      if (s == null) {
        truncated = true;
        continue;
      }
      s.put("registered", t.registered());
      JsonArray producers = s.getJsonArray("producers");
      for (Registry.TopicProducer p : t.producers()) {
        NodeMonitor.Node n = monitor.node(p.node());
        producers.add(new JsonObject().put("node", p.node()).put("name", n == null ? p.node() : name(n))
            .put("kind", n == null ? "unknown" : n.kind).put("visible", p.visible()).put("tombstoned", p.tombstoned()));
      }
      JsonArray channels = s.getJsonArray("channels");
      for (Registry.TopicChannel c : t.channels()) {
        channels.add(new JsonObject().put("name", c.name()).put("nodes", new JsonArray(new ArrayList<>(c.nodes()))));
      }
    }
    for (NodeMonitor.Node n : monitor.nodes()) {
      if (n.isBroker() && answering(n)) {
        truncated |= brokerSubjects(out, n, q);
      } else if (n.kind.equals("nsqd") && answering(n) && n.stats != null) {
        truncated |= nsqdTopics(out, n, q);
      }
    }
    JsonArray list = new JsonArray();
    out.values().forEach(list::add);
    return new JsonObject().put("now", System.currentTimeMillis()).put("q", q).put("subjects", list)
        .put("truncated", truncated);
  }

  private static JsonObject subject(TreeMap<String, JsonObject> out, String name) {
    JsonObject s = out.get(name);
    if (s == null) {
      if (out.size() >= MAX_SUBJECTS) {
        return null;
      }
      s = new JsonObject().put("name", name).put("registered", false).put("producers", new JsonArray())
          .put("channels", new JsonArray()).put("brokers", new JsonArray()).put("nsqd", new JsonArray());
      out.put(name, s);
    }
    return s;
  }

  private boolean brokerSubjects(TreeMap<String, JsonObject> out, NodeMonitor.Node n, String q) {
    JsonArray list = n.subsz == null ? null : n.subsz.getJsonArray("subscriptions_list");
    if (list == null) {
      return false;
    }
    // subject -> queue ("" = none) -> [subscriptions, delivered]
    TreeMap<String, TreeMap<String, long[]>> bySubject = new TreeMap<>();
    for (int i = 0; i < list.size(); i++) {
      if (list.getValue(i) instanceof JsonObject s && s.getValue("subject") instanceof String subject
          && NodeMonitor.local(s) && (q.isEmpty() || subject.contains(q))) {
        String queue = s.getValue("qgroup") instanceof String qg ? qg : "";
        long[] c = bySubject.computeIfAbsent(subject, k -> new TreeMap<>()).computeIfAbsent(queue, k -> new long[2]);
        c[0]++;
        c[1] += NodeMonitor.num(s, "msgs");
      }
    }
    boolean truncated = false;
    for (Map.Entry<String, TreeMap<String, long[]>> e : bySubject.entrySet()) {
      JsonObject s = subject(out, e.getKey());
      if (s == null) {
        truncated = true;
        continue;
      }
      long subs = 0;
      double rate = 0;
      JsonArray queues = new JsonArray();
      for (Map.Entry<String, long[]> qe : e.getValue().entrySet()) {
        subs += qe.getValue()[0];
        double r = n.subRates.getOrDefault(e.getKey() + '\u0000' + qe.getKey(), 0.0);
        rate += r;
        if (!qe.getKey().isEmpty()) {
          queues.add(new JsonObject().put("name", qe.getKey()).put("subs", qe.getValue()[0]).put("rate", r));
        }
      }
      s.getJsonArray("brokers").add(new JsonObject().put("node", n.key).put("name", name(n)).put("subs", subs)
          .put("queues", queues).put("rate", rate));
    }
    return truncated;
  }

  private boolean nsqdTopics(TreeMap<String, JsonObject> out, NodeMonitor.Node n, String q) {
    boolean truncated = false;
    JsonArray topics = n.stats.getJsonArray("topics", new JsonArray());
    for (int i = 0; i < topics.size(); i++) {
      if (!(topics.getValue(i) instanceof JsonObject t)) {
        continue;
      }
      String name = t.getString("topic_name", "");
      if (!q.isEmpty() && !name.contains(q)) {
        continue;
      }
      JsonObject s = subject(out, name);
      if (s == null) {
        truncated = true;
        continue;
      }
      JsonArray channels = new JsonArray();
      JsonArray cs = t.getJsonArray("channels", new JsonArray());
      for (int j = 0; j < cs.size(); j++) {
        if (cs.getValue(j) instanceof JsonObject c) {
          String cn = c.getString("channel_name", "");
          channels.add(new JsonObject().put("name", cn).put("depth", NodeMonitor.num(c, "depth"))
              .put("in_flight", NodeMonitor.num(c, "in_flight_count")).put("clients", NodeMonitor.num(c, "client_count"))
              .put("rate", n.topicRates.getOrDefault(name + '\u0000' + cn, 0.0)));
        }
      }
      s.getJsonArray("nsqd").add(new JsonObject().put("node", n.key).put("name", name(n))
          .put("depth", NodeMonitor.num(t, "depth")).put("messages", NodeMonitor.num(t, "message_count"))
          .put("rate", n.topicRates.getOrDefault(name, 0.0)).put("channels", channels));
    }
    return truncated;
  }

  // ---- broker page -----------------------------------------------------------------------------

  private NodeMonitor.Node known(HttpServerRequest req) throws BadRequest {
    String key = req.getParam("node");
    if (key == null || key.isEmpty()) {
      throw new BadRequest("missing node");
    }
    NodeMonitor.Node n = monitor.node(key);
    if (n == null || n.reg == null) {
      throw new BadRequest("unknown node " + key);
    }
    return n;
  }

  private void broker(HttpServerRequest req) {
    String key = req.getParam("node");
    monitor.current(true).onComplete(ar -> {
      NodeMonitor.Node n = key == null ? null : monitor.node(key);
      if (n == null) {
        error(req, 404, "unknown node " + key);
        return;
      }
      JsonArray subs = new JsonArray();
      JsonArray list = n.subsz == null ? null : n.subsz.getJsonArray("subscriptions_list");
      if (list != null) {
        for (int i = 0; i < list.size() && subs.size() < MAX_PAGE_SUBS; i++) {
          subs.add(list.getValue(i));
        }
      }
      send(req, new JsonObject()
          .put("now", System.currentTimeMillis())
          .put("node", row(n))
          .put("varz", n.varz)
          .put("routes", n.routez == null ? new JsonArray() : n.routez.getJsonArray("routes", new JsonArray()))
          .put("subscriptions", subs)
          .put("subscriptions_total", n.subsz == null ? 0 : NodeMonitor.num(n.subsz, "total"))
          .put("history", history(n)));
    });
  }

  private static JsonArray history(NodeMonitor.Node n) {
    JsonArray h = new JsonArray();
    for (double[] s : n.history) {
      h.add(new JsonArray().add((long) s[0]).add(s[1]).add(s[2]).add(s[3]).add(s[4]));
    }
    return h;
  }

  /** A broker's /connz, paged and sorted as the broker does it, through lookupd (bounded by the fetch timeout). */
  private void connz(HttpServerRequest req) throws BadRequest {
    NodeMonitor.Node n = known(req);
    long offset = param(req, "offset");
    long limit = req.getParam("limit") == null ? 50 : param(req, "limit");
    String sort = req.getParam("sort", "cid");
    String state = req.getParam("state", "open");
    if (!CONNZ_SORTS.contains(sort)) {
      throw new BadRequest("sort must be one of " + new TreeSet<>(CONNZ_SORTS));
    }
    if (!Set.of("open", "closed", "any").contains(state)) {
      throw new BadRequest("state must be open, closed or any");
    }
    if (offset < 0 || limit < 1 || limit > 1024) {
      throw new BadRequest("offset must be >= 0 and limit 1..1024");
    }
    String path = "/connz?offset=" + offset + "&limit=" + limit + "&sort=" + sort + "&state=" + state + "&subs=1";
    monitor.passThrough(n, path).onComplete(ar -> {
      if (ar.failed()) {
        error(req, 502, n.key + ": " + ar.cause().getMessage());
      } else if (ar.result().status() != 200) {
        error(req, 502, n.key + ": HTTP " + ar.result().status() + " on /connz");
      } else {
        try {
          send(req, new JsonObject(ar.result().body()));
        } catch (RuntimeException e) {
          error(req, 502, n.key + ": /connz is not a JSON object");
        }
      }
    });
  }

  // ---- actions ---------------------------------------------------------------------------------

  private static String who(HttpServerRequest req) {
    return req.remoteAddress() == null ? "?" : req.remoteAddress().hostAddress();
  }

  private static String name(HttpServerRequest req, String param) throws BadRequest {
    String v = req.getParam(param);
    if (v == null || v.isEmpty()) {
      throw new BadRequest("missing " + param);
    }
    if (!NsqNames.isValid(v)) {
      throw new BadRequest("invalid " + param + " name");
    }
    return v;
  }

  private void tombstone(HttpServerRequest req) throws BadRequest {
    String topic = name(req, "topic");
    String node = req.getParam("node");
    if (node == null || node.isEmpty()) {
      throw new BadRequest("missing node");
    }
    if (!registry.tombstone(topic, node)) {
      error(req, 404, "topic " + topic + " has no producer " + node);
      return;
    }
    registry.log("console: tombstoned producer " + node + " of topic " + topic + " (asked by " + who(req) + ")");
    send(req, new JsonObject().put("ok", true));
  }

  private void deleteTopic(HttpServerRequest req) throws BadRequest {
    String topic = name(req, "topic");
    if (!registry.deleteTopic(topic)) {
      error(req, 404, "no topic " + topic);
      return;
    }
    registry.log("console: deleted topic " + topic + " from the registry (asked by " + who(req) + ")");
    send(req, new JsonObject().put("ok", true));
  }

  private void deleteChannel(HttpServerRequest req) throws BadRequest {
    String topic = name(req, "topic");
    String channel = name(req, "channel");
    if (!registry.deleteChannel(topic, channel)) {
      error(req, 404, "no channel " + channel + " in topic " + topic);
      return;
    }
    registry.log("console: deleted channel " + channel + " of topic " + topic + " from the registry (asked by "
        + who(req) + ")");
    send(req, new JsonObject().put("ok", true));
  }

  /** Asks a broker to enter lame duck mode (its monitoring port's POST /lameduck, off unless the broker enables it). */
  private void lameDuck(HttpServerRequest req) throws BadRequest {
    NodeMonitor.Node n = known(req);
    if (!n.isBroker()) {
      throw new BadRequest(n.key + " is not a broker");
    }
    String asker = who(req);
    registry.log("console: asking broker " + n.key + " to enter lame duck mode (asked by " + asker + ")");
    monitor.once(n, HttpMethod.POST, "/lameduck").onComplete(ar -> {
      if (ar.failed()) {
        registry.warn("console: lame duck mode of broker " + n.key + " failed: " + ar.cause().getMessage());
        error(req, 502, n.key + ": " + ar.cause().getMessage());
        return;
      }
      NodeMonitor.Answer a = ar.result();
      String text = a.body().toString(StandardCharsets.UTF_8);
      String message;
      try {
        JsonObject body = new JsonObject(text);
        message = body.getValue("error") instanceof String e ? e : text;
      } catch (RuntimeException e) {
        message = "HTTP " + a.status();
      }
      if (a.status() / 100 != 2) {
        registry.warn("console: broker " + n.key + " refused lame duck mode: " + message);
        error(req, a.status() == 404 ? 501 : a.status(), n.key + ": " + message);
        return;
      }
      registry.log("console: broker " + n.key + " entered lame duck mode");
      send(req, new JsonObject().put("ok", true));
    });
  }

}
