package dev.beacon.lookupd;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * Incremental parser for what an nsqd sends lookupd: the 4-byte magic, then {@code \n}-terminated
 * command lines, where an IDENTIFY line is followed by a 4-byte big-endian length and a body.
 * It takes whatever chunk arrived, keeps explicit state, and does no business logic: the
 * protocol decides (by calling {@link #expectBody()} from {@link Handler#command}) when a body
 * follows. Lines and bodies are bounded; a parse error stops the parser for good.
 */
final class FrameParser {

  /** Receives what the parser finds, in order. */
  interface Handler {
    void magic(boolean valid);

    /** A whole line, without the {@code \n}, with surrounding ASCII whitespace trimmed (Go's TrimSpace). */
    void command(String line);

    void body(byte[] body);

    void error(LookupProtocolException e);
  }

  static final byte[] MAGIC_V1 = {' ', ' ', 'V', '1'};

  private enum State { MAGIC, LINE, BODY_SIZE, BODY, DEAD }

  private final Handler handler;
  private final int maxLine;
  private final int maxBody;
  private State state = State.MAGIC;
  /** Grows up to maxLine as needed: an idle connection holds 128 bytes, not the bound. */
  private byte[] line = new byte[128];
  private int lineLen;
  private final byte[] word = new byte[4];
  private int wordLen;
  private byte[] body;
  private int bodyLen;

  FrameParser(Handler handler, int maxLine, int maxBody) {
    this.handler = handler;
    this.maxLine = maxLine;
    this.maxBody = maxBody;
  }

  /** Called from {@link Handler#command} for an accepted IDENTIFY: a length-prefixed body follows the line. */
  void expectBody() {
    state = State.BODY_SIZE;
    wordLen = 0;
  }

  /** Ignore everything from now on (the connection is closing). */
  void stop() {
    state = State.DEAD;
    body = null;
  }

  boolean stopped() {
    return state == State.DEAD;
  }

  void feed(Buffer chunk) {
    int n = chunk.length();
    int i = 0;
    while (i < n && state != State.DEAD) {
      switch (state) {
        case MAGIC -> {
          word[wordLen++] = chunk.getByte(i++);
          if (wordLen == 4) {
            boolean ok = word[0] == MAGIC_V1[0] && word[1] == MAGIC_V1[1] && word[2] == MAGIC_V1[2] && word[3] == MAGIC_V1[3];
            state = ok ? State.LINE : State.DEAD;
            lineLen = 0;
            handler.magic(ok);
          }
        }
        case LINE -> {
          byte b = chunk.getByte(i++);
          if (b == '\n') {
            String cmd = trimmed();
            lineLen = 0;
            handler.command(cmd);
          } else if (lineLen == maxLine) {
            fail(LookupProtocolException.fatal(Errors.E_INVALID, Errors.LINE_TOO_LONG + maxLine + " bytes"));
          } else {
            if (lineLen == line.length) {
              line = java.util.Arrays.copyOf(line, Math.min(maxLine, line.length * 2));
            }
            line[lineLen++] = b;
          }
        }
        case BODY_SIZE -> {
          word[wordLen++] = chunk.getByte(i++);
          if (wordLen == 4) {
            int size = ((word[0] & 0xff) << 24) | ((word[1] & 0xff) << 16) | ((word[2] & 0xff) << 8) | (word[3] & 0xff);
            if (size < 0 || size > maxBody) {
              fail(LookupProtocolException.fatal(Errors.E_BAD_BODY, Errors.BODY_INVALID_SIZE + size));
            } else {
              body = new byte[size];
              bodyLen = 0;
              state = State.BODY;
              i = bodyDone(i);
            }
          }
        }
        case BODY -> {
          int take = Math.min(n - i, body.length - bodyLen);
          chunk.getBytes(i, i + take, body, bodyLen);
          bodyLen += take;
          i += take;
          i = bodyDone(i);
        }
        case DEAD -> { }
      }
    }
  }

  private int bodyDone(int i) {
    if (bodyLen == body.length) {
      byte[] b = body;
      body = null;
      state = State.LINE;
      lineLen = 0;
      handler.body(b);
    }
    return i;
  }

  /** The peer closed its sending side: a half-read IDENTIFY is an error the peer still gets told about. */
  void end() {
    switch (state) {
      case BODY_SIZE -> fail(LookupProtocolException.fatal(Errors.E_BAD_BODY, Errors.BODY_SIZE_READ));
      case BODY -> fail(LookupProtocolException.fatal(Errors.E_BAD_BODY, Errors.BODY_READ));
      default -> state = State.DEAD; // a partial line is dropped, as bufio.ReadString does at EOF
    }
  }

  private void fail(LookupProtocolException e) {
    state = State.DEAD;
    body = null;
    handler.error(e);
  }

  private String trimmed() {
    int from = 0;
    int to = lineLen;
    while (from < to && isSpace(line[from])) {
      from++;
    }
    while (to > from && isSpace(line[to - 1])) {
      to--;
    }
    // ISO-8859-1 maps bytes 1:1, so names echoed in errors go back out byte for byte.
    return new String(line, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0x0b || b == 0x0c;
  }
}
