package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.common.HostPort;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One route to another server (nats-server route.go, no-pool mode, route protocol 2): the
 * INFO/CONNECT handshake, RS+/RS- interest with queue weights, RMSG/HMSG in both directions,
 * PING/PONG keepalive. What a route taught is dropped when it closes. Messages that arrive here go
 * to local clients only (one hop).
 */
final class RouteConnection extends Conn {
  final boolean solicited;
  final Routes.Peer peer;
  String remoteId;
  String remoteName = "";
  boolean remoteHeaders;
  List<String> connectUrls = List.of();
  /** The remote announced lame duck mode (INFO "ldm":true): its client URLs leave connect_urls. */
  boolean lameDuck;
  /** The route address the remote advertised in its INFO (host, port), or null. */
  HostPort advertised;
  boolean registered;
  /** Set when a duplicate route to the same server replaced this one: interest changes go there. */
  RouteConnection replacedBy;
  private boolean connectReceived;
  private boolean infoReceived;
  private final Map<String, Subscription> learned = new HashMap<>();
  private int pingsOut;
  private long pingTimer = -1;
  private long handshakeTimer = -1;

  // Per-message scratch used by Deliver: which queue groups this route was picked for.
  long touchEpoch;
  int queueCount;
  private byte[][] queues = new byte[4][];

  RouteConnection(Broker broker, long cid, Wire wire, boolean solicited, Routes.Peer peer) {
    super(broker, cid, wire);
    this.solicited = solicited;
    this.peer = peer;
    BrokerOptions o = broker.options();
    this.parser = new Parser(Parser.Kind.ROUTE, this, o.maxControlLine(), o.maxPayload());
  }

  void start() {
    if (broker.options().routeTls() == null) {
      sendHandshake();
    }
    long timeout = Math.max(1, broker.options().authTimeout().toMillis());
    handshakeTimer = broker.vertx().setTimer(timeout, id -> {
      handshakeTimer = -1;
      if (!registered && !closed) {
        broker.log(this + " route handshake timed out");
        close("Authentication Timeout");
      }
    });
  }

  /** nats-server's "TLS route handshake error", with what to check for this side of the route. */
  @Override
  String tlsFailure(Throwable failure) {
    String s = super.tlsFailure(failure).replace("TLS handshake", "TLS route handshake");
    if (peer != null) {
      return s + " (dialled " + peer.addr + ": the peer's certificate must chain to route-tls-ca and carry "
          + peer.addr.host() + " as a subject alternative name)";
    }
    return s + " (an accepted route must present a certificate that chains to route-tls-ca)";
  }

  /** With route TLS, CONNECT and INFO go out once the TLS handshake is done (nats-server). */
  @Override
  void tlsReady() {
    sendHandshake();
  }

  private void sendHandshake() {
    if (solicited) {
      send(Frames.connect(broker.routes.routeConnect(peer == null ? null : peer.addr)));
    }
    send(Frames.info(broker.routes.routeInfo()));
  }

  int subscriptionCount() {
    return learned.size();
  }

  Iterable<Subscription> learnedSubs() {
    return learned.values();
  }

