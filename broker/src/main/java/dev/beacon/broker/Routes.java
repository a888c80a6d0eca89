package dev.beacon.broker;

import dev.beacon.common.HostPort;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The route mesh: the desired peer set (discovery plus static routes), dialling with backoff and
 * jitter while a peer stays in the set, accepted routes, one registered route per remote server id
 * (a duplicate keeps the connection solicited by the lower server id), and the cluster's client
 * connect_urls.
 */
final class Routes {

  /** A route address we want a route to. */
  static final class Peer {
    final HostPort addr;
    boolean wanted = true;
    /** Dialling it reached ourselves: never redialled. */
    boolean self;
    /** The server id last seen at this address. */
    String serverId;
    int attempts;
    long timer = -1;
    RouteConnection conn;

    Peer(HostPort addr) {
      this.addr = addr;
    }
  }

  private final Broker broker;
  private final Map<HostPort, Peer> peers = new LinkedHashMap<>();
  private final Map<String, RouteConnection> byId = new HashMap<>();
  private final Set<RouteConnection> handshaking = new HashSet<>();
  private RouteConnection[] registered = new RouteConnection[0];
  private Set<HostPort> discovered = Set.of();
  private NetClient client;
  private boolean stopped;
  private List<String> lastUrls = List.of();

  Routes(Broker broker) {
    this.broker = broker;
  }

  void start() {
    BrokerOptions o = broker.options();
    client = broker.vertx().createNetClient(new NetClientOptions()
        .setConnectTimeout((int) Math.max(1, o.routeConnectTimeout().toMillis()))
        .setTcpNoDelay(true));
    lastUrls = connectUrls();
    reconcile();
  }

  void stop() {
    stopped = true;
    for (Peer p : peers.values()) {
      cancel(p);
    }
  }

  /** Registered routes (a snapshot array: safe to iterate while routes close). */
  List<RouteConnection> all() {
    return Arrays.asList(registered);
  }

  /** Every route connection, registered or still in its handshake. */
  List<RouteConnection> everything() {
    List<RouteConnection> all = new ArrayList<>(Arrays.asList(registered));
    all.addAll(handshaking);
    return all;
  }

  int count() {
    return registered.length;
  }

  void setPeers(Set<HostPort> set) {
    discovered = Set.copyOf(set);
    if (client != null) {
      reconcile();
    }
  }

  private void reconcile() {
    Set<HostPort> want = new LinkedHashSet<>(broker.options().routes());
    want.addAll(discovered);
    for (Peer p : new ArrayList<>(peers.values())) {
      if (!want.contains(p.addr)) {
        // No longer redialled; an established route stays until it closes.
        p.wanted = false;
        cancel(p);
        peers.remove(p.addr);
      }
    }
    for (HostPort hp : want) {
      if (!peers.containsKey(hp)) {
        Peer p = new Peer(hp);
        peers.put(hp, p);
        dial(p);
      }
    }
  }

  private void cancel(Peer p) {
    if (p.timer >= 0) {
      broker.vertx().cancelTimer(p.timer);
      p.timer = -1;
    }
  }

  private void dial(Peer p) {
    p.timer = -1;
    if (stopped || !p.wanted || p.self || p.conn != null) {
      return;
    }
    if (covered(p)) {
      return; // redialled when that route closes
    }
    client.connect(p.addr.port(), p.addr.host()).onComplete(ar -> {
      if (ar.failed()) {
        schedule(p);
        return;
      }
      NetSocket socket = ar.result();
      if (stopped || !p.wanted || covered(p)) {
        socket.close();
        return;
      }
      RouteConnection rc = new RouteConnection(broker, broker.nextCid(), broker.wire(socket), true, p);
      if (broker.options().routeTls() != null) {
        // TLS before anything else, as nats-server routes; the peer is verified against the address dialled.
        rc.wire.startTls(null, broker.newRouteTlsHandler(rc.wire, p.addr));
      }
      p.conn = rc;
      handshaking.add(rc);
      rc.start();
    });
  }

