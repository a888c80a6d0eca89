package dev.beacon.broker.nsq;

import dev.beacon.common.NsqNames;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One client of the NSQ listener, speaking nsqd's V2 protocol: the commands are methods named
 * after the verbs, with nsqd v1.3.0's state checks, parameter checks and error texts (fatal ones
 * close the connection after the error frame). Socket-free: bytes come in through {@link #read},
 * frames go out through {@link Out}; the {@link Hub} is the rest of the broker. One owner thread.
 */
final class NsqConnection implements V2Parser.Handler {

  /** The socket side. */
  interface Out {
    /** Queues bytes for the client (flushed by the owner at the end of the current read or tick). */
    void write(byte[] b, int off, int len);

    /** Closes the socket once what is queued is written. */
    void close();
  }

  /** The broker side. */
  interface Hub {
    NsqSettings settings();

    /** Monotonic nanoseconds. */
    long nanoTime();

    /** Adds the consumer to the channel (creating topic, channel and the channel's subscription). */
    ChannelState subscribe(String topic, String channel, ConsumerState consumer, NsqConnection conn) throws NsqException;

    /** The consumer leaves the channel; what it had in flight is redelivered. */
    void unsubscribe(ChannelState channel, ConsumerState consumer);

    /** Sends what the channel can send now. */
    void dispatch(ChannelState channel);

    /** Creates the topic unless it exists; refused past nsq-max-topics ({@code verb}'s error). */
    void ensureTopic(String topic, String verb) throws NsqException;

    /** PUB and MPUB: one message to the subject of a topic {@link #ensureTopic} made sure of. */
    void publish(String topic, byte[] b, int off, int len);

    /** DPUB: publishes after the delay; throws E_DPUB_FAILED when the topic's deferred queue or the memory budget is full. */
    void publishDeferred(String topic, byte[] b, int off, int len, long delayMs) throws NsqException;

    /** The connection is gone. */
    void closed(NsqConnection conn);

    /** Who may do what (the broker's users); {@link NsqAuth#NONE} without auth. */
    NsqAuth auth();
  }

  /** nsqd's client states, as /stats reports them. */
  static final int STATE_INIT = 0;
  static final int STATE_SUBSCRIBED = 3;
  static final int STATE_CLOSING = 4;

  final long id;
  final String remoteAddress;
  final long connectTime;
  private final Hub hub;
  private final Out out;
  private final NsqSettings settings;
  final V2Parser parser;
  final Identify.Client ident;
  int state = STATE_INIT;
  ConsumerState consumer;
  ChannelState channel;
  /** Messages published per topic (nsqd's pub_counts), insertion order. */
  final Map<String, long[]> pubCounts = new LinkedHashMap<>(2);
  long lastReadNanos;
  long lastHeartbeatNanos;
  boolean closed;
  private final byte[] header = new byte[V2Frames.MESSAGE_OVERHEAD];
  /** Set by a successful AUTH; null before (and always without auth). */
  NsqAuth.Grant grant;
  /** Input that arrived while an AUTH secret was being checked (the parser is paused meanwhile). */
  private byte[] held;
  private int heldLen;
  /** An AUTH answer that came back while {@link NsqAuth#login} was still running. */
  private boolean inlineDone;
  private NsqAuth.Grant inlineGrant;

  NsqConnection(long id, String remoteAddress, Hub hub, Out out) {
    this.id = id;
    this.remoteAddress = remoteAddress;
    this.hub = hub;
    this.out = out;
    this.settings = hub.settings();
    this.parser = new V2Parser(this, settings.maxMsgSize(), settings.maxBodySize());
    this.ident = new Identify.Client(settings);
    this.connectTime = System.currentTimeMillis() / 1000;
    this.lastReadNanos = hub.nanoTime();
    this.lastHeartbeatNanos = lastReadNanos;
  }

  /** Bytes from the socket. */
  void read(byte[] b, int off, int len) {
    if (closed) {
      return;
    }
    lastReadNanos = hub.nanoTime();
    feed(b, off, len);
  }

  private void feed(byte[] b, int off, int len) {
    if (parser.isPaused()) {
      hold(b, off, len);
      return;
    }
    try {
      int n = parser.parse(b, off, len);
      if (n < len && !closed) {
        hold(b, off + n, len - n);
      }
    } catch (NsqException e) {
      fail(e);
    }
  }

  /**
   * Keeps input for after the AUTH check. A client may pipeline at most one more command with its
   * largest body behind AUTH; past that it is closed (nsqd would just stop reading).
   */
  private void hold(byte[] b, int off, int len) {
    int max = settings.maxBodySize() + V2Parser.MAX_LINE + 8;
    if (heldLen + len > max) {
      fail(NsqException.close("more than " + max + " bytes sent while AUTH was checked"));
      return;
    }
    if (held == null || held.length < heldLen + len) {
      held = java.util.Arrays.copyOf(held == null ? new byte[0] : held, Math.min(max, Math.max(heldLen + len, 2 * heldLen + 256)));
    }
    System.arraycopy(b, off, held, heldLen, len);
    heldLen += len;
  }

  @Override
  public void nonFatal(NsqException e) {
    fail(e);
  }

  private void fail(NsqException e) {
    if (!e.isSilentClose()) {
      byte[] f = V2Frames.error(e.getMessage());
      out.write(f, 0, f.length);
    }
    if (e.isFatal()) {
      close();
    }
  }

  /** Heartbeats and nsqd's read deadline (twice the heartbeat interval); called by the hub's tick. */
  void tick(long now) {
    long interval = ident.heartbeatIntervalMs * 1_000_000L;
    if (closed || interval <= 0) {
      return;
    }
    if (now - lastReadNanos > 2 * interval) {
      close();
      return;
    }
    if (now - lastHeartbeatNanos >= interval) {
      lastHeartbeatNanos = now;
      out.write(V2Frames.HEARTBEAT, 0, V2Frames.HEARTBEAT.length);
    }
  }

  /** Closes the connection and leaves the channel. Idempotent. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    parser.stop();
    if (channel != null) {
      hub.unsubscribe(channel, consumer);
    }
    out.close();
    hub.closed(this);
  }

  /** The socket closed from the other side. */
  void socketClosed() {
    close();
  }

  /** Writes one message frame (called by the channel's dispatch): its header, then the body itself. */
  void sendMessage(NsqMessage m) {
    V2Frames.messageHeader(header, 0, m.timestamp, m.attempts, m.id, m.body.length);
    out.write(header, 0, V2Frames.MESSAGE_OVERHEAD);
    out.write(m.body, 0, m.body.length);
  }

  private void respond(byte[] frame) {
    out.write(frame, 0, frame.length);
  }

  // ---- commands ----

  @Override
  public void beforeBody(V2Parser p) throws NsqException {
    switch (p.verb) {
      case IDENTIFY -> {
        if (state != STATE_INIT) {
          throw NsqException.fatal("E_INVALID", "cannot IDENTIFY in current state");
        }
      }
      case AUTH -> {
        if (state != STATE_INIT) {
          throw NsqException.fatal("E_INVALID", "cannot AUTH in current state");
        }
        if (p.paramCount != 1) {
          throw NsqException.fatal("E_INVALID", "AUTH invalid number of parameters");
        }
      }
      case PUB -> {
        if (p.paramCount < 2) {
          throw NsqException.fatal("E_INVALID", "PUB insufficient number of parameters");
        }
        checkTopic("PUB topic name ", p.param(1));
      }
      case MPUB -> {
        if (p.paramCount < 2) {
          throw NsqException.fatal("E_INVALID", "MPUB insufficient number of parameters");
        }
        // nsqd's text repeats the code here
        checkTopic("E_BAD_TOPIC MPUB topic name ", p.param(1));
        // nsqd checks MPUB's rights before reading its body (PUB's and DPUB's after)
        checkAuth("MPUB", p.param(1), "", p);
      }
      case DPUB -> {
        if (p.paramCount < 3) {
          throw NsqException.fatal("E_INVALID", "DPUB insufficient number of parameters");
        }
        checkTopic("DPUB topic name ", p.param(1));
        long ms = p.paramNumber(2);
        if (ms < 0) {
          throw NsqException.fatal("E_INVALID", "DPUB could not parse timeout " + p.param(2));
        }
        if (ms > settings.maxReqTimeoutMs()) {
          throw NsqException.fatal("E_INVALID", "DPUB timeout " + ms + " out of range 0-" + settings.maxReqTimeoutMs());
        }
      }
      default -> throw new IllegalStateException(p.verb.name());
    }
  }

  @Override
  public void onCommand(V2Parser p) throws NsqException {
    switch (p.verb) {
      case IDENTIFY -> IDENTIFY(p);
      case AUTH -> AUTH(p);
      case SUB -> SUB(p);
      case RDY -> RDY(p);
      case FIN -> FIN(p);
      case REQ -> REQ(p);
      case TOUCH -> TOUCH(p);
      case CLS -> CLS();
      case NOP -> {
      }
      case PUB -> PUB(p);
      case MPUB -> MPUB(p);
      case DPUB -> DPUB(p);
      default -> throw NsqException.fatal("E_INVALID", "invalid command " + raw(p, 0));
    }
  }

  private void IDENTIFY(V2Parser p) throws NsqException {
    String answer = Identify.apply(p.body, p.bodyOff, p.bodyLen, settings, ident, hub.auth().required());
    if (consumer != null) {
      consumer.msgTimeoutNanos = ident.msgTimeoutMs * 1_000_000L;
      consumer.sampleRate = ident.sampleRate;
    }
    respond(answer.equals("OK") ? V2Frames.OK : V2Frames.response(answer));
  }

  /**
   * nsqd's AUTH against the broker's users: the secret is the token, or {@code user:password}.
   * A bcrypt check answers later: the parser is paused until then, input is held.
   */
  private void AUTH(V2Parser p) throws NsqException {
    if (grant != null) {
      throw NsqException.fatal("E_INVALID", "AUTH already set");
    }
    NsqAuth auth = hub.auth();
    if (!auth.required()) {
      // as an nsqd started without --auth-http-address
      throw NsqException.fatal("E_AUTH_DISABLED", "AUTH disabled");
    }
    String secret = new String(p.body, p.bodyOff, p.bodyLen, StandardCharsets.UTF_8);
    boolean[] inline = {true};
    auth.login(secret, g -> {
      if (inline[0]) {
        inlineDone = true;
        inlineGrant = g;
      } else {
        authChecked(g);
      }
    });
    inline[0] = false;
    if (inlineDone) {
      NsqAuth.Grant g = inlineGrant;
      inlineDone = false;
      inlineGrant = null;
      authorized(g);
    } else {
      parser.pause();
    }
  }

  private void authorized(NsqAuth.Grant g) throws NsqException {
    if (g == null) {
      // nsqd does not tell why (its auth server's answer is not leaked)
      throw NsqException.fatal("E_AUTH_FAILED", "AUTH failed");
    }
    grant = g;
    respond(V2Frames.response("{\"identity\":" + Identify.quoteJson(g.identity())
        + ",\"identity_url\":\"\",\"permission_count\":" + g.permissionCount() + "}"));
  }

  /** A paused AUTH's answer: go on with what arrived meanwhile. */
  private void authChecked(NsqAuth.Grant g) {
    if (closed) {
      return;
    }
    parser.resume();
    try {
      authorized(g);
    } catch (NsqException e) {
      fail(e);
      return;
    }
    byte[] h = held;
    int n = heldLen;
    held = null;
    heldLen = 0;
    if (n > 0) {
      feed(h, 0, n);
    }
  }

  /** nsqd's CheckAuth: with auth on, SUB and the publishes need AUTH first and a grant for the topic (and channel). */
  private void checkAuth(String cmd, String topic, String channel, V2Parser p) throws NsqException {
    if (!hub.auth().required()) {
      return;
    }
    if (grant == null) {
      throw NsqException.fatal("E_AUTH_FIRST", "AUTH required before " + cmd);
    }
    boolean ok = channel.isEmpty() ? grant.canPublish(p.line, p.paramOff[1], p.paramLen[1]) : grant.canSubscribe(topic, channel);
    if (!ok) {
      throw unauthorized(cmd, topic, channel);
    }
  }

  private static NsqException unauthorized(String cmd, String topic, String channel) {
    return NsqException.fatal("E_UNAUTHORIZED", "AUTH failed for " + cmd + " on " + GoQuote.quote(topic) + " " + GoQuote.quote(channel));
  }

  /**
   * The broker's users were reloaded: a connection whose secret no longer passes is closed with
   * E_AUTH_FAILED; a consumer whose subscription the new permissions refuse is closed with
   * E_UNAUTHORIZED (an NSQ connection has that one subscription); a consumer that subscribed
   * before auth was turned on is closed too. Producers are checked at their next publish.
   */
  void reauthorize() {
    if (closed || !hub.auth().required()) {
      return;
    }
    NsqAuth.Grant old = grant;
    if (old == null) {
      if (channel != null) {
        fail(NsqException.fatal("E_AUTH_FAILED", "AUTH failed"));
      }
      return;
    }
    old.recheck(g -> {
      if (closed || grant != old) {
        return;
      }
      if (g == null) {
        fail(NsqException.fatal("E_AUTH_FAILED", "AUTH failed"));
        return;
      }
      grant = g;
      if (channel != null && !g.canSubscribe(channel.topic, channel.name)) {
        fail(unauthorized("SUB", channel.topic, channel.name));
      }
    });
  }

  private void SUB(V2Parser p) throws NsqException {
    if (state != STATE_INIT) {
      throw NsqException.fatal("E_INVALID", "cannot SUB in current state");
    }
    if (ident.heartbeatIntervalMs <= 0) {
      throw NsqException.fatal("E_INVALID", "cannot SUB with heartbeats disabled");
    }
    if (p.paramCount < 3) {
      throw NsqException.fatal("E_INVALID", "SUB insufficient number of parameters");
    }
    String topic = p.param(1);
    checkTopic("SUB topic name ", topic);
    String channelName = p.param(2);
    if (!NsqNames.isValid(channelName)) {
      throw NsqException.fatal("E_BAD_CHANNEL", "SUB channel name " + GoQuote.quote(channelName) + " is not valid");
    }
    checkAuth("SUB", topic, channelName, p);
    ConsumerState c = new ConsumerState(id, ident.msgTimeoutMs * 1_000_000L);
    c.sampleRate = ident.sampleRate;
    channel = hub.subscribe(topic, channelName, c, this);
    consumer = c;
    state = STATE_SUBSCRIBED;
    respond(V2Frames.OK);
  }

  private void RDY(V2Parser p) throws NsqException {
    if (state == STATE_CLOSING) {
      return;
    }
    if (state != STATE_SUBSCRIBED) {
      throw NsqException.fatal("E_INVALID", "cannot RDY in current state");
    }
    long count = 1;
    if (p.paramCount > 1) {
      count = p.paramNumber(1);
      if (count < 0) {
        throw NsqException.fatal("E_INVALID", "RDY could not parse count " + raw(p, 1));
      }
    }
    if (count > settings.maxRdyCount()) {
      throw NsqException.fatal("E_INVALID", "RDY count " + count + " out of range 0-" + settings.maxRdyCount());
    }
    consumer.readyCount = count;
    hub.dispatch(channel);
  }

  private long messageId(V2Parser p, String verb, int minParams, String insufficient) throws NsqException {
    if (state != STATE_SUBSCRIBED && state != STATE_CLOSING) {
      throw NsqException.fatal("E_INVALID", "cannot " + verb + " in current state");
    }
    if (p.paramCount < minParams) {
      throw NsqException.fatal("E_INVALID", verb + insufficient);
    }
    if (p.paramLen[1] != V2Frames.ID_LENGTH) {
      throw NsqException.fatal("E_INVALID", "Invalid Message ID");
    }
    return V2Frames.parseId(p.line, p.paramOff[1], p.paramLen[1]);
  }

  private void FIN(V2Parser p) throws NsqException {
    long id = messageId(p, "FIN", 2, " insufficient number of params");
    String err = channel.finish(consumer, id);
    if (err != null) {
      throw NsqException.nonFatal("E_FIN_FAILED", "FIN " + raw(p, 1) + " failed " + err);
    }
    hub.dispatch(channel);
  }

  private void REQ(V2Parser p) throws NsqException {
    long id = messageId(p, "REQ", 3, " insufficient number of params");
    long ms = p.paramNumber(2);
    if (ms < 0) {
      throw NsqException.fatal("E_INVALID", "REQ could not parse timeout " + raw(p, 2));
    }
    // nsqd clamps an out-of-range delay (and only logs it)
    ms = Math.min(ms, settings.maxReqTimeoutMs());
    String err = channel.requeue(consumer, id, ms * 1_000_000L, hub.nanoTime());
    if (err != null) {
      throw NsqException.nonFatal("E_REQ_FAILED", "REQ " + raw(p, 1) + " failed " + err);
    }
    hub.dispatch(channel);
  }

  private void TOUCH(V2Parser p) throws NsqException {
    long id = messageId(p, "TOUCH", 2, " insufficient number of params");
    String err = channel.touch(consumer, id, hub.nanoTime());
    if (err != null) {
      throw NsqException.nonFatal("E_TOUCH_FAILED", "TOUCH " + raw(p, 1) + " failed " + err);
    }
  }

  private void CLS() throws NsqException {
    if (state != STATE_SUBSCRIBED) {
      throw NsqException.fatal("E_INVALID", "cannot CLS in current state");
    }
    // nsqd's StartClose: no more messages; the client closes once its in-flight ones are done
    consumer.readyCount = 0;
    consumer.closing = true;
    state = STATE_CLOSING;
    respond(V2Frames.CLOSE_WAIT);
  }

  private void PUB(V2Parser p) throws NsqException {
    String topic = p.param(1);
    checkAuth("PUB", topic, "", p);
    hub.ensureTopic(topic, "PUB");
    hub.publish(topic, p.body, p.bodyOff, p.bodyLen);
    published(topic, 1);
    respond(V2Frames.OK);
  }

  private void MPUB(V2Parser p) throws NsqException {
    String topic = p.param(1);
    int count = Mpub.check(p.body, p.bodyOff, p.bodyLen, settings.maxMsgSize(), settings.maxBodySize());
    hub.ensureTopic(topic, "MPUB");
    Mpub.forEach(p.body, p.bodyOff, count, (b, off, len) -> hub.publish(topic, b, off, len));
    published(topic, count);
    respond(V2Frames.OK);
  }

  private void DPUB(V2Parser p) throws NsqException {
    String topic = p.param(1);
    checkAuth("DPUB", topic, "", p);
    hub.publishDeferred(topic, p.body, p.bodyOff, p.bodyLen, p.paramNumber(2));
    published(topic, 1);
    respond(V2Frames.OK);
  }

  private void published(String topic, long n) {
    pubCounts.computeIfAbsent(topic, t -> new long[1])[0] += n;
  }

  /**
   * nsqd's topic name check. A name nsqd accepts but that is no NATS subject (an empty token:
   * leading or trailing '.', or "..") is refused the same way, since it could not be mapped.
   */
  private static void checkTopic(String prefix, String topic) throws NsqException {
    if (!isTopicName(topic)) {
      throw NsqException.fatal("E_BAD_TOPIC", prefix + GoQuote.quote(topic) + " is not valid");
    }
  }

  static boolean isTopicName(String topic) {
    return NsqNames.isValid(topic) && !topic.startsWith(".") && !topic.endsWith(".") && !topic.contains("..");
  }

  /** A parameter as nsqd prints it with %s (its bytes). */
  private static String raw(V2Parser p, int i) {
    return new String(p.line, p.paramOff[i], p.paramLen[i], StandardCharsets.UTF_8);
  }
}
