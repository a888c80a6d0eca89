package dev.beacon.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Incremental scanner of what a NATS server sends a client (INFO, MSG, PING, PONG, +OK, -ERR).
 * A hand-written byte scan over each chunk as it arrives, with no allocation per message: a
 * control line that arrives whole is parsed in place; only a line split across reads is copied.
 * A MSG is reported once its payload and trailing CRLF have been consumed.
 */
final class MsgScanner {
  /** What the scanner reports. {@code reply} is valid only during the call. */
  interface Handler {
    void msg(int size, byte[] reply, int replyLen);

    void ping();

    void pong();
  }

  /** Longest control line accepted (nats-server's INFO with many connect_urls stays far below). */
  static final int MAX_LINE = 64 * 1024;
  /** Largest payload accepted (nats-server's max_payload is 1 MiB by default). */
  static final int MAX_PAYLOAD = 64 * 1024 * 1024;
  static final int MAX_REPLY = 256;

  private final Handler handler;
  private final byte[] line = new byte[MAX_LINE];
  private int lineLen;
  private final byte[] reply = new byte[MAX_REPLY];
  private int replyLen;
  /** Payload bytes plus CRLF still to consume for the current MSG; -1 outside a payload. */
  private long remaining = -1;
  private int size;

  MsgScanner(Handler handler) {
    this.handler = handler;
  }

  /** Consumes {@code len} bytes of {@code buf} from {@code off}. */
  void feed(byte[] buf, int off, int len) throws IOException {
    int pos = off;
    int end = off + len;
    while (pos < end) {
      if (remaining >= 0) {
        int take = (int) Math.min(remaining, end - pos);
        pos += take;
        remaining -= take;
        if (remaining == 0) {
          remaining = -1;
          handler.msg(size, reply, replyLen);
        }
        continue;
      }
      int nl = indexOf(buf, pos, end, (byte) '\n');
      if (nl < 0) {
        append(buf, pos, end - pos);
        return;
      }
      if (lineLen == 0) {
        control(buf, pos, nl);
      } else {
        append(buf, pos, nl - pos);
        control(line, 0, lineLen);
        lineLen = 0;
      }
      pos = nl + 1;
    }
  }

  private void append(byte[] buf, int from, int n) throws IOException {
    if (lineLen + n > MAX_LINE) {
      throw new IOException("control line longer than " + MAX_LINE + " bytes");
    }
    System.arraycopy(buf, from, line, lineLen, n);
    lineLen += n;
  }

  /** One control line in b[from, to), without its '\n' (a trailing '\r' is dropped here). */
  private void control(byte[] b, int from, int to) throws IOException {
    if (to > from && b[to - 1] == '\r') {
      to--;
    }
    if (to - from < 3) {
      throw protocolError("short line", b, from, to);
    }
    byte c0 = b[from];
    if (c0 == 'M' && b[from + 1] == 'S' && b[from + 2] == 'G') {
      msgLine(b, from + 3, to);
    } else if (c0 == 'P' && to - from == 4 && b[from + 1] == 'I') {
      handler.ping();
    } else if (c0 == 'P' && to - from == 4 && b[from + 1] == 'O') {
      handler.pong();
    } else if (c0 == '+' || c0 == 'I') {
      // +OK and INFO carry nothing the load generator needs.
    } else if (c0 == '-') {
      throw new IOException("server error: " + new String(b, from, to - from, StandardCharsets.UTF_8));
    } else {
      throw protocolError("unknown op", b, from, to);
    }
  }

  /** "MSG subject sid [reply] size": 3 or 4 fields after the op. */
  private void msgLine(byte[] b, int p, int to) throws IOException {
    int start0 = -1, end0 = -1, start1 = -1, end1 = -1, start2 = -1, end2 = -1, start3 = -1, end3 = -1;
    int fields = 0;
    while (p < to) {
      while (p < to && (b[p] == ' ' || b[p] == '\t')) {
        p++;
      }
      if (p == to) {
        break;
      }
      int s = p;
      while (p < to && b[p] != ' ' && b[p] != '\t') {
        p++;
      }
      switch (fields++) {
        case 0 -> { start0 = s; end0 = p; }
        case 1 -> { start1 = s; end1 = p; }
        case 2 -> { start2 = s; end2 = p; }
        case 3 -> { start3 = s; end3 = p; }
        default -> throw protocolError("too many MSG fields", b, to - (p - s), to);
      }
    }
    if (fields < 3 || start0 < 0 || end1 <= start1) {
      throw protocolError("bad MSG", b, Math.max(0, p - 16), to);
    }
    int sizeStart = fields == 4 ? start3 : start2;
    int sizeEnd = fields == 4 ? end3 : end2;
    replyLen = 0;
    if (fields == 4) {
      int n = end2 - start2;
      if (n > MAX_REPLY) {
        throw protocolError("reply subject too long", b, start2, end2);
      }
      System.arraycopy(b, start2, reply, 0, n);
      replyLen = n;
    }
    size = parseSize(b, sizeStart, sizeEnd);
    remaining = size + 2L;
  }

  static int parseSize(byte[] b, int from, int to) throws IOException {
    if (from >= to || to - from > 9) {
      throw protocolError("bad size", b, from, to);
    }
    int n = 0;
    for (int i = from; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw protocolError("bad size", b, from, to);
      }
      n = n * 10 + d;
    }
    if (n > MAX_PAYLOAD) {
      throw new IOException("payload " + n + " (expected: <= " + MAX_PAYLOAD + ")");
    }
    return n;
  }

  static int indexOf(byte[] b, int from, int to, byte v) {
    for (int i = from; i < to; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }

  private static IOException protocolError(String what, byte[] b, int from, int to) {
    int n = Math.min(to - from, 40);
    return new IOException(what + ": '" + new String(b, from, Math.max(0, n), StandardCharsets.ISO_8859_1) + "'");
  }
}
