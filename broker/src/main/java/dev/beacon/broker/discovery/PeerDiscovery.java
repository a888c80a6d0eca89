package dev.beacon.broker.discovery;

import dev.beacon.broker.BrokerLog;
import dev.beacon.common.Log;
import dev.beacon.broker.DiscoveryOptions;
import dev.beacon.common.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns the nodes the lookupds know into this broker's route peers. Polls each lookupd's plain
 * nsqlookupd {@code /nodes}, asks every other node's {@code /varz} whether it is a Beacon broker
 * and where its route listener is (answers cached per node), and hands the union over all
 * lookupds to the broker. A peer no lookupd has listed for {@code discovery-peer-expiry} is
 * dropped. Runs on the broker's context; never blocks; every body read is bounded.
 */
final class PeerDiscovery {
  private static final Log LOG = BrokerLog.LOG;
  /** Asks nsqlookupd for its v1 envelope (the answer without the pre-1.0 status_code/data wrapper); both envelopes are accepted. */
  private static final String ACCEPT_V1 = "application/vnd.nsq; version=1.0";
  /** Beacon lookupd's answer header with the node set's version; nsqlookupd sends none. */
  static final String VERSION_HEADER = "X-Lookupd-Version";
  /** The /varz field by which a Beacon broker tells itself apart from a nats-server or an nsqd. */
  static final String BEACON_MARKER = "beacon";

  /** One node as lookupd lists it; nsqadmin keys nodes by broadcast address and ports too. */
  record Node(String broadcastAddress, int tcpPort, int httpPort) {
  }

  /** A /varz answer: {@code route} is null for a node that is not a Beacon broker. */
  private record Varz(HostPort route, long fetchedAt) {
  }

  /** One lookupd's last successful /nodes answer: node -> its {@code remote_address} there. */
  private static final class Listing {
    Map<Node, String> nodes = Map.of();
    boolean polling;
    /** The node-set version of the last answer (a Beacon lookupd), else null: plain polling. */
    String version;
  }

  /** An HTTP answer: the JSON body and the {@link #VERSION_HEADER} value (null when absent or malformed). */
  private record Answer(JsonObject body, String version) {
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final DiscoveryOptions options;
  private final Node self;
  private final String selfServerId;
  private final Supplier<Collection<HostPort>> lookupdHttpAddresses;
  private final Consumer<Set<HostPort>> routePeers;

  private final Map<HostPort, Listing> listings = new HashMap<>();
  private final Map<Node, Long> lastListed = new HashMap<>();
  private final Map<Node, Varz> varz = new HashMap<>();
  private final Set<Node> fetching = new HashSet<>();
  private long lastAnswer = -1;
  private volatile Set<HostPort> published = Set.of();
  /** Peers ever removed from the published set (for tests and stats). */
  private volatile int removals;
  private long pollTimer = -1;
  private boolean stopped;

  PeerDiscovery(Vertx vertx, HttpClient http, DiscoveryOptions options, Node self, String selfServerId,
      Supplier<Collection<HostPort>> lookupdHttpAddresses, Consumer<Set<HostPort>> routePeers) {
    this.vertx = vertx;
    this.http = http;
    this.options = options;
    this.self = self;
    this.selfServerId = selfServerId;
    this.lookupdHttpAddresses = lookupdHttpAddresses;
    this.routePeers = routePeers;
  }

  void start() {
    long interval = options.discoveryPollInterval().toMillis();
    pollTimer = vertx.setPeriodic(interval, interval, id -> pollAll());
  }

  void stop() {
    stopped = true;
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
  }

  /** The route peers last handed to the broker (readable from any thread). */
  Set<HostPort> peers() {
    return published;
  }

  /** How many peers were ever removed from the route set. */
  int removals() {
    return removals;
  }

  /** Polls every lookupd whose HTTP address is known and that has no request outstanding. */
  void pollAll() {
    if (stopped) {
      return;
    }
    Collection<HostPort> current = lookupdHttpAddresses.get();
    // A lookupd that came back on another HTTP port: forget the old address.
    listings.keySet().retainAll(current);
    for (HostPort lookupd : current) {
      Listing listing = listings.computeIfAbsent(lookupd, a -> new Listing());
      if (!listing.polling) {
        listing.polling = true;
        poll(lookupd, listing);
      }
    }
    publish();
  }

