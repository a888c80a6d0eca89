package dev.beacon.broker;

import dev.beacon.common.CommandLine;
import dev.beacon.common.HostPort;
import dev.beacon.common.Hostname;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A NATS-core-protocol broker: client listener, monitoring HTTP listener and route (cluster)
 * listener, all on the event loop of this verticle, which owns every piece of state (Sublist,
 * connections, routes); nothing is shared across threads, so nothing is locked.
 *
 * <p>Route peers beyond the configured ones come from a {@link Discovery}, which sees the broker only
 * through the {@link DiscoveryHost} view built here.
 */
public final class Broker extends VerticleBase {

  private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private final BrokerOptions options;
  final Wire.Scratch scratch = new Wire.Scratch();
  final Sublist sublist = new Sublist();
  final Map<Long, ClientConnection> clients = new LinkedHashMap<>();
  final Deliver deliver;
  final LocalInterest interest = new LocalInterest();
  private final List<DiscoveryHost.InterestListener> interestListeners = new ArrayList<>();
  private final Discovery.Factory discoveryFactory;
  final Routes routes;
  final Stats stats = new Stats();
  private final String serverId;
  private final String serverName;
  private final List<Conn> dirty = new ArrayList<>();
  private final java.util.ArrayDeque<ClosedClient> closedClients = new java.util.ArrayDeque<>();
  private int readDepth;
  /** Pending bytes of all connections as last counted (each at its last flush or drain). */
  private long pendingTotal;
  private boolean enforcing;
  /** Highest pending total at the end of a flush round (after the budget was enforced). */
  private long pendingTotalPeak;
  private long nextCid = 1;
  private long now = System.currentTimeMillis();

  private Context context;
  private NetServer clientServer;
  private String clientListeners;
  private int clientPort = -1;
  private NetServer routeServer;
  private HttpServer httpServer;
  /** Set once on the owning loop when the listeners accept. */
  private Discovery discovery;
  private String advertiseHost;
  private boolean shuttingDown;
  private boolean lameDuck;
  private Future<Void> clusterStopped;
  private Future<?> clientListenerClosed;
  private Future<Void> lameDuckDone;

  /** A broker whose discovery ({@link Discovery#NONE}, or lookupd discovery) {@code discovery} creates at start. */
  public Broker(BrokerOptions options, Discovery.Factory discovery) {
    this.options = options;
    this.discoveryFactory = discovery;
    this.deliver = new Deliver(this);
    this.routes = new Routes(this);
    this.serverId = newServerId();
    this.serverName = options.name().isEmpty() ? serverId : options.name();
  }

  public BrokerOptions options() {
    return options;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    // Class loading, JFR registration and the hostname lookup block: a worker does them first.
    return vertx.executeBlocking(() -> {
      Warmup.run();
      return advertiseHost();
    }).compose(host -> {
      advertiseHost = host;
      return listenAll();
    });
  }

  private Future<?> listenAll() {
    routeServer = vertx.createNetServer(netOptions(options.cluster()));
    routeServer.connectHandler(routes::accept);
    httpServer = vertx.createHttpServer();
    httpServer.requestHandler(new Monitor(this).router(vertx));
    return listenClients()
        .compose(v -> listen(routeServer, options.cluster()))
        .compose(v -> httpServer.listen(options.http().port(), options.http().host())
            .recover(e -> Future.failedFuture(bindError(options.http(), e))))
        .compose(v -> {
          routes.start();
          discovery = discoveryFactory.create(new Host(), options.discovery());
          return discovery.start();
        });
  }