  private void requireConnect() {
    if (!solicited && !connectReceived) {
      throw NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
  }

  @Override
  public void onConnect(byte[] b, int off, int len) {
    JsonNode json = Json.readObject(b, off, len);
    if (json == null) {
      throw NatsProtocolException.closeSilently("malformed route CONNECT json");
    }
    RouteConnect c = RouteConnect.from(json);
    if (!c.lang().isEmpty()) {
      throw NatsProtocolException.fatal(Protocol.ERR_ROUTE_PORT);
    }
    String cluster = c.cluster();
    String ours = broker.options().clusterName();
    if (!cluster.isEmpty() && !cluster.equals(ours)) {
      throw NatsProtocolException.fatal("Rejecting connection, cluster name \"" + cluster + "\" does not match \"" + ours + "\"");
    }
    String user = broker.options().routeUser();
    if (!user.isEmpty() && !(ClientConnection.equal(c.user(), user)
        && ClientConnection.equal(c.pass(), broker.options().routePassword()))) {
      // nats-server: a route without the cluster credentials is an authorization violation.
      throw NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
    if (broker.serverId().equals(c.name())) {
      broker.log(this + " route to self refused");
      close("Route To Self");
      return;
    }
    connectReceived = true;
  }

  @Override
  public void onInfo(byte[] b, int off, int len) {
    requireConnect();
    JsonNode json = Json.readObject(b, off, len);
    if (json == null) {
      throw NatsProtocolException.closeSilently("malformed route INFO json");
    }
    Info info = Info.fromRoute(json);
    String id = info.serverId();
    if (infoReceived) {
      if (id.equals(remoteId)) {
        List<String> urls = info.connectUrls();
        boolean ldm = lameDuck || info.inLameDuck();
        if (ldm && !lameDuck) {
          broker.log(this + " peer entered lame duck mode");
        }
        if (!urls.equals(connectUrls) || ldm != lameDuck) {
          connectUrls = urls;
          lameDuck = ldm;
          broker.routes.connectUrlsChanged();
        }
      }
      // An INFO about another server is nats-server gossip; peers come from discovery here.
      return;
    }
    infoReceived = true;
    if (id.isEmpty()) {
      throw NatsProtocolException.closeSilently("route INFO without server_id");
    }
    if (id.equals(broker.serverId())) {
      if (peer != null) {
        peer.self = true;
      }
      broker.log(this + " route to self detected; not redialling " + (peer == null ? "" : peer.addr));
      close("Route To Self");
      return;
    }
    remoteId = id;
    remoteName = info.serverName();
    remoteHeaders = info.headers();
    connectUrls = info.connectUrls();
    lameDuck = info.inLameDuck();
    String host = info.host();
    int port = info.port();
    advertised = host.isEmpty() || port <= 0 || port > 65535 ? null : new HostPort(host, port);
    if (peer != null) {
      peer.serverId = id;
    }
    if (!broker.routes.register(this)) {
      return;
    }
    registered = true;
    if (handshakeTimer >= 0) {
      broker.vertx().cancelTimer(handshakeTimer);
      handshakeTimer = -1;
    }
    broker.log(this + " route registered");
    broker.sendAllInterest(this);
    long interval = Math.max(1, broker.options().routePingInterval().toMillis());
    pingTimer = broker.vertx().setPeriodic(interval, t -> pingTick());
  }

  private void pingTick() {
    if (closed) {
      return;
    }
    // Routes always ping, idle or not (nats-server).
    if (pingsOut + 1 > broker.options().pingMax()) {
      broker.stats.staleConnections++;
      protocolError(NatsProtocolException.fatal(Protocol.ERR_STALE));
      return;
    }
    pingsOut++;
    send(Frames.PING);
  }

  @Override
  public void onPing() {
    requireConnect();
    send(Frames.PONG);
  }

  @Override
  public void onPong() {
    pingsOut = 0;
  }

  @Override
  public void onErr(String text) {
    broker.log(this + " -ERR from route: " + text);
    close("Route Closed");
  }

  @Override
  public void onRouteSub(String account, String subject, String queue, int weight) {
    requireConnect();
    if (replacedBy != null) {
      if (!replacedBy.closed) {
        replacedBy.onRouteSub(account, subject, queue, weight);
      }
      return;
    }
    if (!registered || !Protocol.ACCOUNT.equals(account)) {
      return;
    }
    if (!Subjects.isValid(subject)) {
      send(Frames.err("Invalid Subscription"));
      return;
    }
    String key = queue == null ? subject : subject + " " + queue;
    Subscription s = learned.get(key);
    if (s == null) {
      s = new Subscription(this, subject, queue, null);
      s.weight = queue == null ? 1 : weight;
      learned.put(key, s);
      broker.sublist.insert(s);
    } else if (queue != null) {
      // A queue RS+ replaces the stored weight; Deliver reads it per message.
      s.weight = weight;
    }
  }

  @Override
  public void onRouteUnsub(String account, String subject, String queue) {
    requireConnect();
    if (replacedBy != null) {
      if (!replacedBy.closed) {
        replacedBy.onRouteUnsub(account, subject, queue);
      }
      return;
    }
    if (!Protocol.ACCOUNT.equals(account)) {
      return;
    }
    Subscription s = learned.remove(queue == null ? subject : subject + " " + queue);
    if (s != null) {
      s.closed = true;
      broker.sublist.remove(s);
    }
  }

  @Override
  public void onMsg(Parser p) {
    requireConnect();
    if (registered || replacedBy != null) {
      broker.deliver.process(this, p);
    }
  }

  // ---- replacing a duplicate route ----

  /**
   * Takes over what {@code old} (a route to the same server) learned, in one event-loop task: the
   * new entries are in the Sublist before the old ones leave it, so the remote's interest is never
   * missing. What the remote sends again on this route is idempotent.
   */
  void adopt(RouteConnection old) {
    for (Map.Entry<String, Subscription> e : old.learned.entrySet()) {
      Subscription o = e.getValue();
      if (!learned.containsKey(e.getKey())) {
        Subscription s = new Subscription(this, o.subject, o.queue, null);
        s.weight = o.weight;
        learned.put(e.getKey(), s);
        broker.sublist.insert(s);
      }
      o.closed = true;
      broker.sublist.remove(o);
    }
    old.learned.clear();
  }

  /**
   * Replaced by {@code by}: no longer sent to; what still arrives (messages in flight, interest
   * changes) is handled for {@code graceMillis}, then the connection closes. Both servers pick the
   * same survivor, so the remote stops using this one as soon as it registers the other.
   */
  void retire(RouteConnection by, long graceMillis) {
    replacedBy = by;
    registered = false;
    broker.vertx().setTimer(Math.max(1, graceMillis), id -> close("Duplicate Route"));
  }

  // ---- outbound ----

  void sendSub(String subject, String queue, int weight) {
    if (!registered || closed) {
      return;
    }
    send(Frames.routeSub(subject, queue, weight));
  }

  void sendUnsub(String subject, String queue) {
    if (!registered || closed) {
      return;
    }
    send(Frames.routeUnsub(subject, queue));
  }

  void addQueue(byte[] q) {
    if (queueCount == queues.length) {
      queues = java.util.Arrays.copyOf(queues, queueCount * 2);
    }
    queues[queueCount++] = q;
  }

  /** One RMSG (or HMSG) for this message, with the reply and the queue groups picked here. */
  void routeMsg(Parser p) {
    if (closed) {
      return;
    }
    int size = Frames.routeMsg(out, p, remoteHeaders, queues, queueCount);
    for (int i = 0; i < queueCount; i++) {
      queues[i] = null;
    }
    queueCount = 0;
    outMsgs++;
    outBytes += size;
    done();
    if (overLimit(broker.options().maxPending())) {
      slowConsumer();
    }
  }

  @Override
  void onClosed() {
    if (pingTimer >= 0) {
      broker.vertx().cancelTimer(pingTimer);
    }
    if (handshakeTimer >= 0) {
      broker.vertx().cancelTimer(handshakeTimer);
    }
    for (Subscription s : learned.values()) {
      s.closed = true;
      broker.sublist.remove(s);
    }
    learned.clear();
    broker.routes.closed(this);
  }

  @Override
  public String toString() {
    return "route(" + (remoteId == null ? ip + ":" + port : remoteName) + (solicited ? " solicited" : "") + ")";
  }
}