  /**
   * One GET /nodes. A Beacon lookupd (its answers carry {@link #VERSION_HEADER}) is long-polled:
   * {@code ?wait=..&version=V} parks until the node set changes, and the next long poll goes out
   * as soon as the answer is in, so a joining broker is known within one round trip. A real
   * nsqlookupd (no header) is polled every discovery-poll-interval, as before.
   */
  private void poll(HostPort lookupd, Listing listing) {
    String asked = listing.version;
    long wait = longPollWaitMillis();
    String uri = asked == null ? "/nodes" : "/nodes?wait=" + wait + "ms&version=" + asked;
    long idle = options.lookupdResponseTimeout().toMillis() + (asked == null ? 0 : wait);
    long sent = System.nanoTime();
    getJson(lookupd.host(), lookupd.port(), uri, idle, options.lookupdTls()).onComplete(ar -> {
      listing.polling = false;
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        listing.version = null; // the next poll (timer) is a plain one
        LOG.debug("lookupd(" + lookupd + "): GET /nodes failed: " + ar.cause().getMessage());
        return;
      }
      listing.version = ar.result().version();
      onNodes(lookupd, listing, ar.result().body());
      // Poll again at once after a change or a wait that ran out; an early answer with the same
      // version (a lookupd that does not park) waits for the timer instead of spinning.
      String now = listing.version;
      boolean waitedOut = System.nanoTime() - sent >= wait * 500_000L;
      if (now != null && (!now.equals(asked) || waitedOut) && listings.get(lookupd) == listing) {
        listing.polling = true;
        poll(lookupd, listing);
      }
    });
  }

  /** The long-poll wait: discovery-long-poll-wait, but under half the peer expiry so listings stay fresh. */
  private long longPollWaitMillis() {
    return Math.max(1, Math.min(options.discoveryLongPollWait().toMillis(), options.discoveryPeerExpiry().toMillis() / 2));
  }

  private void onNodes(HostPort lookupd, Listing listing, JsonObject body) {
    Map<Node, String> nodes = nodes(body);
    if (nodes == null) {
      LOG.warn("lookupd(" + lookupd + "): /nodes answer has no producers list");
      return;
    }
    for (Map.Entry<Node, String> e : nodes.entrySet()) {
      String before = listing.nodes.get(e.getKey());
      Varz known = varz.get(e.getKey());
      if (before != null && !before.equals(e.getValue()) && known != null) {
        // Same node, new lookupd connection: it may have restarted with another route port. Ask
        // again now, but keep routing to what we knew until the answer (a lookupd restart
        // reconnects every node, and must not drop a single route).
        varz.put(e.getKey(), new Varz(known.route, System.nanoTime() - options.discoveryVarzTtl().toNanos() - 1));
      }
    }
    listing.nodes = nodes;
    lastAnswer = System.nanoTime();
    for (Node node : nodes.keySet()) {
      lastListed.put(node, lastAnswer);
      fetchVarzIfStale(node);
    }
    publish();
  }

  /** The nodes of a /nodes answer (v1 body, or the pre-1.0 {@code data} envelope), or null if it is not one. */
  static Map<Node, String> nodes(JsonObject body) {
    Object data = body.getValue("data");
    if (data instanceof JsonObject wrapped) {
      body = wrapped;
    }
    if (!(body.getValue("producers") instanceof JsonArray producers)) {
      return null;
    }
    Map<Node, String> nodes = new HashMap<>();
    for (Object o : producers) {
      if (o instanceof JsonObject p
          && p.getValue("broadcast_address") instanceof String address && !address.isEmpty()
          && p.getValue("tcp_port") instanceof Number tcp
          && p.getValue("http_port") instanceof Number httpPort
          && httpPort.intValue() > 0 && httpPort.intValue() <= 65535) {
        Object remote = p.getValue("remote_address");
        nodes.put(new Node(address, tcp.intValue(), httpPort.intValue()), remote instanceof String r ? r : "");
      }
    }
    return nodes;
  }

  private void fetchVarzIfStale(Node node) {
    if (node.equals(self) || fetching.contains(node)) {
      return;
    }
    Varz known = varz.get(node);
    if (known != null && System.nanoTime() - known.fetchedAt < options.discoveryVarzTtl().toNanos()) {
      return;
    }
    fetching.add(node);
    getJson(node.broadcastAddress(), node.httpPort(), "/varz", options.lookupdResponseTimeout().toMillis(),
        options.peerHttpTls())
        .map(Answer::body).onComplete(ar -> {
      fetching.remove(node);
      if (stopped) {
        return;
      }
      if (ar.failed() && ar.cause() instanceof NotJson) {
        // It answered, but not with /varz (an nsqd answers 404): not a broker. Remembered for the
        // varz TTL like any answer, so an nsqd is not asked every poll.
        LOG.debug("node(" + node.broadcastAddress() + ":" + node.httpPort()
            + "): not a broker (GET /varz: " + ar.cause().getMessage() + ")");
        varz.put(node, new Varz(null, System.nanoTime()));
        publish();
        return;
      }
      if (ar.failed()) {
        // Down but still listed: keep what we knew, so the broker keeps retrying it with backoff.
        LOG.debug("node(" + node.broadcastAddress() + ":" + node.httpPort()
            + "): GET /varz failed: " + ar.cause().getMessage());
        return;
      }
      // Our own node listed under another address (a different broadcast address) is not a peer.
      HostPort route = selfServerId.equals(ar.result().getValue("server_id")) ? null : routeOf(node, ar.result());
      varz.put(node, new Varz(route, System.nanoTime()));
      publish();
    });
  }

