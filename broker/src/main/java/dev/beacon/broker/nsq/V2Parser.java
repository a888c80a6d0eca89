package dev.beacon.broker.nsq;

import java.nio.charset.StandardCharsets;

/**
 * Incremental parser of nsqd's V2 client protocol: the 4-byte magic {@code "  V2"}, then command
 * lines ending in LF (an optional CR before it is dropped) whose parameters are separated by single
 * spaces, exactly as nsqd splits them ({@code "A  B"} is three parameters, the middle one empty).
 * IDENTIFY, AUTH, PUB, DPUB and MPUB lines are followed by a 4-byte big-endian size and that many
 * body bytes; the size is checked against nsqd's limits (with nsqd's error texts) before any body
 * byte is taken. Pure: no I/O; finished commands go to {@link Handler}; errors are thrown as
 * {@link NsqException} and the parser accepts nothing more after one.
 */
final class V2Parser {

  /** Receives commands. Read the parser's fields during the call only. */
  interface Handler {
    /**
     * A body command's line arrived, before its size: nsqd checks the state and the parameters
     * first, so an error thrown here wins over a bad size.
     */
    void beforeBody(V2Parser p) throws NsqException;

    /** A whole command; for body commands {@link #body} holds the body. */
    void onCommand(V2Parser p) throws NsqException;

    /** {@link #onCommand} threw a non-fatal error: send it; parsing goes on. */
    void nonFatal(NsqException e);
  }

  enum Verb { IDENTIFY, AUTH, SUB, RDY, FIN, REQ, TOUCH, CLS, NOP, PUB, MPUB, DPUB, UNKNOWN }

  static final byte[] MAGIC_V2 = {' ', ' ', 'V', '2'};
  /**
   * nsqd reads command lines through a 16 KiB buffer; a longer line fails the read and nsqd closes
   * the connection without a word.
   */
  static final int MAX_LINE = 16 * 1024;

  private enum State { MAGIC, LINE, SIZE, BODY, DEAD }

  private final Handler handler;
  private final int maxMsgSize;
  private final int maxBodySize;

  private State state = State.MAGIC;
  private int magicHave;
  private final byte[] small = new byte[4];
  private int sizeHave;

  /** The current command line (without LF and trailing CR). */
  final byte[] line = new byte[MAX_LINE];
  int lineLen;
  int paramCount;
  int[] paramOff = new int[8];
  int[] paramLen = new int[8];
  Verb verb = Verb.UNKNOWN;

  /** Body of the current body command: {@code body[bodyOff .. bodyOff + bodyLen)}. */
  byte[] body;
  int bodyOff;
  int bodyLen;
  private byte[] bodyBuf = NO_BYTES;
  private int bodyHave;
  private boolean paused;
  private static final byte[] NO_BYTES = new byte[0];
  /**
   * A body split over reads is collected in a buffer that grows with the bytes that arrive (from
   * this size, doubling, at most the declared size), never allocated at the size a peer declares;
   * a buffer larger than this is let go after its command, so an idle connection keeps at most this.
   */
  static final int BODY_KEEP = 16 * 1024;

  V2Parser(Handler handler, int maxMsgSize, int maxBodySize) {
    this.handler = handler;
    this.maxMsgSize = maxMsgSize;
    this.maxBodySize = maxBodySize;
  }

  /**
   * Feeds one chunk; returns how many of its bytes were taken: all of them, unless a handler
   * {@link #pause paused} the parser (the rest is for after {@link #resume}). Throws on the first
   * error; the parser is dead afterwards.
   */
  int parse(byte[] b, int off, int len) throws NsqException {
    int i = off;
    int end = off + len;
    try {
      while (i < end && !paused) {
        switch (state) {
          case MAGIC -> {
            while (i < end && magicHave < 4) {
              small[magicHave++] = b[i++];
            }
            if (magicHave == 4) {
              for (int k = 0; k < 4; k++) {
                if (small[k] != MAGIC_V2[k]) {
                  throw NsqException.fatalCode("E_BAD_PROTOCOL");
                }
              }
              state = State.LINE;
            }
          }
          case LINE -> {
            int nl = -1;
            for (int k = i; k < end; k++) {
              if (b[k] == '\n') {
                nl = k;
                break;
              }
            }
            int stop = nl < 0 ? end : nl;
            int n = stop - i;
            if (lineLen + n + (nl < 0 ? 0 : 1) > MAX_LINE) {
              throw NsqException.close("failed to read command - bufio: buffer full");
            }
            System.arraycopy(b, i, line, lineLen, n);
            lineLen += n;
            i = stop;
            if (nl >= 0) {
              i++;
              lineDone();
            }
          }
          case SIZE -> {
            while (i < end && sizeHave < 4) {
              small[sizeHave++] = b[i++];
            }
            if (sizeHave == 4) {
              int size = ((small[0] & 0xff) << 24) | ((small[1] & 0xff) << 16) | ((small[2] & 0xff) << 8) | (small[3] & 0xff);
              checkSize(size);
              bodyLen = size;
              bodyHave = 0;
              if (end - i >= size) {
                body = b;
                bodyOff = i;
                i += size;
                commandDone();
              } else {
                state = State.BODY;
              }
            }
          }
          case BODY -> {
            int n = Math.min(end - i, bodyLen - bodyHave);
            if (bodyBuf.length < bodyHave + n) {
              growBody(bodyHave + n);
            }
            System.arraycopy(b, i, bodyBuf, bodyHave, n);
            bodyHave += n;
            i += n;
            if (bodyHave == bodyLen) {
              body = bodyBuf;
              bodyOff = 0;
              commandDone();
            }
          }
          case DEAD -> {
            return len;
          }
          default -> throw new IllegalStateException();
        }
      }
    } catch (NsqException e) {
      state = State.DEAD;
      throw e;
    }
    return i - off;
  }

