package dev.beacon.lookupd.console;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The monitoring of every node in the registry, fetched by lookupd for the console: a broker's
 * /varz, /routez and /subsz, an nsqd's /stats. A refresh fetches every node at once, each bounded by
 * the fetch timeout, and its result is reused for the cache period, so the number of browsers does
 * not change the number of requests a node gets. Rates are computed from successive samples and a
 * short history of them is kept per node for the charts. Runs on lookupd's event loop only.
 */
final class NodeMonitor {

  /**
   * @param timeoutMillis longest a node's fetch may take (connect, answer, body) before it counts as down
   * @param cacheMillis how long one refresh is reused
   * @param maxNodes most nodes monitored (registered ones first; beyond it a node is listed, not fetched)
   * @param maxHistory rate samples kept per node
   * @param forgetMillis how long a node that left the registry is still shown (as down or unregistered)
   * @param maxBody largest monitoring answer read from a node
   * @param maxSubs most subscriptions read from one broker's /subsz per refresh
   */
  record Settings(long timeoutMillis, long cacheMillis, int maxNodes, int maxHistory, long forgetMillis,
      int maxBody, int maxSubs) {
    static final Settings DEFAULTS = new Settings(1000, 1000, 256, 300, 600_000, 4 << 20, 2000);
  }

  /** The header the console's actions must carry: a plain HTML form cannot send it, and a page of another origin cannot either. */
  static final String CONFIRM_HEADER = "X-Beacon-Confirm";

  private static final String ACCEPT_NSQ = "application/vnd.nsq; version=1.0";

  /** One monitored node and what its last fetches said. */
  static final class Node {
    final String key;
    Registry.Node reg;
    boolean registered;
    long lastRegisteredMillis;
    /** broker (a Beacon broker), nats-server, nsqd, or unknown until a fetch tells. */
    String kind = "unknown";
    /** up, ldm (lame duck), unhealthy (nsqd health not OK), down, or unknown before the first fetch. */
    String status = "unknown";
    String error;
    long lastOkMillis;
    long fetchMillis;
    JsonObject varz;
    JsonObject routez;
    JsonObject subsz;
    JsonObject stats;
    private long sampleNanos;
    private long prevSampleNanos;
    private long subsSampleNanos;
    private long[] counters;
    final double[] rates = new double[4];
    final ArrayDeque<double[]> history = new ArrayDeque<>();
    /** "subject\u0000queue" -> delivered messages, and the rate from the previous sample. */
    private Map<String, Long> subCounts = Map.of();
    final Map<String, Double> subRates = new HashMap<>();
    /** nsqd: "topic" or "topic\u0000channel" -> message_count, and rates. */
    private Map<String, Long> topicCounts = Map.of();
    final Map<String, Double> topicRates = new HashMap<>();
    private int generation;

    Node(String key) {
      this.key = key;
    }

    String host() {
      return reg.broadcastAddress();
    }

    int httpPort() {
      return reg.httpPort();
    }

    boolean isBroker() {
      return kind.equals("broker") || kind.equals("nats-server");
    }

    boolean healthy() {
      return registered && (status.equals("up") || status.equals("unknown"));
    }
  }

  /** One HTTP answer from a node. */
  record Answer(int status, Buffer body) {}

  private final Vertx vertx;
  private final Registry registry;
  final Settings settings;
  private final HttpClient http;
  private final LinkedHashMap<String, Node> nodes = new LinkedHashMap<>();
  private long refreshedAt;
  private long refreshStartedAt = Long.MIN_VALUE / 2;
  private Future<Void> inFlight;
  private boolean inFlightSubs;
  private boolean lastSubs;
  private long subsWantedAt = Long.MIN_VALUE / 2;
  /** How long after a page asked for subscription lists they are still fetched. */
  static final long SUBS_DEMAND_MILLIS = 15_000;
  /** Registered nodes over maxNodes at the last refresh (listed by lookupd, not monitored). */
  int unmonitored;