  /**
   * One event loop: the client server runs on this verticle's context. More: event-loops instances
   * of {@link ClientListener} share the client port, each on its own loop. Vert.x shares a port only
   * between servers that ask for the same explicit port, so port 0 is first resolved to a free port.
   */
  private Future<Void> listenClients() {
    HostPort hp = options.listen();
    if (options.eventLoops() <= 1) {
      clientServer = vertx.createNetServer(netOptions(hp));
      clientServer.connectHandler(socket -> acceptClient(wire(socket)));
      return listen(clientServer, hp).map(v -> {
        clientPort = clientServer.actualPort();
        return null;
      });
    }
    Future<Integer> port = hp.port() != 0 ? Future.succeededFuture(hp.port())
        : vertx.createNetServer(netOptions(hp)).connectHandler(NetSocket::close).listen()
            .compose(probe -> {
              int p = probe.actualPort();
              return probe.close().map(v -> p);
            });
    return port.compose(p -> vertx.deployVerticle(() -> new ClientListener(this, netOptions(new HostPort(hp.host(), p)),
            options.lameDuckDuration().toMillis() > 0 ? lameDuckDrain() : Duration.ZERO),
            new DeploymentOptions().setInstances(options.eventLoops()))
        .map(id -> {
          clientListeners = id;
          clientPort = p;
          return (Void) null;
        }))
        .recover(e -> Future.failedFuture(bindError(hp, e)));
  }

  private static NetServerOptions netOptions(HostPort hp) {
    return new NetServerOptions().setHost(hp.host()).setPort(hp.port()).setTcpNoDelay(true).setReuseAddress(true);
  }

  private static Future<Void> listen(NetServer server, HostPort hp) {
    return server.listen().<Void>mapEmpty().recover(e -> Future.failedFuture(bindError(hp, e)));
  }

  private static Exception bindError(HostPort hp, Throwable e) {
    return new IllegalStateException("listen " + hp + " failed: " + e.getMessage(), e);
  }

  @Override
  public Future<?> stop() {
    if (options.lameDuckDuration().toMillis() > 0) {
      return lameDuckMode().eventually(this::shutdown);
    }
    return shutdown();
  }

  private Future<?> shutdown() {
    shuttingDown = true;
    return stopCluster().eventually(() -> closeListeners()).eventually(this::closeConnections);
  }

  /** Stops discovery (leaving lookupd), once. */
  private Future<Void> stopCluster() {
    if (clusterStopped == null) {
      clusterStopped = discovery == null ? Future.succeededFuture() : discovery.stop();
    }
    return clusterStopped;
  }

  /**
   * Lame duck mode (as nats-server's): refuse new clients, leave lookupd, tell routes and clients
   * (INFO "ldm":true; clients get connect_urls without this server), wait the grace period, then
   * close the clients spread over the rest of lame-duck-duration. Completes when all are closed.
   * Idempotent. Started by {@link #stop}, or earlier by a {@link ClientListener} being stopped:
   * Vert.x undeploys those child deployments before this verticle's stop runs.
   */
  Future<Void> lameDuckMode() {
    if (lameDuckDone != null) {
      return lameDuckDone;
    }
    lameDuck = true;
    shuttingDown = true;
    log("entering lame duck mode for " + options.lameDuckDuration() + " (grace " + options.lameDuckGracePeriod() + ")");
    // Not awaited: it completes only when the clients it accepted are closed.
    clientListenerClosed = closeClientListener();
    Future<Void> left = stopCluster();
    routes.enterLameDuck();
    long grace = options.lameDuckGracePeriod().toMillis();
    long spread = options.lameDuckDuration().toMillis() - grace;
    Promise<Void> done = Promise.promise();
    vertx.setTimer(Math.max(1, grace), t -> closeClientsSpread(new ArrayList<>(clients.values()), 0, spread, done));
    lameDuckDone = left.transform(ar -> done.future());
    return lameDuckDone;
  }