  /**
   * The route address of a node from its /varz: a Beacon broker marks itself {@code "beacon": true}
   * and reports nats-server's {@code cluster} object; anything else (an nsqd, whose /varz is a 404,
   * or a nats-server monitoring port) is not a peer. The route host is {@code cluster.addr} when it
   * is a concrete address, else the broadcast address the node registered with.
   */
  static HostPort routeOf(Node node, JsonObject varz) {
    if (!Boolean.TRUE.equals(varz.getValue(BEACON_MARKER))
        || !(varz.getValue("cluster") instanceof JsonObject cluster)
        || !(cluster.getValue("cluster_port") instanceof Number port)
        || port.intValue() <= 0 || port.intValue() > 65535) {
      return null;
    }
    String host = cluster.getValue("addr") instanceof String addr && !addr.isEmpty()
        && !addr.equals("0.0.0.0") && !addr.equals("::") && !addr.equals("[::]") ? addr : node.broadcastAddress();
    return new HostPort(host, port.intValue());
  }

  /** Expires peers no lookupd lists any more and hands the broker the set if it changed. */
  private void publish() {
    long now = System.nanoTime();
    // While no lookupd answers at all, nothing expires: a registry outage must not drop routes.
    boolean anyoneAnswering = lastAnswer >= 0 && now - lastAnswer < options.discoveryPeerExpiry().toNanos();
    Set<HostPort> peers = new HashSet<>();
    for (Iterator<Map.Entry<Node, Long>> it = lastListed.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Node, Long> e = it.next();
      if (anyoneAnswering && now - e.getValue() > options.discoveryPeerExpiry().toNanos()) {
        it.remove();
        varz.remove(e.getKey());
        continue;
      }
      Varz v = varz.get(e.getKey());
      if (v != null && v.route != null && !e.getKey().equals(self)) {
        peers.add(v.route);
      }
    }
    if (!peers.equals(published)) {
      int removed = (int) published.stream().filter(p -> !peers.contains(p)).count();
      removals += removed;
      published = Set.copyOf(peers);
      LOG.info("route peers from lookupd: " + published);
      routePeers.accept(published);
    }
  }

  /** The peer answered, but not with a 200 JSON object. */
  static final class NotJson extends RuntimeException {
    NotJson(String message) {
      super(message, null, false, false);
    }
  }

  /** GET with a bounded body; fails on a non-200 status, a body over the limit, or bad JSON. */
  private Future<Answer> getJson(String host, int port, String uri, long idleTimeoutMillis, boolean https) {
    RequestOptions request = new RequestOptions().setSsl(https)
        .setMethod(HttpMethod.GET).setHost(host).setPort(port).setURI(uri)
        .putHeader(HttpHeaders.ACCEPT, ACCEPT_V1)
        .setConnectTimeout(options.lookupdDialTimeout().toMillis())
        .setIdleTimeout(idleTimeoutMillis);
    int max = options.discoveryMaxResponseSize();
    return http.request(request).compose(req -> req.send()).compose(resp -> {
      Promise<Answer> result = Promise.promise();
      String version = resp.getHeader(VERSION_HEADER);
      String token = version != null && !version.isEmpty() && version.length() <= 20
          && version.chars().allMatch(Character::isDigit) ? version : null;
      Buffer body = Buffer.buffer();
      resp.exceptionHandler(result::tryFail);
      resp.handler(chunk -> {
        if (body.length() + chunk.length() > max) {
          result.tryFail("body over " + max + " bytes");
          resp.request().reset();
        } else {
          body.appendBuffer(chunk);
        }
      });
      resp.endHandler(v -> {
        if (resp.statusCode() != 200) {
          result.tryFail(new NotJson("HTTP " + resp.statusCode()));
          return;
        }
        try {
          result.tryComplete(new Answer(new JsonObject(body), token));
        } catch (RuntimeException e) {
          result.tryFail(new NotJson("not a JSON object"));
        }
      });
      return result.future();
    });
  }
}
