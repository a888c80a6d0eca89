package dev.beacon.lookupd;

import dev.beacon.common.HostPort;
import dev.beacon.common.Hostname;
import dev.beacon.common.Log;
import dev.beacon.common.NettyWarmup;
import dev.beacon.common.OutOfMemoryExit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TCPSSLOptions;
import io.vertx.core.net.SocketAddress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The lookupd daemon as a verticle: it owns the {@link RegistrationDb} and creates both the TCP
 * server (nsqd brokers) and the HTTP server (consumers, nsqadmin) in {@link #start()}, so every
 * handler runs on this verticle's event loop and the state needs no locks.
 */
public final class Lookupd extends VerticleBase {

  /** Unix nanoseconds. */
  static final LongSupplier WALL_CLOCK = () -> {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  };

  private final LookupdOptions options;
  private final LongSupplier clock;
  private RegistrationDb db;
  private HttpApi http;
  private Metrics metrics;
  private Log log;
  private NetServer tcpServer;
  private HttpServer httpServer;
  private Answers answers;
  private final String hostname;
  /** True while start() runs its warm-up connection (kept out of /metrics). */
  private boolean warming;

  public Lookupd(LookupdOptions options) {
    this(options, WALL_CLOCK);
  }

  /** With an injected clock (unix nanoseconds), for tests of time-based behaviour. */
  Lookupd(LookupdOptions options, LongSupplier clock) {
    this.options = options;
    this.clock = clock;
    this.hostname = Hostname.local(); // here, not in start(): it may touch the file system or DNS
    warmUp();
  }

  private static final AtomicBoolean WARM = new AtomicBoolean();

  /**
   * Runs the TCP command path on a throwaway registry, once per JVM and off the event loop. A cold
   * JVM took 0.9 s to answer its first IDENTIFY (Jackson's start-up plus the interpreter), and nsqd
   * gives each answer 1 s before it drops the connection. Netty's first direct chunk is made here too
   * ({@link NettyWarmup}), so its JFR set-up does not block the event loop at the first connection.
   */
  private static void warmUp() {
    if (!WARM.compareAndSet(false, true)) {
      return;
    }
    NettyWarmup.run();
    byte[] body = "{\"broadcast_address\":\"warm\",\"hostname\":\"warm\",\"http_port\":1,\"tcp_port\":2,\"version\":\"1.3.0\"}"
        .getBytes(StandardCharsets.UTF_8);
    RegistrationDb db = new RegistrationDb(WALL_CLOCK, 1, 1, topic -> { });
    LookupProtocol.Wire discard = new LookupProtocol.Wire() {
      @Override
      public void send(byte[] payload) {
      }

      @Override
      public void close() {
      }
    };
    Metrics metrics = new Metrics();
    for (int i = 0; i < 300; i++) {
      LookupProtocol p = new LookupProtocol(db, body, "warm:" + i, discard, metrics, 100);
      FrameParser parser = new FrameParser(p, 256, 1024);
      p.parser(parser);
      Buffer session = Buffer.buffer().appendString("  V1PING\nIDENTIFY\n").appendInt(body.length).appendBytes(body)
          .appendString("REGISTER t" + (i % 10) + " c\nREGISTER t" + (i % 10) + "\nPING\nUNREGISTER t" + (i % 10) + " c\n");
      parser.feed(session);
      p.closed();
    }
  }

  @Override
  public Future<?> start() {
    log = new Log(options.logPrefix(), Log.Level.parse(options.logLevel()));
    db = new RegistrationDb(clock, options.inactiveProducerTimeout().toNanos(), options.tombstoneLifetime().toNanos(),
        topic -> http.topicChanged(topic));
    metrics = new Metrics();
    http = new HttpApi(vertx, db, options, metrics, new ConsoleRegistry(db, metrics, log, hostname));

    NetServerOptions tcpOptions = new NetServerOptions()
        .setTcpKeepAlive(true)
        .setTcpNoDelay(true)
        .setReadIdleTimeout((int) options.clientTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    if (options.tcpTls()) {
      tls(tcpOptions);
      tcpOptions.setClientAuth(options.tlsCa().isEmpty() ? ClientAuth.NONE : ClientAuth.REQUIRED);
    }
    tcpServer = vertx.createNetServer(tcpOptions).connectHandler(this::connected)
        // Errors before a connection is handed over: with TLS, a failed handshake (at debug, so a
        // scanner cannot flood the log; the client learns the reason from its own TLS stack).
        .exceptionHandler(e -> {
          OutOfMemoryExit.check(e);
          log.debug("TCP: connection failed before the protocol: " + e.getMessage());
        });
    HttpServerOptions httpOptions = new HttpServerOptions()
        .setIdleTimeout((int) options.httpIdleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setTcpNoDelay(true)
        // Every request is handled on this verticle's event loop, never elsewhere: Vert.x can skip its thread checks.
        .setStrictThreadMode(true)
        .setHttp2ClearTextEnabled(false);
    if (options.httpTls()) {
      tls(httpOptions);
      httpOptions.setClientAuth(options.tlsCa().isEmpty() ? ClientAuth.NONE : ClientAuth.REQUIRED);
    }
    httpServer = vertx.createHttpServer(httpOptions).connectionHandler(this::httpConnected).requestHandler(http)
        .exceptionHandler(e -> {
          OutOfMemoryExit.check(e);
          log.debug("HTTP: connection failed before a request: " + e.getMessage());
        });

    return listen(tcpServer::listen, options.tcpAddress())
        .compose(s -> listen(httpServer::listen, options.httpAddress()))
        .onSuccess(s -> answers = answers())
        .compose(s -> warmUpConnection())
        .onSuccess(s -> {
          log.info("TCP" + (options.tcpTls() ? " (TLS)" : "") + ": listening on "
              + hostPort(options.tcpAddress().host(), tcpPort()));
          if (answers.secret() == null) {
            log.info("TCP: no registration-secret: any peer that can connect may register");
          }
          log.info((options.httpTls() ? "HTTPS" : "HTTP") + ": listening on "
              + hostPort(options.httpAddress().host(), httpPort()));
        });
  }

  /**
   * One throwaway PING over our own TCP listener before we report ready. A cold JVM took 0.7 s to
   * answer the first command of the first connection (Vert.x and Netty loading their connection
   * classes), and nsqd drops a lookupd that does not answer within 1 s. Best effort: never fails
   * start, never takes more than 2 s, and is not counted in /metrics.
   */
  private Future<Void> warmUpConnection() {
    if (options.tcpTls() && !options.tlsCa().isEmpty()) {
      return Future.succeededFuture(); // it has no client certificate to show: the handshake would only fail
    }
    warming = true;
    String host = options.tcpAddress().host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = "127.0.0.1";
    }
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(2000, id -> done.tryComplete());
    // With tcp-tls it talks TLS to itself and trusts whatever it is shown: nothing is sent but a PING.
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000)
        .setSsl(options.tcpTls()).setTrustAll(options.tcpTls()).setHostnameVerificationAlgorithm(""));
    client.connect(tcpPort(), host).onComplete(ar -> {
      if (ar.failed()) {
        done.tryComplete();
        return;
      }
      NetSocket socket = ar.result();
      socket.handler(answer -> socket.close());
      socket.closeHandler(v -> done.tryComplete());
      socket.write(Buffer.buffer("  V1PING\n"));
    });
    return done.future().eventually(() -> {
      vertx.cancelTimer(timer);
      warming = false;
      return client.close();
    });
  }

  /**
   * Binds addr. As Go's net.Listen does on Linux, "0.0.0.0" listens dual-stack on "::" so IPv6
   * peers reach us too; where IPv6 is unavailable it falls back to IPv4 only.
   */
  private static <T> Future<T> listen(java.util.function.BiFunction<Integer, String, Future<T>> bind, HostPort addr) {
    Future<T> f = addr.host().equals("0.0.0.0")
        ? bind.apply(addr.port(), "::").recover(e -> bind.apply(addr.port(), addr.host()))
        : bind.apply(addr.port(), addr.host());
    return f.recover(e -> Future.failedFuture(new IOException("listen " + addr + " failed: " + reason(e), e)));
  }

  private static String reason(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.replaceFirst("^bind\\(\\.\\.\\) failed: ", "");
  }

  @Override
  public Future<?> stop() {
    Future<Void> a = tcpServer == null ? Future.succeededFuture() : tcpServer.close();
    Future<Void> b = httpServer == null ? Future.succeededFuture() : httpServer.close();
    return Future.join(a, b);
  }

  /** The TCP port actually bound (useful with port 0). */
  public int tcpPort() {
    return tcpServer.actualPort();
  }

  /** The HTTP port actually bound (useful with port 0). */
  public int httpPort() {
    return httpServer.actualPort();
  }

  /** The PEM certificate and key (both listeners use the same) and the client CA when set. */
  private void tls(TCPSSLOptions o) {
    o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCert()).setKeyPath(options.tlsKey()));
    if (!options.tlsCa().isEmpty()) {
      o.setTrustOptions(new PemTrustOptions().addCertPath(options.tlsCa()));
    }
  }

  /**
   * The IDENTIFY answers and the registration secret, shared by every TCP connection.
   *
   * @param identify the answer to a peer that enters the registry
   * @param secret the registration secret as UTF-8, or null when none is set
   * @param refused the answer to a peer without the secret (null when none is set)
   */
  record Answers(byte[] identify, byte[] secret, byte[] refused) {
  }

  private Answers answers() {
    String secret = options.registrationSecret();
    if (secret.isEmpty()) {
      return new Answers(identifyAnswer(null), null, null);
    }
    return new Answers(identifyAnswer("accepted"), secret.getBytes(StandardCharsets.UTF_8), identifyAnswer("refused"));
  }

  /**
   * nsqlookupd's IDENTIFY answer, with the broadcast overrides (ours) applied. Keys sorted, as Go
   * marshals a map. With a registration secret set it also says whether the peer's was accepted
   * ({@code "registration_secret":"accepted"} or {@code "refused"}); nsqd ignores keys it does not know.
   */
  private byte[] identifyAnswer(String registration) {
    String broadcast = options.broadcastAddress().isEmpty() ? hostname : options.broadcastAddress();
    int tcp = options.broadcastTcpPort() != 0 ? options.broadcastTcpPort() : tcpPort();
    int httpPort = options.broadcastHttpPort() != 0 ? options.broadcastHttpPort() : httpPort();
    StringBuilder sb = new StringBuilder(128).append("{\"broadcast_address\":");
    Json.str(sb, broadcast).append(",\"hostname\":");
    Json.str(sb, hostname).append(",\"http_port\":").append(httpPort);
    if (registration != null) {
      sb.append(",\"registration_secret\":\"").append(registration).append('"');
    }
    sb.append(",\"tcp_port\":").append(tcp)
        .append(",\"version\":\"").append(HttpApi.VERSION).append("\"}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---- the TCP listener ---------------------------------------------------------------------

  private void connected(NetSocket socket) {
    String remote = peerId(socket.remoteAddress());
    if (warming) {
      new TcpConnection(socket, remote, db, answers, options, new Metrics(), null);
      return;
    }
    if (metrics.tcpConnections >= options.maxConnections()) {
      refuse(socket, remote);
      return;
    }
    new TcpConnection(socket, remote, db, answers, options, metrics, log);
  }

  private static final long REFUSAL_LOG_INTERVAL_NANOS = 10_000_000_000L;
  private long lastRefusalLog = System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS;
  private long refusedSinceLog;

  /** A connection beyond max-connections: counted, logged at most once per interval, refused. */
  private void refuse(NetSocket socket, String remote) {
    metrics.rejectedTcpConnections++;
    // A flood of refused connections must not become a flood of log lines: at most one line per
    // REFUSAL_LOG_INTERVAL, saying how many were refused since the last one (all are in /metrics).
    long now = System.nanoTime();
    if (now - lastRefusalLog >= REFUSAL_LOG_INTERVAL_NANOS) {
      log.warn("TCP: refused client(" + remote + "): " + options.maxConnections() + " connections open (max-connections)"
          + (refusedSinceLog > 0 ? "; " + refusedSinceLog + " more refused since the last such line" : ""));
      lastRefusalLog = now;
      refusedSinceLog = 0;
    } else {
      refusedSinceLog++;
    }
    TcpConnection.refuse(socket, options.maxConnections());
  }

  // ---- one HTTP connection -----------------------------------------------------------------

  /** Counts HTTP connections; one beyond max-http-connections is closed before any request on it is read. */
  private void httpConnected(HttpConnection conn) {
    if (metrics.httpConnections >= options.maxHttpConnections()) {
      metrics.rejectedHttpConnections++;
      log.debug("HTTP: refused connection(" + conn.remoteAddress() + "): " + options.maxHttpConnections()
          + " connections open (max-http-connections)");
      conn.close();
      return;
    }
    metrics.httpConnections++;
    conn.closeHandler(v -> metrics.httpConnections--);
  }

  /** nsqlookupd's peer id: the remote ip:port, IPv6 in brackets and in Go's short form ("[::1]:5000"). */
  static String peerId(SocketAddress a) {
    return hostPort(shortIpv6(a.hostAddress()), a.port());
  }

  /** Java writes 0:0:0:0:0:0:0:1; Go (RFC 5952) writes ::1. Collapses the longest run of two or more zero groups. */
  static String shortIpv6(String host) {
    if (host.indexOf(':') < 0 || host.contains("::")) {
      return host;
    }
    int pct = host.indexOf('%');
    String zone = pct < 0 ? "" : host.substring(pct);
    String[] g = (pct < 0 ? host : host.substring(0, pct)).split(":");
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < g.length; ) {
      int j = i;
      while (j < g.length && g[j].equals("0")) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = Math.max(j, i + 1);
    }
    if (bestStart < 0) {
      return host;
    }
    String head = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
    String tail = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, g.length));
    return head + "::" + tail + zone;
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** For tests in this package. */
  RegistrationDb db() {
    return db;
  }
}
