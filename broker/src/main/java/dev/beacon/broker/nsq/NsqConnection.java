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
    try {
      parser.parse(b, off, len);
    } catch (NsqException e) {
      fail(e);
    }
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
      case AUTH -> AUTH();
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
    String answer = Identify.apply(p.body, p.bodyOff, p.bodyLen, settings, ident);
    if (consumer != null) {
      consumer.msgTimeoutNanos = ident.msgTimeoutMs * 1_000_000L;
      consumer.sampleRate = ident.sampleRate;
    }
    respond(answer.equals("OK") ? V2Frames.OK : V2Frames.response(answer));
  }

  private void AUTH() throws NsqException {
    // nsqd started without --auth-http-address
    throw NsqException.fatal("E_AUTH_DISABLED", "AUTH disabled");
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
