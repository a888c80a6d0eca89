package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
  static final ObjectMapper JSON = new ObjectMapper();

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
      byte[] info = ("INFO " + broker.routes.clientInfoJson(this) + "\r\n").getBytes(StandardCharsets.UTF_8);
      wire.startTls(info, broker.newClientTlsHandler(wire));
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
          protocolError(ProtocolException.fatal(Protocol.ERR_AUTH_TIMEOUT));
        }
      });
    }
  }

  private boolean authRequired() {
    BrokerOptions o = broker.options();
    return !o.authToken().isEmpty() || !o.users().isEmpty();
  }

  void sendInfo() {
    send("INFO " + broker.routes.clientInfoJson(this) + "\r\n");
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
      protocolError(ProtocolException.fatal(Protocol.ERR_STALE));
      return;
    }
    pingsOut++;
    send(Protocol.PING);
  }

  private void requireConnect() {
    if (!connected && authRequired()) {
      throw ProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
  }

  @Override
  public void onConnect(byte[] b, int off, int len) {
    JsonNode c;
    try {
      c = JSON.readTree(b, off, len);
    } catch (Exception e) {
      throw ProtocolException.closeSilently("malformed CONNECT json");
    }
    if (c == null || !c.isObject()) {
      throw ProtocolException.closeSilently("malformed CONNECT json");
    }
    verbose = c.path("verbose").asBoolean(true);
    pedantic = c.path("pedantic").asBoolean(true);
    echo = c.path("echo").asBoolean(true);
    headers = c.path("headers").asBoolean(false);
    noResponders = c.path("no_responders").asBoolean(false);
    protocol = c.path("protocol").asInt(0);
    name = c.path("name").asText("");
    lang = c.path("lang").asText("");
    version = c.path("version").asText("");
    if (protocol < 0 || protocol > 1) {
      throw ProtocolException.fatal(Protocol.ERR_INVALID_PROTOCOL);
    }
    if (noResponders && !headers) {
      throw ProtocolException.fatal(Protocol.ERR_NO_RESPONDERS_HEADERS);
    }
    if (!authenticate(c)) {
      throw ProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION);
    }
    connected = true;
    if (authTimer >= 0) {
      broker.vertx().cancelTimer(authTimer);
      authTimer = -1;
    }
    ok();
  }

  private boolean authenticate(JsonNode c) {
    BrokerOptions o = broker.options();
    if (!o.authToken().isEmpty()) {
      return equal(c.path("auth_token").asText(""), o.authToken());
    }
    if (!o.users().isEmpty()) {
      String u = c.path("user").asText("");
      String expected = o.users().get(u);
      if (expected == null || !equal(c.path("pass").asText(""), expected)) {
        return false;
      }
      user = u;
    }
    return true;
  }

  static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private void ok() {
    if (verbose) {
      send(Protocol.OK);
    }
  }

  @Override
  public void onMsg(Parser p) {
    requireConnect();
    if (p.headerLen >= 0 && !headers) {
      throw ProtocolException.closeSilently("HPUB without headers support");
    }
    if (pedantic && !Subjects.isValidLiteral(p.args, p.subjectOff, p.subjectLen)) {
      // nats-server 2.9 reports the bad subject and still delivers the message.
      send(Protocol.err(Protocol.ERR_INVALID_PUB_SUBJECT));
    }
    broker.deliver.process(this, p);
    ok();
  }

  @Override
  public void onSub(String subject, String queue, String sid) {
    requireConnect();
    if (!Subjects.isValid(subject) || (queue != null && !Subjects.isValidLiteral(queue))) {
      send(Protocol.err(Protocol.ERR_INVALID_SUBJECT));
      return;
    }
    int max = broker.options().maxSubscriptions();
    if (max > 0 && subs.size() >= max) {
      send(Protocol.err(Protocol.ERR_MAX_SUBS));
      return;
    }
    if (!subs.containsKey(sid)) {
      Subscription s = new Subscription(this, subject, queue, sid);
      subs.put(sid, s);
      broker.sublist.insert(s);
      broker.interest.added(s);
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
    broker.interest.removed(s);
  }

  @Override
  public void onPing() {
    send(Protocol.PONG);
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
