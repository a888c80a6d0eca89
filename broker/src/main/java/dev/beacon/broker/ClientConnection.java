package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * One client connection (nats-server client.go): INFO on accept, CONNECT with server defaults,
 * PUB/HPUB/SUB/UNSUB/PING/PONG, +OK in verbose mode, auth and its timeout, server PINGs and
 * stale detection. Runs on the broker's event loop.
 */
final class ClientConnection extends Conn {
  final SidMap subs = new SidMap();
  boolean connected;
  boolean verbose = true;
  boolean pedantic = true;
  boolean echo = true;
  boolean headers;
  boolean noResponders;
  int protocol;
  String name = "";
  String lang = "";
  String version = "";
  String user = "";
  /** What this client's CONNECT presented (token or password), kept to check it again on a reload. */
  private String secret = "";
  /** The stored token or password it was last checked against ("" without auth). */
  private String checkedAgainst = "";
  /** Null: may publish and subscribe to anything. */
  ClientPermissions perms;
  /** Set once closed, read by a bcrypt check queued on a worker thread (skips the work). */
  private volatile boolean gone;
  private int pingsOut;
  private long pingTimer = -1;
  private long authTimer = -1;

  // Producer backpressure (nats-server's stall): see noteStall and afterRead.
  /** Of the consumers this read delivered to past half their max-pending, the one with the most pending. */
  private Conn stallCandidate;
  private long stallCandidatePending;
  /** The consumer this connection's reads wait on, or null. */
  private Conn stalledOn;
  private long stallTimer = -1;
  private long stallStart;

  ClientConnection(Broker broker, long cid, Wire wire) {
    super(broker, cid, wire);
    BrokerOptions o = broker.options();
    this.parser = new Parser(Parser.Kind.CLIENT, this, o.maxControlLine(), o.maxPayload());
  }

  void start() {
    TlsSettings tls = broker.options().tls();
    if (tls == null) {
      sendInfo();
      startAuthTimer();
    } else if (tls.handshakeFirst()) {
      // The SslHandler went in when the socket was accepted; INFO goes out once TLS is up.
      sendInfo();
    } else {
      // INFO in clear text, then nothing but a TLS handshake is accepted (nats-server).
      wire.startTls(Frames.info(broker.routes.clientInfo(this)), broker.newClientTlsHandler(wire));
    }
    long interval = Math.max(1, broker.options().pingInterval().toMillis());
    pingTimer = broker.vertx().setPeriodic(interval, id -> pingTick(interval));
  }

  /** nats-server starts the auth timer once the TLS handshake is done. */
  @Override
  void tlsReady() {
    startAuthTimer();
  }