  /**
   * Closes {@code all[from..]} in batches: one batch per interval of at most spread/batches and at
   * most 1 s (random, at least half of it, as nats-server), so the last batch goes before spread ends.
   */
  private void closeClientsSpread(List<ClientConnection> all, int from, long spreadMs, Promise<Void> done) {
    int n = all.size();
    long intervalMs = n == 0 ? 0 : Math.min(1000, Math.max(1, spreadMs) / n);
    int batch = 1;
    if (intervalMs < 1) {
      intervalMs = 1;
      batch = (int) Math.min(n, (n + Math.max(1, spreadMs) - 1) / Math.max(1, spreadMs));
    }
    closeBatch(all, from, batch, intervalMs, done);
  }

  private void closeBatch(List<ClientConnection> all, int from, int batch, long intervalMs, Promise<Void> done) {
    int i = from;
    int closedNow = 0;
    while (i < all.size() && closedNow < batch) {
      ClientConnection c = all.get(i++);
      if (!c.closed) {
        c.close("Server Shutdown");
        closedNow++;
      }
    }
    if (i >= all.size()) {
      done.tryComplete();
      return;
    }
    long half = Math.max(1, intervalMs / 2);
    long delay = half + (intervalMs > half ? ThreadLocalRandom.current().nextLong(intervalMs - half + 1) : 0);
    int next = i;
    vertx.setTimer(delay, t -> closeBatch(all, next, batch, intervalMs, done));
  }

  /** How long a client listener closed in lame duck mode leaves its connections open at most. */
  Duration lameDuckDrain() {
    return options.lameDuckDuration().plus(options.shutdownGrace());
  }

  /** True from the start of lame duck mode until the broker stops. */
  boolean lameDuck() {
    return lameDuck;
  }

  /**
   * Stops accepting clients. Vert.x's close also closes every connection the server accepted; in
   * lame duck mode they must stay, so the server is shut down with a timeout instead (the listening
   * socket closes at once; connections still open when it runs out are closed).
   */
  private Future<?> closeClientListener() {
    List<Future<?>> closing = new ArrayList<>();
    if (clientListenerClosed != null) {
      closing.add(clientListenerClosed);
    }
    if (clientServer != null) {
      closing.add(lameDuck ? clientServer.shutdown(lameDuckDrain().toMillis(), TimeUnit.MILLISECONDS) : clientServer.close());
      clientServer = null;
    }
    if (clientListeners != null) {
      closing.add(vertx.undeploy(clientListeners));
      clientListeners = null;
    }
    return Future.join(closing);
  }

  private Future<?> closeListeners() {
    List<Future<?>> closing = new ArrayList<>();
    closing.add(closeClientListener());
    if (routeServer != null) {
      closing.add(routeServer.close());
    }
    if (httpServer != null) {
      closing.add(httpServer.close());
    }
    routes.stop();
    return Future.join(closing);
  }