  NodeMonitor(Vertx vertx, Registry registry, Settings settings) {
    this.vertx = vertx;
    this.registry = registry;
    this.settings = settings;
    int t = (int) Math.min(Integer.MAX_VALUE, settings.timeoutMillis);
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(t).setKeepAlive(true)
        .setKeepAliveTimeout(60).setMaxRedirects(0), new PoolOptions().setHttp1MaxSize(4).setMaxWaitQueueSize(32));
  }

  /** The monitored nodes, in registry order (unregistered ones last). */
  List<Node> nodes() {
    List<Node> out = new ArrayList<>(nodes.size());
    for (Node n : nodes.values()) {
      if (n.registered) {
        out.add(n);
      }
    }
    for (Node n : nodes.values()) {
      if (!n.registered) {
        out.add(n);
      }
    }
    return out;
  }

  Node node(String key) {
    return nodes.get(key);
  }

  long refreshedAt() {
    return refreshedAt;
  }

  /**
   * The current picture: at once when the last refresh is younger than the cache period, else
   * after a refresh (shared by every request that arrives meanwhile), which takes at most the fetch
   * timeout plus a little.
   */
  Future<Void> current() {
    return current(false);
  }

  /**
   * As {@link #current()}; with subs, the picture includes the brokers' subscription lists. Those
   * cost a broker a walk over all its subscriptions, so they are fetched only while a page that
   * shows them (subjects, a broker page) has asked within {@link #SUBS_DEMAND_MILLIS}; the first
   * such request refreshes at once rather than waiting for the cache period.
   */
  Future<Void> current(boolean subs) {
    long now = System.currentTimeMillis();
    if (subs) {
      subsWantedAt = now;
    }
    if (inFlight != null) {
      return subs && !inFlightSubs ? inFlight.transform(ar -> current(true)) : inFlight;
    }
    if (now - refreshStartedAt < settings.cacheMillis && (!subs || lastSubs)) {
      return Future.succeededFuture();
    }
    refreshStartedAt = now;
    boolean withSubs = now - subsWantedAt < SUBS_DEMAND_MILLIS;
    Future<Void> f = refresh(withSubs);
    if (!f.isComplete()) {
      inFlight = f;
      inFlightSubs = withSubs;
      f.onComplete(ar -> inFlight = null);
    }
    lastSubs = withSubs;
    return f;
  }

  private Future<Void> refresh(boolean withSubs) {
    long now = System.currentTimeMillis();
    List<Registry.Node> reg = registry.nodes(settings.maxNodes);
    Set<String> seen = new HashSet<>();
    unmonitored = 0;
    for (Registry.Node r : reg) {
      if (!seen.add(r.key())) {
        continue; // the same node key twice (two connections of one node): the first, sorted by id, is monitored
      }
      Node n = nodes.get(r.key());
      if (n == null) {
        if (nodes.size() >= settings.maxNodes && !evictUnregistered()) {
          unmonitored++;
          continue;
        }
        n = new Node(r.key());
        nodes.put(r.key(), n);
      }
      n.reg = r;
      n.registered = true;
      n.lastRegisteredMillis = now;
    }
    unmonitored += Math.max(0, registry.self().nodes() - reg.size()); // beyond maxNodes, not even listed
    for (Iterator<Node> it = nodes.values().iterator(); it.hasNext(); ) {
      Node n = it.next();
      if (!seen.contains(n.key)) {
        n.registered = false;
        if (now - n.lastRegisteredMillis > settings.forgetMillis) {
          it.remove();
        }
      }
    }
    List<Future<Void>> all = new ArrayList<>(nodes.size());
    for (Node n : nodes.values()) {
      all.add(fetch(n, withSubs));
    }
    return Future.all(all).<Void>mapEmpty().onComplete(ar -> refreshedAt = System.currentTimeMillis());
  }

  /** Drops the unregistered node seen longest ago; false when every node is registered. */
  private boolean evictUnregistered() {
    Node oldest = null;
    for (Node n : nodes.values()) {
      if (!n.registered && (oldest == null || n.lastRegisteredMillis < oldest.lastRegisteredMillis)) {
        oldest = n;
      }
    }
    if (oldest == null) {
      return false;
    }
    nodes.remove(oldest.key);
    return true;
  }

  // ---- one node's fetch --------------------------------------------------------------------

  /** The requests of one fetch; all are reset when its deadline passes. Completes (never fails) by the deadline. */
  private final class Fetch {
    final Node node;
    final int generation;
    final Promise<Void> done = Promise.promise();
    final List<HttpClientRequest> open = new ArrayList<>(3);
    final long timer;

    Fetch(Node node) {
      this.node = node;
      this.generation = ++node.generation;
      this.timer = vertx.setTimer(Math.max(1, settings.timeoutMillis), t -> fail("no answer within " + settings.timeoutMillis + " ms"));
    }

    boolean over() {
      return done.future().isComplete() || node.generation != generation;
    }

    void fail(String why) {
      if (over()) {
        return;
      }
      vertx.cancelTimer(timer);
      node.status = "down";
      node.error = why;
      node.fetchMillis = System.currentTimeMillis();
      java.util.Arrays.fill(node.rates, 0);
      node.subRates.clear();
      node.topicRates.clear();
      node.routez = null;
      done.tryComplete();
      // After done: a reset fails the request at once, and that failure must not replace why.
      for (HttpClientRequest r : open) {
        r.reset();
      }
    }

    void ok() {
      if (over()) {
        return;
      }
      vertx.cancelTimer(timer);
      node.error = null;
      node.fetchMillis = System.currentTimeMillis();
      node.lastOkMillis = node.fetchMillis;
      done.tryComplete();
    }

    /** GET path from the node: the status and body (bounded), or a failure. */
    Future<Answer> get(String path) {
      return request(HttpMethod.GET, path);
    }

    Future<Answer> request(HttpMethod method, String path) {
      RequestOptions o = new RequestOptions().setMethod(method).setHost(node.host()).setPort(node.httpPort())
          .setURI(path).putHeader(HttpHeaders.ACCEPT, ACCEPT_NSQ)
          .setConnectTimeout(settings.timeoutMillis).setIdleTimeout(2 * settings.timeoutMillis);
      if (method == HttpMethod.POST) {
        o.putHeader(CONFIRM_HEADER, "yes");
      }
      return http.request(o).compose(req -> {
        if (over()) {
          req.reset();
          return Future.failedFuture("cancelled");
        }
        open.add(req);
        return req.send().compose(resp -> readBody(resp, settings.maxBody));
      });
    }
  }

  static Future<Answer> readBody(io.vertx.core.http.HttpClientResponse resp, int max) {
    Promise<Answer> result = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.exceptionHandler(result::tryFail);
    resp.handler(chunk -> {
      if (body.length() + chunk.length() > max) {
        result.tryFail("answer over " + max + " bytes");
        resp.request().reset();
      } else {
        body.appendBuffer(chunk);
      }
    });
    resp.endHandler(v -> result.tryComplete(new Answer(resp.statusCode(), body)));
    return result.future();
  }

  private Future<Void> fetch(Node n, boolean withSubs) {
    String subsz = withSubs ? "/subsz?subs=1&limit=" + settings.maxSubs : "/subsz";
    Fetch f = new Fetch(n);
    if (!n.registered && n.reg == null) {
      f.fail("not registered");
      return f.done.future();
    }
    Future<?> work = switch (n.kind) {
      case "nsqd" -> f.get("/stats?format=json").compose(a -> nsqd(f, a));
      case "broker", "nats-server" -> Future.all(f.get("/varz"), f.get("/routez"), f.get(subsz))
          .compose(all -> broker(f, all.resultAt(0), all.resultAt(1), all.resultAt(2)));
      default -> f.get("/varz").compose(a -> {
        if (a.status == 404) {
          return f.get("/stats?format=json").compose(s -> nsqd(f, s));
        }
        return Future.all(f.get("/routez"), f.get(subsz))
            .compose(all -> broker(f, a, all.resultAt(0), all.resultAt(1)));
      });
    };
    work.onFailure(e -> f.fail(reason(e)));
    return f.done.future();
  }

  static String reason(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isEmpty()) {
      return e.getClass().getSimpleName();
    }
    // Netty's "Connection refused: /127.0.0.1:4151" and the like: keep the first part.
    int colon = m.indexOf(": /");
    return colon > 0 ? m.substring(0, colon).toLowerCase(java.util.Locale.ROOT) : m;
  }

  private static JsonObject json(Answer a, String path) {
    if (a.status != 200) {
      throw new IllegalStateException("HTTP " + a.status + " on " + path);
    }
    try {
      return new JsonObject(a.body);
    } catch (RuntimeException e) {
      throw new IllegalStateException(path + " is not a JSON object");
    }
  }

  private Future<Void> broker(Fetch f, Answer varzA, Answer routezA, Answer subszA) {
    if (f.over()) {
      return Future.succeededFuture();
    }
    Node n = f.node;
    JsonObject varz = json(varzA, "/varz");
    if (!varz.containsKey("server_id")) {
      throw new IllegalStateException("/varz has no server_id: not a broker");
    }
    n.kind = Boolean.TRUE.equals(varz.getValue("beacon")) ? "broker" : "nats-server";
    n.varz = varz;
    n.routez = routezA.status == 200 ? json(routezA, "/routez") : null;
    n.subsz = subszA.status == 200 ? json(subszA, "/subsz") : null;
    n.status = Boolean.TRUE.equals(varz.getValue("ldm")) ? "ldm" : "up";
    sample(n, new long[] {num(varz, "in_msgs"), num(varz, "out_msgs"), num(varz, "in_bytes"), num(varz, "out_bytes")});
    Map<String, Long> subs = new HashMap<>();
    JsonArray list = n.subsz == null ? null : n.subsz.getJsonArray("subscriptions_list");
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        if (list.getValue(i) instanceof JsonObject s && s.getValue("subject") instanceof String subject && local(s)) {
          String q = s.getValue("qgroup") instanceof String qg ? qg : "";
          subs.merge(subject + '\u0000' + q, num(s, "msgs"), Long::sum);
        }
      }
    }
    if (list != null) {
      long t = System.nanoTime();
      double secs = n.subsSampleNanos == 0 ? 0 : (t - n.subsSampleNanos) / 1e9;
      n.subsSampleNanos = t;
      n.subCounts = rates(secs, subs, n.subCounts, n.subRates);
    } else {
      n.subsSampleNanos = 0; // the next list starts the rates afresh
      n.subCounts = Map.of();
      n.subRates.clear();
    }
    f.ok();
    return Future.succeededFuture();
  }

  private Future<Void> nsqd(Fetch f, Answer a) {
    if (f.over()) {
      return Future.succeededFuture();
    }
    Node n = f.node;
    JsonObject stats = json(a, "/stats");
    if (stats.getValue("data") instanceof JsonObject data && stats.containsKey("status_code")) {
      stats = data; // nsqd's legacy envelope
    }
    if (!stats.containsKey("topics")) {
      throw new IllegalStateException("/stats has no topics: not an nsqd");
    }
    n.kind = "nsqd";
    n.stats = stats;
    n.status = "OK".equals(stats.getValue("health")) || !stats.containsKey("health") ? "up" : "unhealthy";
    long inMsgs = 0;
    long inBytes = 0;
    long outMsgs = 0;
    Map<String, Long> counts = new HashMap<>();
    JsonArray topics = stats.getJsonArray("topics", new JsonArray());
    for (int i = 0; i < topics.size(); i++) {
      if (!(topics.getValue(i) instanceof JsonObject t)) {
        continue;
      }
      String name = t.getString("topic_name", "");
      long mc = num(t, "message_count");
      inMsgs += mc;
      inBytes += num(t, "message_bytes");
      counts.put(name, mc);
      JsonArray channels = t.getJsonArray("channels", new JsonArray());
      for (int j = 0; j < channels.size(); j++) {
        if (channels.getValue(j) instanceof JsonObject c) {
          long cm = num(c, "message_count");
          outMsgs += cm;
          counts.put(name + '\u0000' + c.getString("channel_name", ""), cm);
        }
      }
    }
    sample(n, new long[] {inMsgs, outMsgs, inBytes, 0});
    n.topicCounts = rates(n.prevSampleNanos == 0 ? 0 : (n.sampleNanos - n.prevSampleNanos) / 1e9, counts,
        n.topicCounts, n.topicRates);
    f.ok();
    return Future.succeededFuture();
  }

  /**
   * Whether a /subsz entry is a subscription of one of the broker's own clients: those carry the
   * client's sid; what the broker learned from its routes (the other brokers' subscribers) does not.
   */
  static boolean local(JsonObject sub) {
    return sub.getValue("sid") instanceof String sid && !sid.isEmpty();
  }

  static long num(JsonObject o, String key) {
    return o.getValue(key) instanceof Number x ? x.longValue() : 0;
  }

  /** Rates from the node's previous counters to these, and a history point. A counter that went back (a restart) counts 0. */
  private void sample(Node n, long[] counters) {
    long t = System.nanoTime();
    if (n.counters != null && t > n.sampleNanos) {
      double secs = (t - n.sampleNanos) / 1e9;
      for (int i = 0; i < 4; i++) {
        long d = counters[i] - n.counters[i];
        n.rates[i] = d < 0 ? 0 : d / secs;
      }
      n.history.addLast(new double[] {System.currentTimeMillis(), n.rates[0], n.rates[1], n.rates[2], n.rates[3]});
      while (n.history.size() > settings.maxHistory) {
        n.history.removeFirst();
      }
    }
    n.prevSampleNanos = n.sampleNanos;
    n.counters = counters;
    n.sampleNanos = t;
  }

  /** Per-key rates between the previous counts and these, taken secs apart (0: no rate yet). */
  private static Map<String, Long> rates(double secs, Map<String, Long> now, Map<String, Long> before, Map<String, Double> out) {
    out.clear();
    for (Map.Entry<String, Long> e : now.entrySet()) {
      Long b = before.get(e.getKey());
      double r = 0;
      if (b != null && secs > 0 && e.getValue() >= b) {
        r = (e.getValue() - b) / secs;
      }
      out.put(e.getKey(), r);
    }
    return now;
  }

  // ---- pass-through requests for the broker page and the lame duck action ------------------------

  private final LinkedHashMap<String, Cached> passCache = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
      return size() > 64;
    }
  };

  private record Cached(long at, Future<Answer> answer) {}

  /** GET path from a monitored node, the same answer reused for the cache period; bounded by the fetch timeout. */
  Future<Answer> passThrough(Node n, String path) {
    String key = n.key + ' ' + path;
    long now = System.currentTimeMillis();
    Cached c = passCache.get(key);
    if (c != null && now - c.at < settings.cacheMillis) {
      return c.answer;
    }
    Future<Answer> f = once(n, HttpMethod.GET, path);
    passCache.put(key, new Cached(now, f));
    return f;
  }

  /** One request to a node outside the refresh, with the same deadline. */
  Future<Answer> once(Node n, HttpMethod method, String path) {
    Promise<Answer> p = Promise.promise();
    List<HttpClientRequest> open = new ArrayList<>(1);
    long timer = vertx.setTimer(Math.max(1, settings.timeoutMillis), t -> {
      p.tryFail("no answer within " + settings.timeoutMillis + " ms");
      for (HttpClientRequest r : open) {
        r.reset();
      }
    });
    RequestOptions o = new RequestOptions().setMethod(method).setHost(n.host()).setPort(n.httpPort()).setURI(path)
        .setConnectTimeout(settings.timeoutMillis).setIdleTimeout(2 * settings.timeoutMillis);
    if (method == HttpMethod.POST) {
      o.putHeader(CONFIRM_HEADER, "yes");
    }
    http.request(o).compose(req -> {
      if (p.future().isComplete()) {
        req.reset();
        return Future.failedFuture("cancelled");
      }
      open.add(req);
      return req.send().compose(resp -> readBody(resp, settings.maxBody));
    }).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        p.tryComplete(ar.result());
      } else {
        p.tryFail(reason(ar.cause()));
      }
    });
    return p.future();
  }
}