  /**
   * A registered route already reaches the server at {@code p}'s address: known by the server id
   * last seen there, or by the route address a route advertised in its INFO (the peer dialled us
   * first). Dialling again would only make a duplicate route.
   */
  private boolean covered(Peer p) {
    if (p.serverId != null && byId.containsKey(p.serverId)) {
      return true;
    }
    for (RouteConnection r : registered) {
      if (p.addr.equals(r.advertised)) {
        p.serverId = r.remoteId;
        return true;
      }
    }
    return false;
  }

  /** The server id last seen at route address {@code addr}, or null (tests). */
  String peerServerId(HostPort addr) {
    Peer p = peers.get(addr);
    return p == null ? null : p.serverId;
  }

  private void schedule(Peer p) {
    if (stopped || !p.wanted || p.self || p.timer >= 0) {
      return;
    }
    BrokerOptions o = broker.options();
    long min = Math.max(1, o.routeReconnectMin().toMillis());
    long max = Math.max(min, o.routeReconnectMax().toMillis());
    long delay = Math.min(max, min << Math.min(p.attempts, 20));
    delay += (long) (delay * 0.25 * ThreadLocalRandom.current().nextDouble());
    p.attempts++;
    p.timer = broker.vertx().setTimer(delay, id -> dial(p));
  }

  void accept(NetSocket socket) {
    if (stopped) {
      socket.close();
      return;
    }
    RouteConnection rc = new RouteConnection(broker, broker.nextCid(), broker.wire(socket), false, null);
    if (broker.options().routeTls() != null) {
      rc.wire.startTls(null, broker.newRouteTlsHandler(rc.wire, null));
    }
    handshaking.add(rc);
    rc.start();
  }

  /**
   * Registers a route whose INFO arrived; false when it lost to an existing duplicate (then closed).
   * Duplicates come only from truly simultaneous handshakes (a peer whose route already reaches us
   * is not dialled, see {@link #covered}); both servers keep the one solicited by the lower server
   * id. When the newcomer wins, it adopts the old route's interest before the old one is retired.
   */
  boolean register(RouteConnection rc) {
    handshaking.remove(rc);
    RouteConnection existing = byId.get(rc.remoteId);
    if (existing != null && existing != rc) {
      broker.stats.duplicateRoutes++;
      if (solicitor(rc).compareTo(solicitor(existing)) < 0) {
        broker.log(existing + " replaced by duplicate " + rc);
        unregister(existing);
        rc.adopt(existing);
        existing.retire(rc, broker.options().routeDuplicateGrace().toMillis());
      } else {
        broker.log(rc + " duplicate route closed");
        rc.close("Duplicate Route");
        return false;
      }
    }
    byId.put(rc.remoteId, rc);
    registered = byId.values().toArray(new RouteConnection[0]);
    if (rc.peer != null) {
      rc.peer.attempts = 0;
    }
    Peer at = rc.advertised == null ? null : peers.get(rc.advertised);
    if (at != null && at.serverId == null) {
      at.serverId = rc.remoteId;
    }
    connectUrlsChanged();
    return true;
  }

  private String solicitor(RouteConnection rc) {
    return rc.solicited ? broker.serverId() : rc.remoteId;
  }

  private void unregister(RouteConnection rc) {
    if (rc.remoteId != null && byId.get(rc.remoteId) == rc) {
      byId.remove(rc.remoteId);
      registered = byId.values().toArray(new RouteConnection[0]);
    }
    rc.registered = false;
  }

  /** A route connection ended (any stage). */
  void closed(RouteConnection rc) {
    handshaking.remove(rc);
    boolean wasRegistered = rc.remoteId != null && byId.get(rc.remoteId) == rc;
    unregister(rc);
    if (rc.peer != null && rc.peer.conn == rc) {
      rc.peer.conn = null;
      schedule(rc.peer);
    }
    if (wasRegistered) {
      broker.log(rc + " route closed: " + rc.closeReason);
      for (Peer p : peers.values()) {
        if (rc.remoteId.equals(p.serverId) && p.conn == null) {
          schedule(p);
        }
      }
      connectUrlsChanged();
    }
  }

  /** The route addresses this broker dials (static plus discovered), as "host:port". */
  List<String> peerUrls() {
    List<String> urls = new ArrayList<>();
    for (HostPort hp : peers.keySet()) {
      urls.add(hp.toString());
    }
    return urls;
  }

  /** Dialling {@code addr} was found to reach this server itself. */
  boolean selfDetected(HostPort addr) {
    Peer p = peers.get(addr);
    return p != null && p.self;
  }

