package dev.beacon.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental NATS protocol parser (nats-server parser.go): a hand-written byte scan over each
 * chunk as it arrives, with two explicit states (control line, payload). Control lines end in LF
 * with an optional CR; verbs are case-insensitive; arguments are separated by spaces or tabs. The
 * max control line and max payload are enforced here, the payload size before any payload byte is
 * read, and a payload must be followed by exactly CRLF. A payload split across chunks is gathered in
 * a buffer that grows with the bytes that arrive, not with the size declared. A control line or payload that is complete
 * inside the chunk is handed over in place; only split ones are copied. A client's payload that
 * nothing is interested in ({@link Handler#wantsPayload}, asked at the end of the PUB line, as
 * nats-server parses in place and never copies it) and that does not fit in the chunk is not
 * gathered at all: its bytes are counted and dropped ({@link #skippable}, so the reader need not
 * even copy them out of its socket buffer), its CRLF is still checked, and the op is completed
 * with {@link #payloadDropped} set. The op set depends on the
 * connection kind (client or route). Pure: no I/O, no state outside itself; completed ops go to
 * {@link Handler}, errors are thrown as {@link NatsProtocolException}.
 */
final class Parser {

  /** Receives completed ops. For messages, read the fields of the parser during the call. */
  interface Handler {
    void onConnect(byte[] b, int off, int len);

    void onInfo(byte[] b, int off, int len);

    /** PUB/HPUB from a client, RMSG/HMSG from a route: see {@link Parser#subject} and friends. */
    void onMsg(Parser p);

    /**
     * A client's PUB/HPUB line was parsed (the subject fields are set) and its payload is still to
     * come: false when nothing would receive it, so a payload split across chunks is dropped instead
     * of gathered. {@link #onMsg} still follows once the payload and its CRLF have passed.
     */
    default boolean wantsPayload(Parser p) {
      return true;
    }

    void onSub(String subject, String queue, String sid);

    void onUnsub(String sid, long max);

    void onPing();

    void onPong();

    void onOk();

    void onErr(String text);

    void onRouteSub(String account, String subject, String queue, int weight);

    void onRouteUnsub(String account, String subject, String queue);
  }

  enum Kind { CLIENT, ROUTE }

  private enum State { CONTROL, PAYLOAD, DROP }

  /**
   * Bytes to hand over at a time after a dropped payload (see {@link #window}): a control line and
   * some, so the next message's payload is dropped unseen too when it is not wanted either.
   */
  static final int DROP_WINDOW = 256;

  /**
   * Dropped payloads from this size on switch the reader to {@link #DROP_WINDOW} windows. Below it
   * a window per message cost as much as copying the payload did (publish-only 1 KiB measured the
   * same server CPU per message either way), so smaller ones are dropped only when split.
   */
  static final int WINDOW_ABOVE = 4096;

  private static final int MAX_ARGS = 64;
  private static final int[] NO_INTS = new int[0];

  private final Kind kind;
  private final Handler handler;
  private final int maxControlLine;
  private final int maxPayload;

  private State state = State.CONTROL;
  private boolean stopped;
  /** A control line split across chunks, or the control line of a payload split across chunks. */
  private byte[] lineBuf = new byte[128];
  private int lineLen;
  private byte[] msgBuf = new byte[0];
  private int msgNeed;
  private int msgHave;
  /** The last client payload was dropped: hand over small windows (see {@link #window}). */
  private boolean dropping;

  // Argument offsets of the current line: 8 fit every client verb; they grow (to MAX_ARGS) only for
  // route messages with many queue groups, so each connection carries 64 bytes of them, not 512.
  private int[] argOff = new int[8];
  private int[] argLen = new int[8];
  private int argc;

  // Fields of the message being delivered to Handler.onMsg (valid during that call only).
  /** Buffer holding subject, reply and queue names. */
  byte[] args;
  int subjectOff;
  int subjectLen;
  /** -1 when there is no reply subject. */
  int replyOff;
  int replyLen = -1;
  /** Route messages: queue group names (offsets into {@link #args}). */
  int queueCount;
  int[] queueOff = NO_INTS;
  int[] queueLen = NO_INTS;
  /** Header block length (HPUB/HMSG), or -1. */
  int headerLen = -1;
  byte[] payload;
  int payloadOff;
  /** Total length: headers plus body. */
  int payloadLen;
  /**
   * The payload was dropped unseen ({@link Handler#wantsPayload} said no): {@link #payload} holds
   * none of its bytes; {@link #payloadLen} is still its size.
   */
  boolean payloadDropped;

  private static final byte[] NONE = new byte[0];

  Parser(Kind kind, Handler handler, int maxControlLine, int maxPayload) {
    this.kind = kind;
    this.handler = handler;
    this.maxControlLine = kind == Kind.ROUTE ? maxControlLine * 16 : maxControlLine;
    // Routes carry what clients published; the client-side check already bounded it.
    this.maxPayload = kind == Kind.ROUTE ? Math.max(maxPayload, 64 << 20) : maxPayload;
  }

  /** Stops parsing the rest of the current chunk (the connection is closing). */
  void stop() {
    stopped = true;
  }

  /** Where {@link #suspend} left the chunk being parsed, or -1 when not suspended. */
  private int suspendedAt = -1;
  private boolean suspending;

  /**
   * Called from a handler: stop after the current control line and remember where, so the caller
   * can keep the rest of the chunk and feed it again once the connection may go on (a CONNECT
   * whose password takes a bcrypt check off the event loop).
   */
  void suspend() {
    suspending = true;
  }

  /** The offset in the last parsed chunk where parsing stopped for {@link #suspend}, or -1. */
  int suspendedAt() {
    return suspendedAt;
  }

  /** Parsing may go on (the caller feeds what it kept). */
  void unsuspend() {
    suspending = false;
    suspendedAt = -1;
  }

  /** Parses one chunk; throws {@link NatsProtocolException} on a violation (the parser is then unusable). */
  void parse(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end && !stopped) {
      if (state == State.DROP) {
        i = drop(b, i, end);
        continue;
      }
      if (state == State.PAYLOAD) {
        int n = Math.min(msgNeed - msgHave, end - i);
        growPayload(msgHave + n);
        System.arraycopy(b, i, msgBuf, msgHave, n);
        msgHave += n;
        i += n;
        if (msgHave == msgNeed) {
          state = State.CONTROL;
          payloadDone(msgBuf, 0, lineBuf);
          if (msgBuf.length > 65536) {
            msgBuf = new byte[0];
          }
        }
        continue;
      }
      int nl = indexOfLf(b, i, end);
      if (nl < 0) {
        appendLine(b, i, end - i);
        return;
      }
      byte[] lb;
      int ls;
      int le;
      if (lineLen > 0) {
        appendLine(b, i, nl - i);
        lb = lineBuf;
        ls = 0;
        le = lineLen;
        lineLen = 0;
      } else {
        lb = b;
        ls = i;
        le = nl;
      }
      i = nl + 1;
      if (le > ls && lb[le - 1] == '\r') {
        le--;
      }
      i = controlLine(lb, ls, le, b, i, end);
      if (suspending) {
        suspendedAt = i;
        return;
      }
    }
  }

  /**
   * Payload bytes the reader may drop without handing them over (they would be dropped unseen
   * anyway), at most {@code max}; they count as parsed. 0 unless a payload is being dropped. The
   * CRLF after the payload is never skippable: it is handed over and checked.
   */
  int skippable(int max) {
    if (state != State.DROP || stopped) {
      return 0;
    }
    int n = Math.min(msgNeed - 2 - msgHave, max);
    if (n <= 0) {
      return 0;
    }
    msgHave += n;
    return n;
  }

  /**
   * How many bytes the reader should hand over next when it copies them out of a buffer of its own:
   * all it has, except after a dropped payload, when a small window lets {@link #skippable} drop
   * the next payload unseen too. Only a hint: any length parses the same.
   */
  int window() {
    return dropping ? DROP_WINDOW : Integer.MAX_VALUE;
  }

  boolean isStopped() {
    return stopped;
  }

  /** Counts dropped payload bytes in b[i, end), checking the CRLF after them; returns the new i. */
  private int drop(byte[] b, int i, int end) {
    int n = Math.min(msgNeed - msgHave, end - i);
    int size = msgNeed - 2;
    for (int pos = Math.max(msgHave, size); pos < msgHave + n; pos++) {
      if (b[i + pos - msgHave] != (pos == size ? '\r' : '\n')) {
        throw new NatsProtocolException(Protocol.ERR_UNKNOWN_OP, true, "payload not followed by CRLF");
      }
    }
    msgHave += n;
    if (msgHave == msgNeed) {
      state = State.CONTROL;
      args = lineBuf;
      payload = NONE;
      payloadOff = 0;
      payloadLen = size;
      payloadDropped = true;
      handler.onMsg(this);
      payloadDropped = false;
    }
    return i + n;
  }

  private static int indexOfLf(byte[] b, int from, int end) {
    for (int i = from; i < end; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void appendLine(byte[] b, int off, int n) {
    // A verb is at most 7 bytes plus a separator; the exact argument check is in controlLine.
    if (lineLen + n > maxControlLine + 8) {
      throw NatsProtocolException.fatal(Protocol.ERR_MAX_CONTROL_LINE);
    }
    if (lineLen + n > lineBuf.length) {
      byte[] bigger = new byte[Math.max(lineBuf.length * 2, lineLen + n)];
      System.arraycopy(lineBuf, 0, bigger, 0, lineLen);
      lineBuf = bigger;
    }
    System.arraycopy(b, off, lineBuf, lineLen, n);
    lineLen += n;
  }

  /** Handles one control line lb[ls, le) (CR stripped); b[i, end) is the rest of the chunk. Returns the new i. */
  private int controlLine(byte[] lb, int ls, int le, byte[] b, int i, int end) {
    int v = ls;
    while (v < le && lb[v] != ' ' && lb[v] != '\t') {
      v++;
    }
    int verbLen = v - ls;
    int as = v;
    while (as < le && (lb[as] == ' ' || lb[as] == '\t')) {
      as++;
    }
    if (le - as > maxControlLine) {
      throw NatsProtocolException.fatal(Protocol.ERR_MAX_CONTROL_LINE);
    }
    boolean client = kind == Kind.CLIENT;
    // nats-server: a verb that takes arguments must be followed by a separator ("SUB\r\n" is unknown).
    boolean bare = v == le;
    if (bare && verbLen != 4 && !(verbLen == 3 && is(lb, ls, "+OK"))) {
      throw new NatsProtocolException(Protocol.ERR_UNKNOWN_OP, true, "op without arguments " + snippet(lb, ls, le));
    }
    switch (verbLen) {
      case 3:
        if (is(lb, ls, "PUB") && client) {
          return pub(lb, as, le, false, b, i, end);
        }
        if (is(lb, ls, "SUB") && client) {
          sub(lb, as, le);
          return i;
        }
        if (is(lb, ls, "+OK")) {
          handler.onOk();
          return i;
        }
        if (!client && is(lb, ls, "RS+")) {
          routeSub(lb, as, le);
          return i;
        }
        if (!client && is(lb, ls, "RS-")) {
          routeUnsub(lb, as, le);
          return i;
        }
        if (!client && is(lb, ls, "MSG")) {
          // Route protocol v1 verbs are ignored by v2 servers; so are they here.
          return i;
        }
        break;
      case 4:
        if (is(lb, ls, "PING")) {
          handler.onPing();
          return i;
        }
        if (is(lb, ls, "PONG")) {
          handler.onPong();
          return i;
        }
        if (is(lb, ls, "HPUB") && client) {
          return pub(lb, as, le, true, b, i, end);
        }
        if (is(lb, ls, "INFO")) {
          handler.onInfo(lb, as, le - as);
          return i;
        }
        if (is(lb, ls, "-ERR")) {
          handler.onErr(new String(lb, as, le - as, StandardCharsets.UTF_8));
          return i;
        }
        if (!client && is(lb, ls, "RMSG")) {
          return rmsg(lb, as, le, false, b, i, end);
        }
        if (!client && is(lb, ls, "HMSG")) {
          return rmsg(lb, as, le, true, b, i, end);
        }
        break;
      case 5:
        if (is(lb, ls, "UNSUB")) {
          if (client) {
            unsub(lb, as, le);
          }
          return i;
        }
        break;
      case 7:
        if (is(lb, ls, "CONNECT")) {
          handler.onConnect(lb, as, le - as);
          return i;
        }
        break;
      default:
        break;
    }
    throw new NatsProtocolException(Protocol.ERR_UNKNOWN_OP, true,
        "unknown op " + snippet(lb, ls, le));
  }

  private static boolean is(byte[] b, int off, String verb) {
    for (int k = 0; k < verb.length(); k++) {
      int c = b[off + k];
      if (c >= 'a' && c <= 'z') {
        c -= 32;
      }
      if (c != verb.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private void split(byte[] lb, int as, int le) {
    argc = 0;
    int k = as;
    while (k < le) {
      while (k < le && (lb[k] == ' ' || lb[k] == '\t')) {
        k++;
      }
      if (k >= le) {
        break;
      }
      int s = k;
      while (k < le && lb[k] != ' ' && lb[k] != '\t') {
        k++;
      }
      if (argc == argOff.length) {
        if (argc == MAX_ARGS) {
          throw NatsProtocolException.closeSilently("too many arguments");
        }
        argOff = Arrays.copyOf(argOff, MAX_ARGS);
        argLen = Arrays.copyOf(argLen, MAX_ARGS);
      }
      argOff[argc] = s;
      argLen[argc] = k - s;
      argc++;
    }
  }

  /** A non-negative decimal, or -1 (nats-server parseSize). */
  private static long number(byte[] b, int off, int len) {
    if (len == 0 || len > 18) {
      return -1;
    }
    long n = 0;
    for (int k = off; k < off + len; k++) {
      int d = b[k] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      n = n * 10 + d;
    }
    return n;
  }

  private long arg(byte[] lb, int idx) {
    return number(lb, argOff[idx], argLen[idx]);
  }

  /** A subject, queue, sid or account argument as a byte string (one char per byte, see {@link Subjects#WIRE}). */
  private String str(byte[] lb, int idx) {
    return new String(lb, argOff[idx], argLen[idx], Subjects.WIRE);
  }

  private int pub(byte[] lb, int as, int le, boolean headers, byte[] b, int i, int end) {
    split(lb, as, le);
    int sizes = headers ? 2 : 1;
    if (argc != 1 + sizes && argc != 2 + sizes) {
      throw NatsProtocolException.closeSilently("processPub Parse Error: " + snippet(lb, as, le));
    }
    long total = arg(lb, argc - 1);
    long hdr = headers ? arg(lb, argc - 2) : -1;
    if (total < 0 || (headers && (hdr < 0 || hdr > total))) {
      throw NatsProtocolException.closeSilently("processPub Bad or Missing Size: " + snippet(lb, as, le));
    }
    if (total > maxPayload) {
      throw new NatsProtocolException(Protocol.ERR_MAX_PAYLOAD, true,
          "max-payload: " + total + " (expected: <= " + maxPayload + ")");
    }
    subjectOff = argOff[0];
    subjectLen = argLen[0];
    if (argc == 2 + sizes) {
      replyOff = argOff[1];
      replyLen = argLen[1];
    } else {
      replyLen = -1;
    }
    queueCount = 0;
    headerLen = (int) hdr;
    int size = (int) total;
    args = lb;
    if (end - i < size + 2 && !handler.wantsPayload(this)) {
      return dropStart(lb, as, le, size, b, i, end);
    }
    dropping = false;
    return payloadStart(lb, as, le, size, b, i, end);
  }

  /** The payload of {@code size} bytes plus CRLF starts at b[i] and does not fit in it: drop it. */
  private int dropStart(byte[] lb, int as, int le, int size, byte[] b, int i, int end) {
    keepLine(lb, as, le);
    msgNeed = size + 2;
    msgHave = 0;
    state = State.DROP;
    dropping = size >= WINDOW_ABOVE;
    return drop(b, i, end);
  }

  /**
   * Keeps the arguments lb[as, le) of the current control line in lineBuf, from its start, and moves
   * the argument offsets with them (a line anywhere in a large chunk costs its own length).
   */
  private void keepLine(byte[] lb, int as, int le) {
    if (lb == lineBuf) {
      return;
    }
    int n = le - as;
    if (lineBuf.length < n) {
      lineBuf = new byte[Math.max(n, lineBuf.length * 2)];
    }
    System.arraycopy(lb, as, lineBuf, 0, n);
    subjectOff -= as;
    replyOff -= as;
    for (int q = 0; q < queueCount; q++) {
      queueOff[q] -= as;
    }
  }

  private int rmsg(byte[] lb, int as, int le, boolean headers, byte[] b, int i, int end) {
    split(lb, as, le);
    int sizes = headers ? 2 : 1;
    int fixed = 2 + sizes; // account, subject, sizes
    if (argc < fixed) {
      throw NatsProtocolException.closeSilently("processRoutedMsg Parse Error: " + snippet(lb, as, le));
    }
    long total = arg(lb, argc - 1);
    long hdr = headers ? arg(lb, argc - 2) : -1;
    if (total < 0 || (headers && (hdr < 0 || hdr > total))) {
      throw NatsProtocolException.closeSilently("processRoutedMsg Bad or Missing Size: " + snippet(lb, as, le));
    }
    if (total > maxPayload) {
      throw new NatsProtocolException(Protocol.ERR_MAX_PAYLOAD, true,
          "max-payload: " + total + " (expected: <= " + maxPayload + ")");
    }
    subjectOff = argOff[1];
    subjectLen = argLen[1];
    replyLen = -1;
    queueCount = 0;
    int extra = argc - fixed;
    if (extra == 1) {
      replyOff = argOff[2];
      replyLen = argLen[2];
    } else if (extra > 1) {
      int q;
      if (argLen[2] == 1 && lb[argOff[2]] == '+') {
        replyOff = argOff[3];
        replyLen = argLen[3];
        q = 4;
      } else if (argLen[2] == 1 && lb[argOff[2]] == '|') {
        q = 3;
      } else {
        throw NatsProtocolException.closeSilently("processRoutedMsg Parse Error: " + snippet(lb, as, le));
      }
      if (queueOff.length < argc - sizes - q) {
        queueOff = new int[MAX_ARGS]; // made by the first route message with queue groups
        queueLen = new int[MAX_ARGS];
      }
      for (; q < argc - sizes; q++) {
        queueOff[queueCount] = argOff[q];
        queueLen[queueCount] = argLen[q];
        queueCount++;
      }
    }
    headerLen = (int) hdr;
    return payloadStart(lb, as, le, (int) total, b, i, end);
  }

  /** The payload of {@code size} bytes plus CRLF starts at b[i]: in place if whole, else copied. */
  private int payloadStart(byte[] lb, int as, int le, int size, byte[] b, int i, int end) {
    int need = size + 2;
    msgNeed = need;
    if (end - i >= need) {
      payloadDone(b, i, lb);
      return i + need;
    }
    // Split payload: keep the control line (its arguments are offsets into it) and gather the rest.
    keepLine(lb, as, le);
    msgHave = 0;
    growPayload(end - i);
    msgHave = end - i;
    System.arraycopy(b, i, msgBuf, 0, msgHave);
    state = State.PAYLOAD;
    return end;
  }

  /**
   * Makes room for {@code want} bytes of the split payload being gathered, keeping the first
   * msgHave. The buffer follows the bytes that have arrived (doubling, at most the declared size),
   * never the size the peer declared: a peer that announces a large message and sends little of it
   * costs what it sent.
   */
  private void growPayload(int want) {
    if (msgBuf.length >= want) {
      return;
    }
    int size = Math.min(msgNeed, Math.max(want, Math.max(msgBuf.length * 2, 512)));
    byte[] bigger = new byte[size];
    System.arraycopy(msgBuf, 0, bigger, 0, msgHave);
    msgBuf = bigger;
  }

  /** Size of the split-payload buffer (tests: it grows with the bytes received). */
  int payloadCapacity() {
    return msgBuf.length;
  }

  private void payloadDone(byte[] buf, int off, byte[] argsBuf) {
    int size = msgNeed - 2;
    if (buf[off + size] != '\r' || buf[off + size + 1] != '\n') {
      throw new NatsProtocolException(Protocol.ERR_UNKNOWN_OP, true, "payload not followed by CRLF");
    }
    args = argsBuf;
    payload = buf;
    payloadOff = off;
    payloadLen = size;
    handler.onMsg(this);
  }

  private void sub(byte[] lb, int as, int le) {
    split(lb, as, le);
    if (argc == 2) {
      handler.onSub(str(lb, 0), null, str(lb, 1));
    } else if (argc == 3) {
      handler.onSub(str(lb, 0), str(lb, 1), str(lb, 2));
    } else {
      throw NatsProtocolException.closeSilently("processSub Parse Error: " + snippet(lb, as, le));
    }
  }

  private void unsub(byte[] lb, int as, int le) {
    split(lb, as, le);
    if (argc == 1) {
      handler.onUnsub(str(lb, 0), 0);
    } else if (argc == 2) {
      // nats-server 2.9 reads a bad max as -1: the subscription is removed at once.
      handler.onUnsub(str(lb, 0), Math.max(0, arg(lb, 1)));
    } else {
      throw NatsProtocolException.closeSilently("processUnsub Parse Error: " + snippet(lb, as, le));
    }
  }

  private void routeSub(byte[] lb, int as, int le) {
    split(lb, as, le);
    if (argc == 2) {
      handler.onRouteSub(str(lb, 0), str(lb, 1), null, 0);
    } else if (argc == 4) {
      long w = arg(lb, 3);
      if (w < 0 || w > Integer.MAX_VALUE) {
        throw NatsProtocolException.closeSilently("processRemoteSub bad weight: " + snippet(lb, as, le));
      }
      handler.onRouteSub(str(lb, 0), str(lb, 1), str(lb, 2), (int) w);
    } else {
      throw NatsProtocolException.closeSilently("processRemoteSub Parse Error: " + snippet(lb, as, le));
    }
  }

  private void routeUnsub(byte[] lb, int as, int le) {
    split(lb, as, le);
    if (argc == 2) {
      handler.onRouteUnsub(str(lb, 0), str(lb, 1), null);
    } else if (argc == 3) {
      handler.onRouteUnsub(str(lb, 0), str(lb, 1), str(lb, 2));
    } else {
      throw NatsProtocolException.closeSilently("processRemoteUnsub Parse Error: " + snippet(lb, as, le));
    }
  }

  /** A short quoted excerpt of offending bytes for logs (nats protoSnippet). */
  static String snippet(byte[] b, int from, int to) {
    int n = Math.min(to - from, 32);
    String s = new String(b, from, Math.max(0, n), StandardCharsets.UTF_8);
    return "\"" + s.replace("\r", "\\r").replace("\n", "\\n") + (to - from > n ? "...\"" : "\"");
  }
}
