package dev.beacon.broker;

import dev.beacon.common.OutOfMemoryExit;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * What clients and routes share: the read path (socket -> {@link Parser} -> handler), the
 * outbound {@link OutBuffer} written once per incoming chunk (nats-server's per-read flush), the
 * slow-consumer cut-off when pending bytes pass max-pending, the consumer side of producer
 * backpressure (the stall gate: publishers that wait for this connection to drain below half of
 * max-pending, see {@link ClientConnection#afterRead}), this connection's share of the broker's
 * pending total (max-pending-total), and the close lifecycle ({@link #close} flushes first, for a
 * bounded time; {@link #onClosed} runs once whatever the cause).
 */
abstract sealed class Conn implements Wire.Reader, Parser.Handler permits ClientConnection, RouteConnection {
  final Broker broker;
  final long cid;
  final Wire wire;
  final long start = System.currentTimeMillis();
  final String ip;
  final int port;
  Parser parser;

  /** Outbound frames for this peer, flushed once per incoming chunk. */
  final OutBuffer out = new OutBuffer();
  boolean dirty;
  boolean closed;
  String closeReason;

  long inMsgs;
  long inBytes;
  long outMsgs;
  long outBytes;
  long lastActivity = start;
  /** Negotiated TLS protocol ("1.3") and cipher suite once the handshake completed; null without TLS. */
  String tlsVersion;
  String tlsCipher;

  /** Publishers whose reads wait for this connection to drain below half of max-pending, or null. */
  private ArrayList<ClientConnection> stalled;
  /**
   * This connection took no bytes from its socket for a whole maximum stall time while publishers
   * waited on it: it is not reading, and no publisher stalls on it again until it takes bytes again
   * (it is cut when it passes max-pending). So a peer that never reads holds a publisher for one
   * stall time at most.
   */
  boolean stallSpent;
  /** Bytes the socket had taken (written minus backlog) when last looked at, and since when. */
  private long taken = Long.MIN_VALUE;
  private long takenSince;
  /** This connection's share of the broker's pending total (its pending bytes at the last count). */
  long counted;

  Conn(Broker broker, long cid, Wire wire) {
    this.broker = broker;
    this.cid = cid;
    this.wire = wire;
    this.ip = wire.remoteHost();
    this.port = wire.remotePort();
    wire.attach(this);
  }

  @Override
  public final void onClose() {
    closed("Client Closed");
  }

  @Override
  public final void onError(Throwable e) {
    OutOfMemoryExit.check(e);
    if (closed) {
      return; // e.g. the decoder error that follows a failed TLS handshake, already logged
    }
    if (e instanceof SSLException || e.getCause() instanceof SSLException) {
      // With TLS 1.3 the dialling side's handshake completes before the peer checked its
      // certificate; a refusal then arrives as an alert on the first read.
      broker.stats.tlsHandshakeFailures++;
      broker.log(this + " " + tlsFailure(e));
      close("TLS Handshake Failure");
      return;
    }
    broker.log(this + " " + e.getMessage());
    close("Read Error");
  }

  /** Input that arrived while parsing was suspended (see {@link Parser#suspend}), or null. */
  private java.io.ByteArrayOutputStream held;

  @Override
  public final void onData(byte[] b, int off, int len) {
    if (closed) {
      return;
    }
    inBytes += len;
    lastActivity = broker.clock();
    if (held != null) {
      hold(b, off, len);
      return;
    }
    parse(b, off, len);
  }

  /**
   * A chunk outside the heap: copied into the scratch array in the pieces the parser asks for
   * ({@link Parser#window}), and the bytes of a payload it drops ({@link Parser#skippable}) are
   * passed without being copied.
   */
  @Override
  public final void onData(Wire.In in) {
    if (closed) {
      return;
    }
    int len = in.remaining();
    inBytes += len;
    lastActivity = broker.clock();
    if (held != null) {
      hold(in.array(), 0, in.next(len));
      return;
    }
    broker.beginRead();
    try {
      while (in.remaining() > 0 && !parser.isStopped()) {
        in.skip(parser.skippable(in.remaining()));
        if (in.remaining() == 0) {
          break;
        }
        if (parsePiece(in.array(), 0, in.next(parser.window()))) {
          if (held != null && in.remaining() > 0) {
            hold(in.array(), 0, in.next(in.remaining()));
          }
          break;
        }
      }
    } catch (NatsProtocolException e) {
      parser.stop();
      protocolError(e);
    } finally {
      broker.endRead();
    }
    afterRead();
  }

  private void parse(byte[] b, int off, int len) {
    broker.beginRead();
    try {
      parsePiece(b, off, len);
    } catch (NatsProtocolException e) {
      parser.stop();
      protocolError(e);
    } finally {
      broker.endRead();
    }
    afterRead();
  }

  /**
   * Parses {@code b[off, off+len)}; when the parser suspends (a stalled publisher), what it did not
   * parse is held and true is returned.
   */
  private boolean parsePiece(byte[] b, int off, int len) {
    parser.parse(b, off, len);
    int at = parser.suspendedAt();
    if (at < 0) {
      return false;
    }
    held = new java.io.ByteArrayOutputStream();
    hold(b, at, off + len - at);
    return true;
  }

  /** Runs after each read chunk was parsed and the writes it caused were flushed. */
  void afterRead() {
  }

  /** The write backlog fell below half of max-pending: the stall gate closes, stalled publishers go on. */
  @Override
  public final void onDrained() {
    if (!closed) {
      broker.countPending(this, out.refreshBacklog(wire));
    }
    stallSpent = false;
    releaseStalled();
  }

  /** {@code p} waits for this connection to drain. */
  final void addStalled(ClientConnection p) {
    if (stalled == null) {
      stalled = new ArrayList<>(2);
    }
    stalled.add(p);
  }

  /** {@code p} no longer waits (it closed). */
  final void removeStalled(ClientConnection p) {
    if (stalled != null) {
      stalled.remove(p);
    }
  }

  /** {@code p}'s stall on this connection ran out before it drained. */
  final void stallExpired(ClientConnection p) {
    if (stalled != null) {
      stalled.remove(p);
    }
    if (!progressing(ClientConnection.STALL_MAX_MILLIS)) {
      stallSpent = true;
    }
  }

  /**
   * Looks at how many bytes the socket has taken; false when none for {@code millis} or more. Taking
   * bytes again lifts {@link #stallSpent}.
   */
  final boolean progressing(long millis) {
    long t = out.written() - wire.pendingBytes();
    long now = System.nanoTime();
    if (t > taken) {
      taken = t;
      takenSince = now;
      stallSpent = false;
      return true;
    }
    // The backlog also counts a few bytes of bookkeeping per write, so it can grow by more than was
    // written: follow it down without calling that progress.
    taken = t;
    return now - takenSince < millis * 1_000_000L;
  }

  /**
   * The write deadline (nats-server's write_deadline), looked at by the broker's sweep: true when
   * bytes are waiting for this peer and its socket has taken none of them for {@code millis} or more.
   * While nothing waits the clock does not run: it starts at the first look that finds bytes waiting.
   */
  final boolean pastWriteDeadline(long millis) {
    if (closed) {
      return false;
    }
    if (wire.pendingBytes() == 0 && out.queuedBytes() == 0) {
      taken = Long.MIN_VALUE;
      return false;
    }
    return !progressing(millis);
  }

  /**
   * Cuts this connection for its write deadline, as nats-server's handleWriteTimeout: counted and
   * logged as a slow consumer ("Slow Consumer Detected: WriteDeadline of 10s exceeded with N chunks
   * of M total bytes."), closed at once with reason "Slow Consumer (Write Deadline)", the unsent bytes
   * dropped. A client that has not sent CONNECT yet is closed the same way without being counted or
   * logged (nats-server: that would be misleading).
   */
  final void writeDeadlineExceeded(String deadline) {
    if (!(this instanceof ClientConnection c && !c.connected)) {
      broker.slowConsumer(this);
      broker.log(this + " Slow Consumer Detected: WriteDeadline of " + deadline + " exceeded with "
          + Math.max(1, wire.pendingChunks()) + " chunks of " + (out.queuedBytes() + wire.pendingBytes()) + " total bytes.");
    }
    out.discard();
    closed("Slow Consumer (Write Deadline)");
    wire.closeNow();
  }

  private void releaseStalled() {
    if (stalled == null || stalled.isEmpty()) {
      return;
    }
    ClientConnection[] waiting = stalled.toArray(new ClientConnection[0]);
    stalled.clear();
    for (ClientConnection p : waiting) {
      p.endStall();
    }
  }

  /** Keeps input while suspended, at most one maximal message's worth; a client that sends more is cut off. */
  private void hold(byte[] b, int off, int len) {
    BrokerOptions o = broker.options();
    if (held.size() + len > (long) o.maxPayload() + 2L * o.maxControlLine()) {
      held = null;
      parser.stop();
      protocolError(NatsProtocolException.fatal(Protocol.ERR_AUTH_VIOLATION));
      return;
    }
    held.write(b, off, len);
  }

  /** Parsing goes on after a {@link Parser#suspend}: first with what arrived meanwhile. */
  final void resumeParsing() {
    byte[] rest = held == null ? new byte[0] : held.toByteArray();
    held = null;
    parser.unsuspend();
    if (!closed && rest.length > 0) {
      parse(rest, 0, rest.length);
    }
  }

  /**
   * The TLS handshake ended. Success records the protocol and cipher for /connz; failure is logged as
   * nats-server does ("TLS handshake error: ...") and closes with reason "TLS Handshake Failure"
   * (Netty's SslHandler closes the channel too).
   */
  @Override
  public void onTls(SSLSession session, Throwable failure) {
    if (closed) {
      return;
    }
    if (failure == null) {
      tlsVersion = TlsSettings.versionName(session.getProtocol());
      tlsCipher = session.getCipherSuite();
      tlsReady();
      return;
    }
    broker.stats.tlsHandshakeFailures++;
    broker.log(this + " " + tlsFailure(failure));
    closeReason = "TLS Handshake Failure";
    wire.closeNow();
    closed("TLS Handshake Failure");
  }

  /** Called once the TLS handshake succeeded. */
  void tlsReady() {
  }

  /** A log text for a failed handshake, in nats-server's words where it has them. */
  String tlsFailure(Throwable failure) {
    Throwable t = failure;
    while (t instanceof DecoderException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof SslHandshakeTimeoutException) {
      return "TLS handshake timeout";
    }
    if (t instanceof NotSslRecordException) {
      return "TLS handshake error: first record does not look like a TLS handshake";
    }
    String m = t.getMessage();
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        m = c.getMessage();
      }
    }
    return "TLS handshake error: " + (m == null ? t.toString() : m);
  }

  /** Sends the -ERR (if any) and closes when fatal. */
  void protocolError(NatsProtocolException e) {
    if (e.text != null) {
      send(Frames.err(e.text));
    }
    if (e.fatal) {
      broker.log(this + " " + (e.text != null ? "-ERR '" + e.text + "'" : "closed") + ": " + e.getMessage());
      close(reasonFor(e));
    }
  }

  private static String reasonFor(NatsProtocolException e) {
    if (e.text == null) {
      return "Protocol Violation";
    }
    return switch (e.text) {
      case Protocol.ERR_MAX_PAYLOAD -> "Maximum Message Payload Exceeded";
      case Protocol.ERR_MAX_CONTROL_LINE -> "Maximum Control Line Exceeded";
      case Protocol.ERR_AUTH_VIOLATION -> "Authentication Failure";
      case Protocol.ERR_AUTH_TIMEOUT -> "Authentication Timeout";
      case Protocol.ERR_STALE -> "Stale Connection";
      case Protocol.ERR_UNKNOWN_OP -> "Parse Error";
      case Protocol.ERR_MAX_CONNECTIONS -> "Maximum Connections Exceeded";
      default -> "Protocol Violation";
    };
  }

  /** Queues bytes for this peer; written at the end of the current read, or now outside one. */
  final void send(byte[] b) {
    out.append(b);
    done();
  }

  final void send(String s) {
    send(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Marks this connection for the end-of-read flush (or flushes now when no read is running). */
  final void done() {
    if (!dirty) {
      dirty = true;
      broker.markDirty(this);
    }
  }

  /** Pending outbound bytes past the limit: the caller stops writing and closes this peer. */
  final boolean overLimit(long maxPending) {
    return out.overLimit(maxPending);
  }

  final int pendingBytes() {
    return (int) Math.min(Integer.MAX_VALUE, out.pendingBytes());
  }

  /** Writes everything queued in one socket write; a backlog past max-pending makes this a slow consumer. */
  final void flush() {
    dirty = false;
    if (out.queuedBytes() == 0) {
      return;
    }
    long pending = out.flushTo(wire);
    if (pending > broker.options().maxPending() && !closed) {
      slowConsumer();
      return;
    }
    broker.countPending(this, pending);
  }

  final void slowConsumer() {
    broker.slowConsumer(this);
    broker.log(this + " Slow Consumer Detected: pending " + out.pendingBytes() + " bytes");
    out.discard();
    // nats-server 2.x sends no -ERR to a slow consumer: it closes the socket.
    closed("Slow Consumer (Pending Bytes)");
    wire.closeNow();
  }

  /**
   * How long a close waits for the bytes queued before it (the final -ERR) to reach the kernel
   * before it closes the socket anyway, dropping the rest. A peer that never reads would otherwise
   * keep its socket, and everything queued for it, for as long as it stays connected. nats-server
   * bounds the same final flush by its write deadline (10 s in 2.9, 2 s before 2.9); a peer that
   * reads at all takes a few bytes of -ERR in far less, so the shorter bound only hurts peers that
   * have stopped reading.
   */
  static final long CLOSE_FLUSH_MILLIS = 2000;

  /** Flushes what is queued, then closes; at most {@link #CLOSE_FLUSH_MILLIS} later the socket is closed anyway. */
  final void close(String reason) {
    close(reason, CLOSE_FLUSH_MILLIS);
  }

  /** Flushes what is queued, then closes; after {@code flushMillis} the socket is closed whatever is left unsent. */
  final void close(String reason, long flushMillis) {
    if (closed) {
      return;
    }
    if (closeReason == null) {
      closeReason = reason;
    }
    out.drainTo(wire);
    wire.closeAfterFlush();
    // Harmless when the flush already ended: closing a closed channel does nothing.
    broker.vertx().setTimer(Math.max(1, flushMillis), id -> wire.closeNow());
    closed(reason);
  }

  /** Called once when the connection ends, whatever the cause. */
  private void closed(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    if (closeReason == null) {
      closeReason = reason;
    }
    parser.stop();
    broker.countPending(this, 0);
    releaseStalled();
    onClosed();
  }

  abstract void onClosed();

  // Ops a connection kind does not accept default to a protocol error.
  @Override
  public void onConnect(byte[] b, int off, int len) {
    throw NatsProtocolException.fatal(Protocol.ERR_UNKNOWN_OP);
  }

  @Override
  public void onInfo(byte[] b, int off, int len) {
  }

  @Override
  public void onSub(String subject, String queue, String sid) {
    throw NatsProtocolException.fatal(Protocol.ERR_UNKNOWN_OP);
  }

  @Override
  public void onUnsub(String sid, long max) {
    throw NatsProtocolException.fatal(Protocol.ERR_UNKNOWN_OP);
  }

  @Override
  public void onOk() {
  }

  @Override
  public void onRouteSub(String account, String subject, String queue, int weight) {
    throw NatsProtocolException.fatal(Protocol.ERR_UNKNOWN_OP);
  }

  @Override
  public void onRouteUnsub(String account, String subject, String queue) {
    throw NatsProtocolException.fatal(Protocol.ERR_UNKNOWN_OP);
  }
}