  /** {@code addr} is in the desired peer set. */
  boolean wants(HostPort addr) {
    return peers.containsKey(addr);
  }

  Map<String, RouteConnection> byServerId() {
    return byId;
  }

  // ---- INFO / CONNECT and connect_urls ----

  /**
   * This server's client URL first, then every route's. A server in lame duck mode leaves its own
   * out, and the URLs of a peer that announced lame duck mode are left out (clients must not reconnect to a server about to stop).
   */
  List<String> connectUrls() {
    LinkedHashSet<String> urls = new LinkedHashSet<>();
    if (!broker.lameDuck()) {
      urls.add(broker.clientUrl());
    }
    for (RouteConnection r : registered) {
      if (!r.lameDuck) {
        urls.addAll(r.connectUrls);
      }
    }
    return new ArrayList<>(urls);
  }

  /**
   * This server entered lame duck mode: every route gets an INFO with "ldm":true (its peer drops
   * our client URL), every protocol-1 client an async INFO with "ldm":true and connect_urls
   * without our own URL.
   */
  void enterLameDuck() {
    byte[] info = Frames.info(routeInfo());
    for (RouteConnection r : everything()) {
      if (!r.closed) {
        r.send(info);
      }
    }
    lastUrls = connectUrls();
    sendInfoToClients();
  }

  /** Pushes an async INFO to protocol-1 clients when the cluster's client URLs changed. */
  void connectUrlsChanged() {
    List<String> urls = connectUrls();
    if (urls.equals(lastUrls)) {
      return;
    }
    lastUrls = urls;
    sendInfoToClients();
  }

  private void sendInfoToClients() {
    for (ClientConnection c : broker.clients.values().toArray(new ClientConnection[0])) {
      if (c.connected && c.protocol >= 1 && !c.closed) {
        c.sendInfo();
      }
    }
  }

  /** The INFO a client gets on accept and, for protocol-1 clients, when connect_urls change. */
  Info clientInfo(ClientConnection c) {
    BrokerOptions o = broker.options();
    boolean routed = registered.length > 0;
    boolean auth = broker.auth().required();
    boolean urls = (routed || broker.lameDuck()) && !lastUrls.isEmpty();
    TlsSettings tls = o.tls();
    return new Info(broker.serverId(), broker.serverName(), Protocol.NATS_VERSION, Protocol.CLIENT_PROTO,
        "beacon " + Broker.version() + " (java " + Runtime.version().feature() + ")",
        o.listen().host(), broker.clientPort(), true, auth ? Boolean.TRUE : null,
        tls != null ? Boolean.TRUE : null, tls != null && tls.verify() ? Boolean.TRUE : null, o.maxPayload(), c.cid, c.ip,
        routed ? o.clusterName() : null, urls ? lastUrls : null, broker.lameDuck() ? Boolean.TRUE : null);
  }

  /** The INFO a route gets: where to dial this server's routes, and its client URL for connect_urls. */
  Info routeInfo() {
    BrokerOptions o = broker.options();
    TlsSettings tls = o.routeTls();
    return new Info(broker.serverId(), broker.serverName(), Protocol.NATS_VERSION, Protocol.ROUTE_PROTO,
        "beacon " + Broker.version(), broker.advertisedHost(), broker.clusterPort(), true,
        o.routeUser().isEmpty() ? null : Boolean.TRUE, tls != null ? Boolean.TRUE : null,
        tls != null ? tls.verify() : null, o.maxPayload(),
        null, null, o.clusterName(), List.of(broker.clientUrl()), broker.lameDuck() ? Boolean.TRUE : null);
  }

  /**
   * The CONNECT for a route dialled to {@code addr}: credentials from that route's URL when it had
   * some, else route-user/route-password (nats-server's order).
   */
  RouteConnect routeConnect(HostPort addr) {
    BrokerOptions o = broker.options();
    String userInfo = addr == null ? null : o.routeUrlCredentials().get(addr);
    String user = o.routeUser();
    String pass = o.routePassword();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = userInfo.substring(0, colon);
      pass = userInfo.substring(colon + 1);
    }
    return RouteConnect.of(broker.serverId(), o.clusterName(), user, pass, o.routeTls() != null);
  }

}
