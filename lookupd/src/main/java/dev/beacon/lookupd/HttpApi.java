package dev.beacon.lookupd;

import dev.beacon.common.NsqNames;
import dev.beacon.lookupd.console.Console;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * nsqlookupd's HTTP API (V1 envelope) plus /metrics and long-poll /lookup and /nodes. The route table is
 * {@link #routes}; 404, 405, OPTIONS and redirects follow httprouter v1.3.0 as nsqlookupd uses it.
 * Answers that do not change between requests (/lookup per topic, /topics, /nodes) are kept
 * serialized and rebuilt only when the registry's version for them moves or a timeout flips.
 * Runs on the verticle's event loop; no request is logged.
 */
final class HttpApi implements Handler<HttpServerRequest> {

  /** A route's handler: the request, its parsed query. Throws ApiError for a {"message":CODE} answer. */
  private interface Action {
    void handle(HttpServerRequest req, Map<String, String> q) throws ApiError;
  }

  /** An error answer: HTTP status and nsqlookupd's code. */
  static final class ApiError extends Exception {
    final int status;
    final String code;

    ApiError(int status, String code) {
      super(code, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private record Route(int counter, String path, HttpMethod method, String allow, boolean params, Action action) {}

  static final String VERSION = "1.3.0";
  private static final CharSequence X_NSQ = HttpHeaders.createOptimized("X-Nsq-Content-Type");
  private static final CharSequence NSQ_V1 = HttpHeaders.createOptimized("nsq; version=1.0");
  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
  private static final CharSequence ALLOW = HttpHeaders.createOptimized("Allow");
  private static final CharSequence JSON_TYPE = HttpHeaders.createOptimized("application/json; charset=utf-8");
  private static final CharSequence TEXT_TYPE = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  private static final CharSequence PROM_TYPE = HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");
  /** Ours: the version token of a /lookup answer, to pass back as ?version= in a long poll. */
  static final CharSequence X_LOOKUP_VERSION = HttpHeaders.createOptimized("X-Lookupd-Version");
  private static final Buffer OK = Buffer.buffer("OK");
  private static final Buffer INFO = Buffer.buffer("{\"version\":\"" + VERSION + "\"}");

  private final RegistrationDb db;
  private final LookupdOptions options;
  private final Map<String, Route> routes = new HashMap<>();
  private final Map<String, Route> routesLower = new HashMap<>();
  private final Metrics metrics;
  private final Map<String, Buffer> errorBodies = new HashMap<>();
  private final AnswerCache cache = new AnswerCache();
  private final LongPolls longPolls;
  private final Console console;

  HttpApi(Vertx vertx, RegistrationDb db, LookupdOptions options, Metrics metrics, ConsoleRegistry consoleRegistry) {
    this.db = db;
    this.options = options;
    this.metrics = metrics;
    this.longPolls = new LongPolls(vertx, options.maxLookupWaiters(), options.maxLookupWait());
    db.onNodesChanged(() -> longPolls.changed(LongPolls.NODES));
    routes();
    this.console = new Console(vertx, consoleRegistry);
  }

  /** The whole API. Parameters come only from the query string, as in nsqlookupd. */
  private void routes() {
    get("/ping", false, (req, q) -> req.response().putHeader(CONTENT_TYPE, TEXT_TYPE).end(OK));
    get("/info", false, (req, q) -> json(req, INFO));
    get("/debug", false, (req, q) -> json(req, debug()));
    get("/lookup", true, this::lookup);
    get("/topics", false, (req, q) -> json(req, topics()));
    get("/channels", true, this::channels);
    get("/nodes", false, this::nodes);
    get("/metrics", false, (req, q) -> req.response().putHeader(CONTENT_TYPE, PROM_TYPE)
        .end(metrics.render(db, longPolls.waiting())));
    post("/topic/create", this::createTopic);
    post("/topic/delete", this::deleteTopic);
    post("/channel/create", this::createChannel);
    post("/channel/delete", this::deleteChannel);
    post("/topic/tombstone", this::tombstoneTopic);
  }

  /** A GET route; params says whether it reads the query string (only those can answer INVALID_REQUEST). */
  private void get(String path, boolean params, Action a) {
    add(path, HttpMethod.GET, "GET, OPTIONS", params, a);
  }

  private void post(String path, Action a) {
    add(path, HttpMethod.POST, "OPTIONS, POST", true, a);
  }

  private void add(String path, HttpMethod method, String allow, boolean params, Action a) {
    Route r = new Route(metrics.route(path), path, method, allow, params, a);
    routes.put(path, r);
    routesLower.put(path.toLowerCase(Locale.ROOT), r);
  }

  // ---- dispatch and the one failure path -------------------------------------------------------

  @Override
  public void handle(HttpServerRequest req) {
    String path = req.path();
    Route route = routes.get(path);
    if (route == null && console.handle(req)) {
      return;
    }
    HttpMethod m = req.method();
    Expect expect = expect(req);
    if (expect == Expect.OTHER) {
      // Go's net/http: an expectation other than 100-continue is refused before routing
      closeAfterReply(req);
      req.response().setStatusCode(417).end();
      return;
    }
    if (expect == Expect.CONTINUE && (route == null || !m.equals(route.method) || !route.params)) {
      // This answer never reads the body, so, as net/http, no 100 Continue: the client may still send
      // the body or not, and the connection cannot be reused.
      closeAfterReply(req);
    }
    if (route == null) {
      redirectOrNotFound(req, path);
      return;
    }
    if (!m.equals(route.method)) {
      if (m.equals(HttpMethod.OPTIONS)) {
        req.response().putHeader(ALLOW, route.allow).end();
      } else {
        req.response().putHeader(ALLOW, route.allow);
        fail(req, new ApiError(405, Errors.METHOD_NOT_ALLOWED));
      }
      return;
    }
    metrics.request(route.counter);
    Map<String, String> q;
    try {
      q = route.params ? Query.parse(req.query()) : Map.of();
    } catch (Query.Invalid e) {
      if (expect == Expect.CONTINUE) {
        closeAfterReply(req);
      }
      fail(req, new ApiError(400, Errors.INVALID_REQUEST));
      return;
    }
    if (expect == Expect.CONTINUE && route.params) {
      // nsqlookupd's handlers that take parameters read the body (and throw it away) before they
      // answer; net/http sends 100 Continue at that first read. So: 100 Continue, the body
      // discarded as it arrives (nothing is buffered), then the answer.
      req.response().writeContinue();
      req.handler(ignored -> { });
      req.endHandler(v -> dispatch(route, req, q));
      return;
    }
    dispatch(route, req, q);
  }

  private void dispatch(Route route, HttpServerRequest req, Map<String, String> q) {
    try {
      route.action.handle(req, q);
    } catch (ApiError e) {
      fail(req, e);
    } catch (RuntimeException e) {
      fail(req, new ApiError(500, Errors.INTERNAL_ERROR));
    }
  }

  private enum Expect { NONE, CONTINUE, OTHER }

  /** Connection: close, and closed once the answer is out (Vert.x keeps a connection open unless the request said close). */
  private static void closeAfterReply(HttpServerRequest req) {
    req.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE).endHandler(v -> req.connection().close());
  }

  /**
   * As net/http reads the Expect header: "100-continue" (a token, any case) on an HTTP/1.1 request
   * that announces a body asks for 100 Continue; any other expectation is refused with 417.
   */
  private static Expect expect(HttpServerRequest req) {
    String expect = req.getHeader(HttpHeaders.EXPECT);
    if (expect == null || expect.isEmpty()) {
      return Expect.NONE;
    }
    boolean hundred = false;
    for (String token : expect.split(",")) {
      hundred |= token.strip().equalsIgnoreCase("100-continue");
    }
    if (!hundred) {
      return Expect.OTHER;
    }
    if (req.version() != io.vertx.core.http.HttpVersion.HTTP_1_1) {
      return Expect.NONE;
    }
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean body = length != null ? !length.strip().equals("0") : req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    return body ? Expect.CONTINUE : Expect.NONE;
  }

  /**
   * httprouter: a trailing slash or wrong case on a path known for this method redirects (301 for GET,
   * 307 otherwise); anything else is 404.
   */
  private void redirectOrNotFound(HttpServerRequest req, String path) {
    String fixed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    Route r = routes.get(fixed);
    if (r == null) {
      r = routesLower.get(fixed.toLowerCase(Locale.ROOT));
    }
    if (r == null || !r.method.equals(req.method())) {
      fail(req, new ApiError(404, Errors.NOT_FOUND));
      return;
    }
    String q = req.query();
    String location = q == null ? r.path : r.path + "?" + q;
    HttpServerResponse resp = req.response().putHeader(HttpHeaders.LOCATION, location);
    if (req.method().equals(HttpMethod.GET)) {
      // Go's http.Redirect: a GET also gets a short HTML body naming the new location.
      resp.setStatusCode(301).putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
          .end("<a href=\"" + htmlEscape(location) + "\">Moved Permanently</a>.\n\n");
    } else {
      resp.setStatusCode(307).end();
    }
  }

  /** Go's html.EscapeString: the five characters it replaces, as it replaces them. */
  static String htmlEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '\'' -> b.append("&#39;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&#34;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private void fail(HttpServerRequest req, ApiError e) {
    Buffer body = errorBodies.computeIfAbsent(e.code, c -> Buffer.buffer("{\"message\":\"" + c + "\"}"));
    req.response().setStatusCode(e.status);
    json(req, body);
  }

  private static void json(HttpServerRequest req, Buffer body) {
    HttpServerResponse res = req.response()
        .putHeader(CONTENT_TYPE, JSON_TYPE)
        .putHeader(X_NSQ, NSQ_V1);
    if (req.method().equals(HttpMethod.HEAD)) {
      // Only the 405 for HEAD gets here: Go sends the length and no body.
      res.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length())).end();
    } else {
      res.end(body);
    }
  }

  /** A mutation's success: 200, empty body, no Content-Type, the X-NSQ header (as nsqlookupd). */
  private static void done(HttpServerRequest req) {
    req.response().putHeader(X_NSQ, NSQ_V1).end();
  }

  // ---- reads -----------------------------------------------------------------------------------

  private void lookup(HttpServerRequest req, Map<String, String> q) throws ApiError {
    String topic = q.get("topic");
    if (topic == null) {
      throw new ApiError(400, Errors.MISSING_ARG_TOPIC);
    }
    if (!topic.equals("*")) {
      long waitNanos = pollWait(q, db.version(topic));
      if (waitNanos > 0) {
        park(req, topic, waitNanos, r -> answerLookup(r, topic));
        return;
      }
    }
    answerLookup(req, topic);
  }

  /**
   * A long poll's wait (ours): the asked wait, clamped, when q has both wait and version and the
   * answer's current version is still that version; otherwise 0, to answer at once.
   */
  private long pollWait(Map<String, String> q, long current) throws ApiError {
    String wait = q.get("wait");
    String since = q.get("version");
    if (wait == null || since == null) {
      return 0;
    }
    long waitNanos = longPolls.parseWait(wait);
    if (waitNanos < 0) {
      throw new ApiError(400, Errors.INVALID_ARG_WAIT);
    }
    long version;
    try {
      version = Long.parseLong(since);
    } catch (NumberFormatException e) {
      throw new ApiError(400, Errors.INVALID_ARG_VERSION);
    }
    return version == current ? waitNanos : 0;
  }

  private void park(HttpServerRequest req, Object key, long waitNanos, Handler<HttpServerRequest> answer) throws ApiError {
    if (!longPolls.park(req, key, waitNanos, answer::handle)) {
      throw new ApiError(503, Errors.TOO_MANY_WAITERS);
    }
  }

  private void answerLookup(HttpServerRequest req, String topic) {
    HttpServerResponse res = req.response();
    if (topic.equals("*")) {
      res.putHeader(X_LOOKUP_VERSION, "0");
      lookupAll(req);
      return;
    }
    RegistrationDb.Topic t = db.find(topic);
    res.putHeader(X_LOOKUP_VERSION, t == null ? "0" : Long.toString(t.version));
    if (t == null || !t.registered) {
      fail(req, new ApiError(404, Errors.TOPIC_NOT_FOUND));
      return;
    }
    long now = db.now();
    Buffer body = cache.lookup(topic, t.version, now);
    if (body == null) {
      List<PeerInfo> producers = new ArrayList<>(t.producers.size());
      long validUntil = db.lookupProducers(t, now, producers);
      StringBuilder sb = new StringBuilder(64 + producers.size() * 160);
      sb.append("{\"channels\":");
      Json.strings(sb, t.channels.keySet());
      sb.append(",\"producers\":[");
      for (int i = 0; i < producers.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        producer(sb, producers.get(i)).append('}');
      }
      sb.append("]}");
      body = cache.putLookup(topic, sb, t.version, validUntil);
    }
    json(req, body);
  }

  /** nsqlookupd's wildcard read: every channel and every topic producer (deduplicated, sorted here). */
  private void lookupAll(HttpServerRequest req) {
    TreeSet<String> channels = new TreeSet<>();
    TreeMap<String, PeerInfo> producers = new TreeMap<>();
    if (!db.lookupAll(db.now(), channels, producers)) {
      fail(req, new ApiError(404, Errors.TOPIC_NOT_FOUND));
      return;
    }
    StringBuilder sb = new StringBuilder().append("{\"channels\":");
    Json.strings(sb, channels).append(",\"producers\":[");
    boolean first = true;
    for (PeerInfo p : producers.values()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      producer(sb, p).append('}');
    }
    json(req, Buffer.buffer(sb.append("]}").toString()));
  }

  /** The producer object's fields in nsqlookupd's order, without the closing brace. */
  private static StringBuilder producer(StringBuilder sb, PeerInfo p) {
    sb.append("{\"remote_address\":");
    Json.str(sb, p.id).append(",\"hostname\":");
    Json.str(sb, p.hostname).append(",\"broadcast_address\":");
    Json.str(sb, p.broadcastAddress).append(",\"tcp_port\":").append(p.tcpPort)
        .append(",\"http_port\":").append(p.httpPort).append(",\"version\":");
    Json.str(sb, p.version);
    if (!p.topologyZone.isEmpty() || !p.topologyRegion.isEmpty()) {
      sb.append(",\"topology_zone\":");
      Json.str(sb, p.topologyZone).append(",\"topology_region\":");
      Json.str(sb, p.topologyRegion);
    }
    return sb;
  }

  private Buffer topics() {
    Buffer body = cache.topics(db.topicsVersion());
    if (body == null) {
      StringBuilder sb = new StringBuilder(16 + db.topicRegistrations() * 16).append("{\"topics\":");
      Json.strings(sb, db.topicNames()).append('}');
      body = cache.putTopics(sb, db.topicsVersion());
    }
    return body;
  }

  private void channels(HttpServerRequest req, Map<String, String> q) throws ApiError {
    String topic = q.get("topic");
    if (topic == null) {
      throw new ApiError(400, Errors.MISSING_ARG_TOPIC);
    }
    StringBuilder sb = new StringBuilder(64).append("{\"channels\":");
    if (topic.equals("*")) {
      Json.strings(sb, db.allChannelNames());
    } else {
      RegistrationDb.Topic t = db.find(topic);
      Json.strings(sb, t == null ? List.of() : t.channels.keySet());
    }
    json(req, Buffer.buffer(sb.append('}').toString()));
  }

  /**
   * /nodes, and its long poll (ours): /nodes?wait=D&version=V. The route does not take parameters
   * in nsqlookupd, so a query that does not parse is ignored rather than refused.
   */
  private void nodes(HttpServerRequest req, Map<String, String> unused) throws ApiError {
    String raw = req.query();
    if (raw != null) {
      Map<String, String> q;
      try {
        q = Query.parse(raw);
      } catch (Query.Invalid e) {
        q = Map.of();
      }
      long waitNanos = pollWait(q, db.nodesVersion());
      if (waitNanos > 0) {
        park(req, LongPolls.NODES, waitNanos, this::answerNodes);
        return;
      }
    }
    answerNodes(req);
  }

  private void answerNodes(HttpServerRequest req) {
    Buffer body = nodes();
    req.response().putHeader(X_LOOKUP_VERSION, Long.toString(db.nodesVersion()));
    json(req, body);
  }

  private Buffer nodes() {
    long now = db.now();
    Buffer body = cache.nodes(db.nodesVersion(), now);
    if (body == null) {
      long validUntil = Long.MAX_VALUE;
      StringBuilder sb = new StringBuilder(256).append("{\"producers\":[");
      boolean first = true;
      for (PeerInfo p : db.clients()) {
        if (!db.active(p, now)) {
          continue;
        }
        if (!first) {
          sb.append(',');
        }
        first = false;
        producer(sb, p).append(",\"tombstones\":[");
        boolean f = true;
        for (Producer tp : p.topics.values()) {
          if (!f) {
            sb.append(',');
          }
          f = false;
          boolean live = db.tombstoneLive(tp, now);
          sb.append(live);
          validUntil = Math.min(validUntil, db.nextFlip(tp, now));
        }
        sb.append("],\"topics\":");
        Json.strings(sb, p.topics.keySet()).append('}');
        validUntil = Math.min(validUntil, p.lastUpdate + options.inactiveProducerTimeout().toNanos() + 1);
      }
      sb.append("]}");
      body = cache.putNodes(sb, db.nodesVersion(), validUntil);
    }
    return body;
  }

  private Buffer debug() {
    StringBuilder sb = new StringBuilder(256).append('{');
    boolean first = true;
    for (Map.Entry<String, List<Producer>> e : db.dump().entrySet()) {
      Json.key(sb, e.getKey(), first).append('[');
      first = false;
      boolean f = true;
      for (Producer p : e.getValue()) {
        if (!f) {
          sb.append(',');
        }
        f = false;
        PeerInfo i = p.peer;
        sb.append("{\"broadcast_address\":");
        Json.str(sb, i.broadcastAddress).append(",\"hostname\":");
        Json.str(sb, i.hostname).append(",\"http_port\":").append(i.httpPort).append(",\"id\":");
        Json.str(sb, i.id).append(",\"last_update\":").append(i.lastUpdate)
            .append(",\"tcp_port\":").append(i.tcpPort)
            .append(",\"tombstoned\":").append(p.tombstoned)
            .append(",\"tombstoned_at\":").append(p.tombstoned ? p.tombstonedAt : RegistrationDb.GO_ZERO_TIME_NANOS);
        if (!i.topologyZone.isEmpty() || !i.topologyRegion.isEmpty()) {
          sb.append(",\"topology_region\":");
          Json.str(sb, i.topologyRegion).append(",\"topology_zone\":");
          Json.str(sb, i.topologyZone);
        }
        sb.append(",\"version\":");
        Json.str(sb, i.version).append('}');
      }
      sb.append(']');
    }
    return Buffer.buffer(sb.append('}').toString());
  }

  // ---- mutations: names validated, "*" refused (ours: nsqlookupd lets topic=* wipe the registry) ----

  private void createTopic(HttpServerRequest req, Map<String, String> q) throws ApiError {
    db.createTopic(topic(q));
    done(req);
  }

  private void deleteTopic(HttpServerRequest req, Map<String, String> q) throws ApiError {
    db.deleteTopic(topic(q));
    done(req);
  }

  private void createChannel(HttpServerRequest req, Map<String, String> q) throws ApiError {
    String topic = topic(q);
    db.createChannel(topic, channel(q));
    done(req);
  }

  private void deleteChannel(HttpServerRequest req, Map<String, String> q) throws ApiError {
    String topic = topic(q);
    if (!db.deleteChannel(topic, channel(q))) {
      throw new ApiError(404, Errors.CHANNEL_NOT_FOUND);
    }
    done(req);
  }

  private void tombstoneTopic(HttpServerRequest req, Map<String, String> q) throws ApiError {
    String topic = topic(q);
    String node = q.get("node");
    if (node == null) {
      throw new ApiError(400, Errors.MISSING_ARG_NODE);
    }
    db.tombstone(topic, node);
    done(req);
  }

  private static String topic(Map<String, String> q) throws ApiError {
    String topic = q.get("topic");
    if (topic == null) {
      throw new ApiError(400, Errors.MISSING_ARG_TOPIC);
    }
    if (!NsqNames.isValid(topic)) {
      throw new ApiError(400, Errors.INVALID_ARG_TOPIC);
    }
    return topic;
  }

  private static String channel(Map<String, String> q) throws ApiError {
    String channel = q.get("channel");
    if (channel == null) {
      throw new ApiError(400, Errors.MISSING_ARG_CHANNEL);
    }
    if (!NsqNames.isValid(channel)) {
      throw new ApiError(400, Errors.INVALID_ARG_CHANNEL);
    }
    return channel;
  }

  /** Told by the registry that a topic's /lookup answer may have changed. */
  void topicChanged(String topic) {
    cache.topicChanged(topic);
    longPolls.changed(topic);
  }
}