  /** Called by a handler during a command: no command after this one is handed over until {@link #resume}. */
  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
  }

  boolean isPaused() {
    return paused;
  }

  private void lineDone() throws NsqException {
    if (lineLen > 0 && line[lineLen - 1] == '\r') {
      lineLen--;
    }
    paramCount = 0;
    int start = 0;
    for (int k = 0; k <= lineLen; k++) {
      if (k == lineLen || line[k] == ' ') {
        addParam(start, k - start);
        start = k + 1;
      }
    }
    verb = verbOf(line, paramOff[0], paramLen[0]);
    switch (verb) {
      case IDENTIFY, AUTH, PUB, MPUB, DPUB -> {
        handler.beforeBody(this);
        if (state == State.DEAD) {
          return;
        }
        state = State.SIZE;
        sizeHave = 0;
      }
      default -> {
        lineLen = 0;
        command();
      }
    }
  }

  private void growBody(int need) {
    long cap = Math.max(Math.min(BODY_KEEP, bodyLen), 2L * bodyBuf.length);
    cap = Math.min(bodyLen, Math.max(cap, need));
    bodyBuf = java.util.Arrays.copyOf(bodyBuf, (int) cap);
  }

  /** Bytes held for split bodies (the buffer's capacity). */
  int bodyCapacity() {
    return bodyBuf.length;
  }

  private void commandDone() throws NsqException {
    state = State.LINE;
    lineLen = 0;
    try {
      command();
    } finally {
      body = null;
      if (bodyBuf.length > BODY_KEEP) {
        bodyBuf = NO_BYTES;
      }
    }
  }

  private void command() throws NsqException {
    try {
      handler.onCommand(this);
    } catch (NsqException e) {
      if (e.isFatal()) {
        throw e;
      }
      handler.nonFatal(e);
    }
  }

  private void addParam(int off, int len) {
    if (paramCount == paramOff.length) {
      paramOff = java.util.Arrays.copyOf(paramOff, paramCount * 2);
      paramLen = java.util.Arrays.copyOf(paramLen, paramCount * 2);
    }
    paramOff[paramCount] = off;
    paramLen[paramCount] = len;
    paramCount++;
  }

  /** nsqd's size checks, in nsqd's order for each command. */
  private void checkSize(int size) throws NsqException {
    String v = verb.name();
    switch (verb) {
      case IDENTIFY, AUTH -> {
        if (size > maxBodySize) {
          throw NsqException.fatal("E_BAD_BODY", v + " body too big " + size + " > " + maxBodySize);
        }
        if (size <= 0) {
          throw NsqException.fatal("E_BAD_BODY", v + " invalid body size " + size);
        }
      }
      case PUB, DPUB -> {
        if (size <= 0) {
          throw NsqException.fatal("E_BAD_MESSAGE", v + " invalid message body size " + size);
        }
        if (size > maxMsgSize) {
          throw NsqException.fatal("E_BAD_MESSAGE", v + " message too big " + size + " > " + maxMsgSize);
        }
      }
      case MPUB -> {
        if (size <= 0) {
          throw NsqException.fatal("E_BAD_BODY", "MPUB invalid body size " + size);
        }
        if (size > maxBodySize) {
          throw NsqException.fatal("E_BAD_BODY", "MPUB body too big " + size + " > " + maxBodySize);
        }
      }
      default -> throw new IllegalStateException(v);
    }
  }

  /** Stops the parser: nothing more is accepted (a handler ends the connection). */
  void stop() {
    state = State.DEAD;
  }

  /** Parameter {@code i} as a string (ISO-8859-1: every byte one char, like Go's byte strings). */
  String param(int i) {
    return new String(line, paramOff[i], paramLen[i], StandardCharsets.ISO_8859_1);
  }

  /** Parameter {@code i} as a decimal number the way nsqd's ByteToBase10 reads it, or -1 if it is not one. */
  long paramNumber(int i) {
    int len = paramLen[i];
    if (len == 0 || len > 18) {
      return -1;
    }
    long n = 0;
    for (int k = paramOff[i], e = k + len; k < e; k++) {
      int d = line[k] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      n = n * 10 + d;
    }
    return n;
  }

  static Verb verbOf(byte[] b, int off, int len) {
    switch (len) {
      case 3:
        if (is(b, off, "FIN")) {
          return Verb.FIN;
        }
        if (is(b, off, "RDY")) {
          return Verb.RDY;
        }
        if (is(b, off, "REQ")) {
          return Verb.REQ;
        }
        if (is(b, off, "PUB")) {
          return Verb.PUB;
        }
        if (is(b, off, "NOP")) {
          return Verb.NOP;
        }
        if (is(b, off, "SUB")) {
          return Verb.SUB;
        }
        if (is(b, off, "CLS")) {
          return Verb.CLS;
        }
        return Verb.UNKNOWN;
      case 4:
        if (is(b, off, "MPUB")) {
          return Verb.MPUB;
        }
        if (is(b, off, "DPUB")) {
          return Verb.DPUB;
        }
        if (is(b, off, "AUTH")) {
          return Verb.AUTH;
        }
        return Verb.UNKNOWN;
      case 5:
        return is(b, off, "TOUCH") ? Verb.TOUCH : Verb.UNKNOWN;
      case 8:
        return is(b, off, "IDENTIFY") ? Verb.IDENTIFY : Verb.UNKNOWN;
      default:
        return Verb.UNKNOWN;
    }
  }

  private static boolean is(byte[] b, int off, String s) {
    for (int k = 0; k < s.length(); k++) {
      if (b[off + k] != s.charAt(k)) {
        return false;
      }
    }
    return true;
  }
}