  /** Graceful: flush what is queued to every connection, close, wait up to shutdown-grace. */
  private Future<Void> closeConnections() {
    Promise<Void> done = Promise.promise();
    List<Conn> all = new ArrayList<>(clients.values());
    all.addAll(routes.everything());
    for (Conn c : all) {
      c.close("Server Shutdown");
    }
    long deadline = System.nanoTime() + options.shutdownGrace().toNanos();
    vertx.setPeriodic(10, id -> {
      boolean flushed = true;
      for (Conn c : all) {
        if (c.wire.pendingBytes() > 0) {
          flushed = false;
        }
      }
      if (flushed || System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }

  /** A socket adapter whose events are handled on this broker's context; call on the socket's context. */
  Wire wire(NetSocket socket) {
    return new Wire(socket, scratch, context, (int) Math.min(Integer.MAX_VALUE, options.maxPending() / 2));
  }

  /** A new client connection (on the owning context). */
  void acceptClient(Wire wire) {
    if (shuttingDown) {
      wire.closeNow();
      return;
    }
    ClientConnection c = new ClientConnection(this, nextCid++, wire);
    stats.totalConnections++;
    if (clients.size() >= options.maxConnections()) {
      c.sendInfo();
      c.protocolError(NatsProtocolException.fatal(Protocol.ERR_MAX_CONNECTIONS));
      return;
    }
    clients.put(c.cid, c);
    c.start();
  }

  long nextCid() {
    return nextCid++;
  }

  void removeClient(ClientConnection c) {
    clients.remove(c.cid);
    if (options.maxClosedClients() > 0) {
      closedClients.addLast(ClosedClient.of(c, System.currentTimeMillis()));
      while (closedClients.size() > options.maxClosedClients()) {
        closedClients.removeFirst();
      }
    }
  }

  /** The last max-closed-clients closed client connections, oldest first (for /connz?state=closed). */
  java.util.Collection<ClosedClient> closedClients() {
    return closedClients;
  }

  // ---- write batching: connections written during one read are flushed once at its end ----

  void beginRead() {
    readDepth++;
    now = System.currentTimeMillis();
  }

  void endRead() {
    if (--readDepth == 0) {
      flushDirty();
    }
  }

  void markDirty(Conn c) {
    dirty.add(c);
    if (readDepth == 0) {
      flushDirty();
    }
  }

  private void flushDirty() {
    // A flush may close a slow consumer whose close handler marks more connections dirty.
    for (int i = 0; i < dirty.size(); i++) {
      Conn c = dirty.get(i);
      if (!c.closed) {
        c.flush();
      } else {
        c.dirty = false;
      }
    }
    dirty.clear();
    if (pendingTotal > options.maxPendingTotal() && !enforcing) {
      enforcing = true;
      try {
        enforcePendingTotal();
      } finally {
        enforcing = false;
      }
    }
    if (pendingTotal > pendingTotalPeak) {
      pendingTotalPeak = pendingTotal;
    }
  }

  /** Updates {@code c}'s share of the pending total (0 when it closes). */
  void countPending(Conn c, long pending) {
    pendingTotal += pending - c.counted;
    c.counted = pending;
  }

  /** The highest {@link #pendingTotal()} seen at the end of a flush round. */
  long pendingTotalPeak() {
    return pendingTotalPeak;
  }

  /** Pending bytes of all connections, as last counted. */
  long pendingTotal() {
    return pendingTotal;
  }

  /**
   * The pending total passed max-pending-total: recount every connection from its socket (backlogs
   * shrink as peers read, without a flush to notice), then, while still over, cut the clients with
   * the most pending bytes first. Routes are never cut here (each stays bounded by max-pending).
   */
  private void enforcePendingTotal() {
    List<ClientConnection> cs = new ArrayList<>(clients.size());
    for (ClientConnection c : clients.values()) {
      if (!c.closed) {
        countPending(c, c.out.refreshBacklog(c.wire));
        cs.add(c);
      }
    }
    for (RouteConnection r : routes.everything()) {
      if (!r.closed) {
        countPending(r, r.out.refreshBacklog(r.wire));
      }
    }
    long budget = options.maxPendingTotal();
    if (pendingTotal <= budget) {
      return;
    }
    cs.sort((a, b) -> Long.compare(b.counted, a.counted));
    for (int i = 0; i < cs.size() && pendingTotal > budget; i++) {
      ClientConnection c = cs.get(i);
      if (c.closed) {
        continue;
      }
      if (c.counted == 0) {
        break;
      }
      stats.pendingTotalCuts++;
      log(c + " pending total " + pendingTotal + " bytes past max-pending-total " + budget + "; cutting the largest");
      c.slowConsumer();
    }
  }

  io.vertx.core.Vertx vertx() {
    return vertx;
  }

  long now() {
    return now;
  }

  void slowConsumer(Conn c) {
    stats.slowConsumers++;
    if (c instanceof RouteConnection) {
      stats.slowConsumerRoutes++;
    } else {
      stats.slowConsumerClients++;
    }
  }

  void log(String line) {
    BrokerLog.LOG.info(line);
  }

  // ---- identity and addresses ----

  private static String newServerId() {
    SecureRandom rnd = new SecureRandom();
    StringBuilder sb = new StringBuilder("N");
    for (int i = 0; i < 55; i++) {
      sb.append(ID_ALPHABET.charAt(rnd.nextInt(ID_ALPHABET.length())));
    }
    return sb.toString();
  }

  /** broadcast-address, else the listen host unless it is a wildcard, else this machine's name; may block. */
  private String advertiseHost() {
    return Hostname.advertised(options.broadcastAddress(), options.listen().host());
  }

  /** Host other nodes and clients should dial (broadcast-address, else the listen host, else the hostname). */
  String advertisedHost() {
    return advertiseHost;
  }

  /** This broker's own client URL ("host:port") as put in connect_urls. */
  String clientUrl() {
    return new HostPort(advertiseHost, clientPort()).toString();
  }

  // ---- local interest: counted once, told to routes (RS+/RS-) and to discovery's listeners ----

  /** A local client subscription was added: a plain subject goes to routes on 0 -> 1, a queue group with every new weight. */
  void localSubscribed(Subscription s) {
    int n = interest.add(s.subject, s.queue);
    if (s.queue != null || n == 1) {
      for (RouteConnection r : routes.all()) {
        r.sendSub(s.subject, s.queue, n);
      }
    }
    tellInterest(s, true);
  }

  /** A local client subscription ended: RS- at 0, a queue group's new weight otherwise. */
  void localUnsubscribed(Subscription s) {
    int n = interest.remove(s.subject, s.queue);
    if (n < 0) {
      return;
    }
    if (n == 0) {
      for (RouteConnection r : routes.all()) {
        r.sendUnsub(s.subject, s.queue);
      }
    } else if (s.queue != null) {
      for (RouteConnection r : routes.all()) {
        r.sendSub(s.subject, s.queue, n);
      }
    }
    tellInterest(s, false);
  }

  private void tellInterest(Subscription s, boolean added) {
    for (DiscoveryHost.InterestListener l : interestListeners) {
      try {
        l.onInterest(s.subject, s.queue, added);
      } catch (RuntimeException e) {
        // A listener bug must not break the client whose SUB/UNSUB triggered it.
        log("interest listener failed: " + e);
      }
    }
  }

  /** Sends all local interest to a route that just came up. */
  void sendAllInterest(RouteConnection r) {
    interest.forEach(r::sendSub);
  }

  /** The version reported in INFO and /varz. */
  static String version() {
    return CommandLine.versionOf(Broker.class, "0.1.0");
  }

  String serverName() {
    return serverName;
  }

  /** The view handed to discovery (also for tests in this package). */
  DiscoveryHost discoveryHost() {
    return new Host();
  }

  /** The discovery created at start (null before the listeners accept). */
  Discovery discovery() {
    return discovery;
  }

  private final class Host implements DiscoveryHost {
    @Override
    public Context context() {
      return context;
    }

    @Override
    public int clientPort() {
      return Broker.this.clientPort();
    }

    @Override
    public int httpPort() {
      return Broker.this.httpPort();
    }

    @Override
    public String serverId() {
      return serverId;
    }

    @Override
    public LocalInterestView localInterest() {
      return interest;
    }

    @Override
    public void addInterestListener(InterestListener listener) {
      interestListeners.add(listener);
    }

    @Override
    public void setRoutePeers(Set<HostPort> peers) {
      routes.setPeers(peers);
    }
  }

  // ---- public API: bound ports and identity (Main's ready line, tests, embedding) ----

  /** Actual bound client port. */
  public int clientPort() {
    return clientPort;
  }

  /** Actual bound monitoring port. */
  public int httpPort() {
    return httpServer == null ? -1 : httpServer.actualPort();
  }

  /** Actual bound route (cluster) port. */
  public int clusterPort() {
    return routeServer == null ? -1 : routeServer.actualPort();
  }

  public String serverId() {
    return serverId;
  }

  /** The context that owns all broker state; call the broker only on it. */
  public Context context() {
    return context;
  }
}
