package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * One client connection (nats-server client.go): INFO on accept, CONNECT with server defaults,
 * PUB/HPUB/SUB/UNSUB/PING/PONG, +OK in verbose mode, auth and its timeout, server PINGs and
 * stale detection. Runs on the broker's event loop.
 */
final class ClientConnection extends Conn {
  final Map<String, Subscription> subs = new HashMap<>();
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
    sendInfo();
    BrokerOptions o = broker.options();
    if (authRequired()) {
      authTimer = broker.vertx().setTimer(Math.max(1, o.authTimeout().toMillis()), id -> {
        authTimer = -1;
        if (!connected && !closed) {
          protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_TIMEOUT));
        }
      });
    }
    long interval = Math.max(1, o.pingInterval().toMillis());
    pingTimer = broker.vertx().setPeriodic(interval, id -> pingTick(interval));
  }

  private boolean authRequired() {
    BrokerOptions o = broker.options();
    return !o.authToken().isEmpty() || !o.users().isEmpty();
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
    if (!authenticate(c)) {
      throw NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
    connected = true;
    if (authTimer >= 0) {
      broker.vertx().cancelTimer(authTimer);
      authTimer = -1;
    }
    ok();
  }

  private boolean authenticate(ClientConnect c) {
    BrokerOptions o = broker.options();
    if (!o.authToken().isEmpty()) {
      return equal(c.authToken(), o.authToken());
    }
    if (!o.users().isEmpty()) {
      String u = c.user();
      String expected = o.users().get(u);
      if (expected == null || !equal(c.pass(), expected)) {
        return false;
      }
      user = u;
    }
    return true;
  }

  private static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private void ok() {
    if (verbose) {
      send(Frames.OK);
    }
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
    broker.deliver.process(this, p);
    ok();
  }

  @Override
  public void onSub(String subject, String queue, String sid) {
    requireConnect();
    if (!Subjects.isValid(subject) || (queue != null && !Subjects.isValidLiteral(queue))) {
      send(Frames.err(Protocol.ERR_INVALID_SUBJECT));
      return;
    }
    int max = broker.options().maxSubscriptions();
    if (max > 0 && subs.size() >= max) {
      send(Frames.err(Protocol.ERR_MAX_SUBS));
      return;
    }
    if (!subs.containsKey(sid)) {
      Subscription s = new Subscription(this, subject, queue, sid);
      subs.put(sid, s);
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
    subs.remove(s.sid);
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
    for (Subscription s : subs.values().toArray(new Subscription[0])) {
      removeSub(s);
    }
  }

  @Override
  public String toString() {
    return "client(" + ip + ":" + port + " cid=" + cid + ")";
  }
}
