package dev.beacon.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Incremental scanner of what nsqlookupd sends on TCP: a 4-byte big-endian length, then that many
 * bytes, no frame type. Counts {@code OK} frames and other successful answers (the IDENTIFY JSON);
 * an {@code E_*} answer is an error, since lookupd closes the connection after it.
 */
final class FrameScanner {
  /** Largest answer accepted (nsqd reads lookupd answers with a 5 MiB bound). */
  static final int MAX_FRAME = 5 * 1024 * 1024;

  private final byte[] head = new byte[4];
  private int headLen;
  private byte[] body;
  private int bodyLen;
  private long oks;
  private long others;

  long oks() {
    return oks;
  }

  long frames() {
    return oks + others;
  }

  void feed(ByteBuffer in) throws IOException {
    while (in.hasRemaining()) {
      if (body == null) {
        head[headLen++] = in.get();
        if (headLen == 4) {
          int size = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
          if (size < 0 || size > MAX_FRAME) {
            throw new IOException("bad frame size " + size + " (expected: 0.." + MAX_FRAME + ")");
          }
          headLen = 0;
          body = new byte[size];
          bodyLen = 0;
          if (size == 0) {
            frame();
          }
        }
        continue;
      }
      int n = Math.min(in.remaining(), body.length - bodyLen);
      in.get(body, bodyLen, n);
      bodyLen += n;
      if (bodyLen == body.length) {
        frame();
      }
    }
  }

  private void frame() throws IOException {
    byte[] b = body;
    body = null;
    if (b.length == 2 && b[0] == 'O' && b[1] == 'K') {
      oks++;
    } else if (b.length >= 2 && b[0] == 'E' && b[1] == '_') {
      throw new IOException("lookupd answered " + new String(b, StandardCharsets.UTF_8));
    } else {
      others++;
    }
  }
}
