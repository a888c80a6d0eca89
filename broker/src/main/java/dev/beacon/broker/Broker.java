package dev.beacon.broker;

import dev.beacon.broker.nsq.NsqCore;
import dev.beacon.broker.nsq.NsqHttp;
import dev.beacon.broker.nsq.NsqListener;
import dev.beacon.broker.nsq.NsqServer;
import dev.beacon.common.CommandLine;
import dev.beacon.common.Durations;
import dev.beacon.common.HostPort;
import dev.beacon.common.Hostname;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
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
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

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
  /** The NSQ side (always there: nsqd's HTTP API answers even without an NSQ listener). */
  final NsqServer nsq;
  private final List<BiConsumer<String, String>> nsqListeners = new ArrayList<>();
  /** Holds an NSQ PUB's message while it is delivered like a client's PUB. */
  private final Parser nsqPublish;
  private NsqListener nsqListener;
  private int nsqPort = -1;
  private final long startTime = System.currentTimeMillis();
  private String hostname = "";
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
  private Auth auth;
  /** Built once at start from the tls-* and route-tls-* settings; null without TLS. */
  private SslContext clientTls;
  private SslContext routeServerTls;
  private SslContext routeClientTls;
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
    this.auth = options.auth();
    this.discoveryFactory = discovery;
    this.deliver = new Deliver(this);
    this.routes = new Routes(this);
    this.serverId = newServerId();
    this.serverName = options.name().isEmpty() ? serverId : options.name();
    this.nsq = new NsqServer(options.nsq().settings(), new NsqBridge(), System::nanoTime,
        () -> System.currentTimeMillis() * 1_000_000L);
    this.nsqPublish = new Parser(Parser.Kind.CLIENT, null, options.maxControlLine(), options.maxPayload());
    nsq.setOtherTopics(this::natsTopics);
    nsq.setAuth(new NsqLogins(this, this::batch));
  }

  private io.vertx.core.WorkerExecutor authWorkers;

  /**
   * Where bcrypt checks run: a worker pool of its own, one thread per core, so logins are checked
   * in parallel (as nats-server's goroutines do) and never queue behind other blocking work.
   */
  io.vertx.core.WorkerExecutor authWorkers() {
    if (authWorkers == null) {
      authWorkers = vertx.createSharedWorkerExecutor("beacon-auth-" + serverId(),
          Runtime.getRuntime().availableProcessors());
    }
    return authWorkers;
  }

  /** Users, token and permissions in force (replaced by {@link #reloadAuth}); on the broker's context. */
  Auth auth() {
    return auth;
  }

  /**
   * New users, token and permissions (SIGHUP): from now on CONNECTs are checked against them, and
   * every connected client is checked again ({@link ClientConnection#reauthorize}). Call on the
   * broker's context.
   */
  public void reloadAuth(Auth next) {
    auth = next;
    beginRead();
    try {
      for (ClientConnection c : new ArrayList<>(clients.values())) {
        c.reauthorize(next);
      }
      nsq.reauthorize();
    } finally {
      endRead();
    }
  }

  public BrokerOptions options() {
    return options;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    // Class loading, JFR registration and the hostname lookup block: a worker does them first.
    // Reading certificate files blocks too.
    return vertx.executeBlocking(() -> {
      Warmup.run();
      hostname = Hostname.local();
      loadTls();
      return advertiseHost();
    }).compose(host -> {
      advertiseHost = host;
      return listenAll();
    });
  }

  private void loadTls() {
    if (options.tls() != null) {
      clientTls = options.tls().serverContext(vertx);
    }
    if (options.routeTls() != null) {
      routeServerTls = options.routeTls().serverContext(vertx);
      routeClientTls = options.routeTls().clientContext(vertx);
    }
  }

  private Future<?> listenAll() {
    DiscoveryOptions d = options.discovery();
    if (!d.lookupdTcpAddresses().isEmpty() && (options.httpTls() != null) != d.peerHttpTls()) {
      BrokerLog.LOG.warn(options.httpTls() != null
          ? "monitoring speaks HTTPS only (http-tls-cert) but peer-http-tls is off: brokers configured like this one"
              + " read peers' /varz over plain HTTP, so they cannot dial this broker (it still dials them)"
          : "peer-http-tls is on but this broker's monitoring is plain HTTP (no http-tls-cert): brokers configured"
              + " like this one cannot read its /varz, so they cannot dial it (it still dials them)");
    }
    if (options.clustered()) {
      routeServer = vertx.createNetServer(netOptions(options.cluster()));
      routeServer.connectHandler(routes::accept);
      routeServer.exceptionHandler(e -> log("route listener: " + e.getMessage()));
    }
    httpServer = vertx.createHttpServer(httpOptions());
    httpServer.requestHandler(new Monitor(this).router(vertx));
    return listenClients()
        .compose(v -> routeServer == null ? Future.<Void>succeededFuture() : listen(routeServer, options.cluster()))
        .compose(v -> httpServer.listen(options.http().port(), options.http().host())
            .recover(e -> Future.failedFuture(bindError(options.http(), e))))
        .compose(v -> listenNsq())
        .compose(v -> {
          startWriteDeadlineSweep();
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
      clientServer.connectHandler(socket -> acceptClient(clientWire(socket)));
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

  /** The NSQ listener, when nsq-listen is set. */
  private Future<Void> listenNsq() {
    HostPort hp = options.nsq().listen();
    if (hp == null) {
      return Future.succeededFuture();
    }
    nsqListener = new NsqListener(vertx, nsq, hp, (int) Math.min(Integer.MAX_VALUE, options.maxPending()),
        options.maxConnections(), this::batch, this::nsqPending);
    return nsqListener.listen().map(port -> {
      nsqPort = port;
      log("nsq listener (nsqd V2 protocol) on " + hp.host() + ":" + port);
      return null;
    });
  }

  /** Runs NSQ work with the write batching of a client read: what it delivers is flushed once at the end. */
  private void batch(Runnable work) {
    beginRead();
    try {
      work.run();
    } finally {
      endRead();
    }
  }

  /** Monitoring: plain HTTP, or HTTPS only when http-tls-cert and http-tls-key are set. */
  private HttpServerOptions httpOptions() {
    HttpServerOptions o = new HttpServerOptions();
    TlsSettings t = options.httpTls();
    if (t != null) {
      o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(t.cert()).setKeyPath(t.key()))
          .setEnabledSecureTransportProtocols(t.minVersion().equals("1.3") ? Set.of("TLSv1.3") : Set.of("TLSv1.2", "TLSv1.3"))
          .setSslHandshakeTimeout(t.timeout().toMillis()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
      for (String c : t.ciphers()) {
        o.addEnabledCipherSuite(c);
      }
    }
    return o;
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
    if (writeDeadlineSweep >= 0) {
      vertx.cancelTimer(writeDeadlineSweep);
      writeDeadlineSweep = -1;
    }
    if (authWorkers != null) {
      authWorkers.close();
    }
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
   * Lame duck mode (as nats-server's): refuse new clients (NATS and NSQ), leave lookupd, tell routes
   * and clients (INFO "ldm":true; clients get connect_urls without this server), wait the grace
   * period, then close the clients, NSQ connections too, spread over the rest of lame-duck-duration. Completes when all are closed.
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
    if (nsqListener != null) {
      nsqListener.stopAccepting(lameDuckDrain().toMillis());
    }
    Future<Void> left = stopCluster();
    routes.enterLameDuck();
    long grace = options.lameDuckGracePeriod().toMillis();
    long spread = options.lameDuckDuration().toMillis() - grace;
    Promise<Void> done = Promise.promise();
    vertx.setTimer(Math.max(1, grace), t -> closeClientsSpread(closers(), 0, spread, done));
    lameDuckDone = left.transform(ar -> done.future());
    return lameDuckDone;
  }

  /** One closer per open client, NATS and NSQ; each returns false if its client was closed already. */
  private List<BooleanSupplier> closers() {
    List<BooleanSupplier> all = new ArrayList<>(clients.size());
    for (ClientConnection c : clients.values()) {
      all.add(() -> {
        if (c.closed) {
          return false;
        }
        c.close("Server Shutdown", options.shutdownGrace().toMillis());
        return true;
      });
    }
    all.addAll(nsq.connectionClosers());
    return all;
  }

  /**
   * Closes {@code all[from..]} in batches: one batch per interval of at most spread/batches and at
   * most 1 s (random, at least half of it, as nats-server), so the last batch goes before spread ends.
   */
  private void closeClientsSpread(List<BooleanSupplier> all, int from, long spreadMs, Promise<Void> done) {
    int n = all.size();
    long intervalMs = n == 0 ? 0 : Math.min(1000, Math.max(1, spreadMs) / n);
    int batch = 1;
    if (intervalMs < 1) {
      intervalMs = 1;
      batch = (int) Math.min(n, (n + Math.max(1, spreadMs) - 1) / Math.max(1, spreadMs));
    }
    closeBatch(all, from, batch, intervalMs, done);
  }

  private void closeBatch(List<BooleanSupplier> all, int from, int batch, long intervalMs, Promise<Void> done) {
    int i = from;
    int closedNow = 0;
    while (i < all.size() && closedNow < batch) {
      if (all.get(i++).getAsBoolean()) {
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
    if (nsqListener != null) {
      closing.add(nsqListener.close());
      nsqListener = null;
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
      // The shutdown's own flush bound, not the shorter one of an error close.
      c.close("Server Shutdown", options.shutdownGrace().toMillis());
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

  /**
   * A client socket's adapter (call on the socket's context). With TLS first, Netty's SslHandler goes
   * in here, before the first byte is read; otherwise {@link ClientConnection#start} adds it after INFO.
   */
  Wire clientWire(NetSocket socket) {
    Wire w = wire(socket);
    if (options.tls() != null && options.tls().handshakeFirst()) {
      w.startTls(null, newClientTlsHandler(w));
    }
    return w;
  }

  /** A server-side SslHandler for one client connection. */
  SslHandler newClientTlsHandler(Wire w) {
    return options.tls().newHandler(clientTls, w.alloc(), null, 0);
  }

  /** A route's SslHandler: server side when accepted, else dialling {@code host:port} (verified). */
  SslHandler newRouteTlsHandler(Wire w, HostPort dialled) {
    TlsSettings t = options.routeTls();
    return dialled == null ? t.newHandler(routeServerTls, w.alloc(), null, 0)
        : t.newHandler(routeClientTls, w.alloc(), dialled.host(), dialled.port());
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

  // ---- write deadline: one sweep over every connection, instead of a timer per connection ----

  private long writeDeadlineSweep = -1;

  /** The sweep's period: a quarter of write-deadline, at most 1 s, so a cut comes within deadline + period. */
  static long writeDeadlineSweepMillis(Duration deadline) {
    return Math.max(1, Math.min(1000, deadline.toMillis() / 4));
  }

  private void startWriteDeadlineSweep() {
    String text = Durations.formatGo(options.writeDeadline());
    long millis = Math.max(1, options.writeDeadline().toMillis());
    writeDeadlineSweep = vertx.setPeriodic(writeDeadlineSweepMillis(options.writeDeadline()),
        id -> sweepWriteDeadlines(millis, text));
  }

  /**
   * Cuts every client and route whose socket took none of its waiting bytes for write-deadline
   * (nats-server's write_deadline). nats-server closes a client whose write batch misses the
   * deadline, and a route only when not one byte of the batch was written: a socket that took no
   * byte for the whole deadline is that case for both. Costs a look at each connection's socket
   * backlog per sweep; nothing per message.
   */
  private void sweepWriteDeadlines(long millis, String text) {
    List<Conn> late = new ArrayList<>(0);
    for (ClientConnection c : clients.values()) {
      if (c.pastWriteDeadline(millis)) {
        late.add(c);
      }
    }
    for (RouteConnection r : routes.everything()) {
      if (r.pastWriteDeadline(millis)) {
        late.add(r);
      }
    }
    if (late.isEmpty()) {
      return;
    }
    beginRead();
    try {
      for (Conn c : late) {
        if (!c.closed) {
          c.writeDeadlineExceeded(text);
        }
      }
    } finally {
      endRead();
    }
  }

  /** Updates {@code c}'s share of the pending total (0 when it closes). */
  void countPending(Conn c, long pending) {
    pendingTotal += pending - c.counted;
    c.counted = pending;
  }

  /**
   * An NSQ socket's unsent bytes changed by {@code delta}: they are part of the pending total. NSQ
   * sockets are flushed in tasks of their own, so the budget is enforced here too, as at the end of
   * a flush round.
   */
  private void nsqPending(long delta) {
    pendingTotal += delta;
    if (delta > 0 && readDepth == 0 && pendingTotal > options.maxPendingTotal() && !enforcing) {
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
   * the most pending bytes first, NATS and NSQ alike (an NSQ socket's count is kept current by its
   * writes' completions). Routes are never cut here (each stays bounded by max-pending).
   */
  private void enforcePendingTotal() {
    List<ClientConnection> cs = new ArrayList<>(clients.size());
    for (ClientConnection c : clients.values()) {
      if (!c.closed) {
        countPending(c, c.out.refreshBacklog(c.wire));
        cs.add(c);
      }
    }
    List<NsqListener.Pending> nsqs = nsqListener == null ? List.of() : nsqListener.pending();
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
    List<NsqListener.Pending> ns = new ArrayList<>(nsqs);
    ns.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
    int i = 0;
    int k = 0;
    while (pendingTotal > budget) {
      ClientConnection c = i < cs.size() ? cs.get(i) : null;
      NsqListener.Pending n = k < ns.size() ? ns.get(k) : null;
      if (c != null && c.closed) {
        i++;
        continue;
      }
      long cb = c == null ? 0 : c.counted;
      long nb = n == null ? 0 : n.bytes();
      if (cb == 0 && nb == 0) {
        break;
      }
      stats.pendingTotalCuts++;
      if (cb >= nb) {
        i++;
        log(c + " pending total " + pendingTotal + " bytes past max-pending-total " + budget + "; cutting the largest");
        c.slowConsumer();
      } else {
        k++;
        stats.slowConsumers++;
        log(n + " pending total " + pendingTotal + " bytes past max-pending-total " + budget + "; cutting the largest");
        n.cut();
      }
    }
  }

  io.vertx.core.Vertx vertx() {
    return vertx;
  }

  long now() {
    return now;
  }

  /**
   * Reads the wall clock into {@link #now} and returns it: for the time a connection took bytes,
   * which must not be older than the connection's start (the cached {@link #now} is the time of the
   * loop's previous read, possibly before this connection was accepted).
   */
  long clock() {
    return now = System.currentTimeMillis();
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

  /** The NSQ side's way into the core: channels as queue subscriptions of the broker itself, PUB as a local publish. */
  private final class NsqBridge implements NsqCore {
    @Override
    public Object subscribe(String subject, String queue, Delivery delivery) {
      Subscription s = new Subscription(delivery::deliver, subject, queue);
      sublist.insert(s);
      localSubscribed(s);
      return s;
    }

    @Override
    public void unsubscribe(Object handle) {
      Subscription s = (Subscription) handle;
      if (s.closed) {
        return;
      }
      s.closed = true;
      sublist.remove(s);
      localUnsubscribed(s);
    }

    @Override
    public void publish(String subject, byte[] b, int off, int len) {
      Parser p = nsqPublish;
      byte[] subjectBytes = subject.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      p.args = subjectBytes;
      p.subjectOff = 0;
      p.subjectLen = subjectBytes.length;
      p.replyLen = -1;
      p.queueCount = 0;
      p.headerLen = -1;
      p.payload = b;
      p.payloadOff = off;
      p.payloadLen = len;
      beginRead();
      try {
        deliver.process(null, p);
      } finally {
        endRead();
      }
    }

    @Override
    public void registrationChanged(String topic, String channel) {
      for (BiConsumer<String, String> l : nsqListeners) {
        try {
          l.accept(topic, channel);
        } catch (RuntimeException e) {
          log("nsq listener failed: " + e);
        }
      }
    }
  }

  /** Subjects with local subscribers that could be NSQ topics (for nsqd's /stats). */
  private java.util.Collection<String> natsTopics() {
    List<String> out = new ArrayList<>();
    interest.forEachSubject((subject, queues) -> {
      if (!subject.startsWith("_INBOX.") && NsqServer.isTopicName(subject)) {
        out.add(subject);
      }
    });
    return out;
  }

  /** nsqd's HTTP API for the monitoring port. */
  NsqHttp nsqHttp() {
    return new NsqHttp(nsq, () -> new NsqHttp.Info(advertiseHost, hostname, this::httpPort,
        () -> nsqPort > 0 ? nsqPort : clientPort, startTime / 1000),
        // HTTP carries no NSQ credentials: with client auth on, only monitoring-actions opens the writes
        () -> !auth.required() || options.monitoringActions());
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
    public int nsqPort() {
      return nsqPort;
    }

    @Override
    public NsqRegistrationsView nsqRegistrations() {
      return new NsqRegistrationsView() {
        @Override
        public boolean hasTopic(String topic) {
          return nsq.hasRegisteredTopic(topic);
        }

        @Override
        public boolean hasChannel(String topic, String channel) {
          return nsq.hasRegisteredChannel(topic, channel);
        }

        @Override
        public void forEachRegistration(BiConsumer<String, String> action) {
          nsq.forEachRegistration(action);
        }
      };
    }

    @Override
    public void addNsqListener(BiConsumer<String, String> listener) {
      nsqListeners.add(listener);
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

  /** Actual bound NSQ port, or -1 without nsq-listen. */
  public int nsqPort() {
    return nsqPort;
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