  private void startAuthTimer() {
    BrokerOptions o = broker.options();
    if (authRequired()) {
      authTimer = broker.vertx().setTimer(Math.max(1, o.authTimeout().toMillis()), id -> {
        authTimer = -1;
        if (!connected && !closed) {
          protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_TIMEOUT));
        }
      });
    }
  }

  private boolean authRequired() {
    return broker.auth().required();
  }

  void sendInfo() {
    send(Frames.info(broker.routes.clientInfo(this)));
  }

  private void pingTick(long interval) {
    if (closed) {
      return;
    }
    long now = System.currentTimeMillis();
    // nats-server skips the PING when the client sent something within the interval.
    if (pingsOut == 0 && now - lastActivity < interval) {
      return;
    }
    if (pingsOut + 1 > broker.options().pingMax()) {
      broker.stats.staleConnections++;
      protocolError(NatsProtocolException.fatal(Protocol.ERR_STALE));
      return;
    }
    pingsOut++;
    send(Frames.PING);
  }

  private void requireConnect() {
    if (!connected && authRequired()) {
      throw NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
  }

  @Override
  public void onConnect(byte[] b, int off, int len) {
    JsonNode json = Json.readObject(b, off, len);
    if (json == null) {
      throw NatsProtocolException.closeSilently("malformed CONNECT json");
    }
    ClientConnect c = ClientConnect.from(json);
    verbose = c.verbose();
    pedantic = c.pedantic();
    echo = c.echo();
    headers = c.headers();
    noResponders = c.noResponders();
    protocol = c.protocol();
    name = c.name();
    lang = c.lang();
    version = c.version();
    if (protocol < 0 || protocol > 1) {
      throw NatsProtocolException.fatal(Protocol.ERR_INVALID_PROTOCOL);
    }
    if (noResponders && !headers) {
      throw NatsProtocolException.fatal(Protocol.ERR_NO_RESPONDERS_HEADERS);
    }
    Auth auth = broker.auth();
    if (!auth.required()) {
      accepted(auth, "", "", "");
      return;
    }
    String stored = auth.storedSecret(c.user());
    String presented = auth.token().isEmpty() ? c.pass() : c.authToken();
    String login = auth.token().isEmpty() ? c.user() : "";
    if (stored == null) {
      throw NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
    if (!Auth.isBcrypt(stored)) {
      if (!Auth.matches(stored, presented)) {
        throw NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
      }
      accepted(auth, login, presented, stored);
      return;
    }
    // A bcrypt check takes milliseconds by design: on a worker, with this client's input held
    // (parsing goes on after the answer, in order). The auth timer still runs.
    parser.suspend();
    broker.authWorkers().<Boolean>executeBlocking(() -> !gone && Auth.matches(stored, presented), false)
        .onComplete(ar -> {
          if (closed) {
            return;
          }
          if (ar.failed() || !ar.result()) {
            broker.beginRead();
            try {
              protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION));
            } finally {
              broker.endRead();
            }
            return;
          }
          broker.beginRead();
          try {
            // The users may have been reloaded meanwhile: the check stands only if this one is still in force.
            Auth now = broker.auth();
            if (!Objects.equals(now.storedSecret(c.user()), stored) || !now.token().equals(auth.token())) {
              protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION));
              return;
            }
            accepted(now, login, presented, stored);
          } finally {
            broker.endRead();
          }
          resumeParsing();
        });
  }

  /** Permission violations of this client so far (each gets its -ERR; the log gets a sample). */
  private long violations;

  /**
   * Logs the 1st, 10th, 100th, ... violation of this client with the count: a client looping on a
   * refused publish must not turn into a log line per message.
   */
  private void logViolation(String what) {
    long n = ++violations;
    for (long p = 1; p <= n; p *= 10) {
      if (p == n) {
        broker.log(this + " " + what + (n > 1 ? " (violation " + n + " of this client)" : ""));
        return;
      }
    }
  }

  /** CONNECT accepted: the user's permissions apply from here on. */
  private void accepted(Auth auth, String login, String presented, String stored) {
    user = login;
    secret = presented;
    checkedAgainst = stored;
    Auth.User u = auth.users().get(login);
    Permissions p = u == null ? null : u.permissions();
    if (perms == null || !Objects.equals(perms.perms, p)) {
      perms = p == null ? null : new ClientPermissions(p);
    }
    connected = true;
    if (authTimer >= 0) {
      broker.vertx().cancelTimer(authTimer);
      authTimer = -1;
    }
    ok();
  }

  /**
   * The users and permissions were reloaded: as nats-server, a client whose credentials no longer
   * pass is closed with 'Authorization Violation'; the others stay, under their (new) permissions,
   * losing each subscription those refuse with a Permissions Violation error. A client whose stored
   * password did not change is not checked again (no bcrypt work for it).
   */
  void reauthorize(Auth next) {
    if (closed || !connected) {
      return;
    }
    if (next.required()) {
      String login = next.token().isEmpty() ? user : "";
      String stored = next.storedSecret(login);
      if (stored == null || (!next.token().isEmpty() && user.length() > 0)) {
        protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION));
        return;
      }
      if (!stored.equals(checkedAgainst)) {
        if (Auth.isBcrypt(stored)) {
          String presented = secret;
          broker.authWorkers().<Boolean>executeBlocking(() -> !gone && Auth.matches(stored, presented), false)
              .onComplete(ar -> {
                if (!closed && broker.auth() == next) {
                  if (ar.failed() || !ar.result()) {
                    protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION));
                  } else {
                    checkedAgainst = stored;
                  }
                }
              });
        } else if (!Auth.matches(stored, secret)) {
          protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION));
          return;
        } else {
          checkedAgainst = stored;
        }
      }
    }
    Auth.User u = next.users().get(user);
    Permissions p = u == null ? null : u.permissions();
    if (perms != null && Objects.equals(perms.perms, p)) {
      return; // rights unchanged: caches and reply permissions kept
    }
    perms = p == null ? null : new ClientPermissions(p);
    if (perms == null) {
      return;
    }
    for (Subscription s : subs.toArray()) {
      if (!perms.canSubscribe(s.subject, s.queue)) {
        removeSub(s);
        send(Frames.err(Protocol.subscriptionViolation(s.subject, null) + " (sid " + Protocol.goQuote(s.sid()) + ")"));
        broker.log(this + " Subscription Violation on reload - User \"" + user + "\", Subject \"" + s.subject + "\"");
      }
    }
  }

  static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private void ok() {
    if (verbose) {
      send(Frames.OK);
    }
  }

  /** A payload that no subscription (local, route or internal) matches is dropped as it arrives. */
  @Override
  public boolean wantsPayload(Parser p) {
    Sublist.Result r = broker.sublist.match(p.args, p.subjectOff, p.subjectLen);
    return r.psubs.length > 0 || r.qsubs.length > 0;
  }

  @Override
  public void onMsg(Parser p) {
    requireConnect();
    if (p.headerLen >= 0 && !headers) {
      throw NatsProtocolException.closeSilently("HPUB without headers support");
    }
    if (pedantic && !Subjects.isValidLiteral(p.args, p.subjectOff, p.subjectLen)) {
      // nats-server 2.9 reports the bad subject and still delivers the message.
      send(Frames.err(Protocol.ERR_INVALID_PUB_SUBJECT));
    }
    if (perms != null && !perms.canPublish(p.args, p.subjectOff, p.subjectLen)) {
      // As nats-server: -ERR, nothing delivered, no +OK, the connection stays open.
      String subject = new String(p.args, p.subjectOff, p.subjectLen, java.nio.charset.StandardCharsets.UTF_8);
      send(Frames.err(Protocol.publishViolation(subject)));
      logViolation("Publish Violation - User \"" + user + "\", Subject \"" + subject + "\"");
      return;
    }
    // nats-server acknowledges a verbose publish before it delivers it (a self-subscriber sees +OK first).
    ok();
    broker.deliver.process(this, p);
  }

  @Override
  public void onSub(String subject, String queue, String sid) {
    requireConnect();
    // nats-server checks permissions before the subject's validity and the subscription limit.
    if (perms != null && !perms.canSubscribe(subject, queue)) {
      send(Frames.err(Protocol.subscriptionViolation(subject, queue)));
      logViolation("Subscription Violation - User \"" + user + "\", Subject \"" + subject + "\", SID " + sid);
      return;
    }
    if (!Subjects.isValid(subject) || (queue != null && !Subjects.isValidLiteral(queue))) {
      send(Frames.err(Protocol.ERR_INVALID_SUBJECT));
      return;
    }
    int max = broker.options().maxSubscriptions();
    if (max > 0 && subs.size() >= max) {
      send(Frames.err(Protocol.ERR_MAX_SUBS));
      return;
    }
    if (subs.get(sid) == null) {
      Subscription s = new Subscription(this, subject, queue, sid);
      subs.add(s);
      broker.sublist.insert(s);
      broker.localSubscribed(s);
    }
    ok();
  }

  @Override
  public void onUnsub(String sid, long max) {
    requireConnect();
    Subscription s = subs.get(sid);
    if (s != null) {
      if (max > 0 && max > s.delivered) {
        s.max = max;
      } else {
        removeSub(s);
      }
    }
    ok();
  }

  void removeSub(Subscription s) {
    if (s.closed) {
      return;
    }
    s.closed = true;
    subs.remove(s);
    broker.sublist.remove(s);
    broker.localUnsubscribed(s);
  }

  /** This client published to {@code consumer}, whose stall gate is open ({@code pending} bytes). */
  void noteStall(Conn consumer, long pending) {
    if (consumer != this && pending > stallCandidatePending) {
      stallCandidate = consumer;
      stallCandidatePending = pending;
    }
  }

  /**
   * After a read that delivered to a consumer past half of its max-pending: stop reading from this
   * client until that consumer drains below half or the stall time runs out (nats-server's
   * stallDuration), whichever is first. Decided after the flush, on the consumer's real backlog.
   */
  @Override
  void afterRead() {
    Conn c = stallCandidate;
    if (c == null) {
      return;
    }
    stallCandidate = null;
    stallCandidatePending = 0;
    if (closed || c.closed || stalledOn != null) {
      return;
    }
    c.progressing(STALL_MAX_MILLIS);
    if (c.stallSpent) {
      return;
    }
    long max = broker.options().maxPending();
    long pending = c.out.queuedBytes() + c.wire.pendingBytes();
    if (pending <= max / 2) {
      return;
    }
    stalledOn = c;
    stallStart = System.nanoTime();
    c.addStalled(this);
    broker.stats.stalls++;
    wire.pauseReads();
    stallTimer = broker.vertx().setTimer(stallMillis(pending, max), id -> {
      stallTimer = -1;
      Conn on = stalledOn;
      if (on != null) {
        on.stallExpired(this);
      }
      endStall();
    });
  }

  /**
   * How long one stall lasts at most, as nats-server's stallDuration: 100 ms, plus 100 ms for each
   * tenth of half of max-pending that {@code pending} is past that half; 1 s at or past max-pending.
   */
  static long stallMillis(long pending, long maxPending) {
    if (pending >= maxPending) {
      return STALL_MAX_MILLIS;
    }
    long half = maxPending / 2;
    long ttl = 100;
    if (pending > half) {
      ttl += 100 * ((pending - half) / Math.max(1, half / 10));
    }
    return Math.min(ttl, STALL_MAX_MILLIS);
  }

  /** The longest one stall lasts. */
  static final long STALL_MAX_MILLIS = 1000;

  /** The consumer drained or closed, or the stall ran out: read again. */
  void endStall() {
    if (stalledOn == null) {
      return;
    }
    stalledOn = null;
    broker.stats.stallNanos += System.nanoTime() - stallStart;
    if (stallTimer >= 0) {
      broker.vertx().cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (!closed) {
      wire.resumeReads();
    }
  }

  /** True while this client's reads are stopped by a stall. */
  boolean stalled() {
    return stalledOn != null;
  }

  @Override
  public void onPing() {
    send(Frames.PONG);
  }

  @Override
  public void onPong() {
    pingsOut = 0;
  }

  @Override
  public void onErr(String text) {
    broker.log(this + " -ERR from client: " + text);
    close("Client Closed");
  }

  @Override
  void onClosed() {
    gone = true;
    if (pingTimer >= 0) {
      broker.vertx().cancelTimer(pingTimer);
    }
    if (authTimer >= 0) {
      broker.vertx().cancelTimer(authTimer);
    }
    stallCandidate = null;
    if (stalledOn != null) {
      stalledOn.removeStalled(this);
    }
    endStall();
    broker.removeClient(this);
    for (Subscription s : subs.toArray()) {
      removeSub(s);
    }
  }

  @Override
  public String toString() {
    return "client(" + ip + ":" + port + " cid=" + cid + ")";
  }
}
