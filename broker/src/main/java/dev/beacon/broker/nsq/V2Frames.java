package dev.beacon.broker.nsq;

import java.nio.charset.StandardCharsets;

/**
 * nsqd's V2 frames: a 4-byte big-endian size (of what follows), a 4-byte frame type, then the data.
 * A message frame's data is the 8-byte publish time in Unix nanoseconds, the 2-byte attempt count,
 * the 16-byte message id and the body.
 */
final class V2Frames {
  static final int TYPE_RESPONSE = 0;
  static final int TYPE_ERROR = 1;
  static final int TYPE_MESSAGE = 2;
  /** Length of an nsqd message id (16 hex characters). */
  static final int ID_LENGTH = 16;
  /** Frame bytes around a message body: size, type, timestamp, attempts, id. */
  static final int MESSAGE_OVERHEAD = 4 + 4 + 8 + 2 + ID_LENGTH;

  static final byte[] OK = response("OK");
  static final byte[] CLOSE_WAIT = response("CLOSE_WAIT");
  static final byte[] HEARTBEAT = response("_heartbeat_");

  private V2Frames() {
  }

  static byte[] response(String text) {
    return frame(TYPE_RESPONSE, text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] error(String text) {
    return frame(TYPE_ERROR, text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] frame(int type, byte[] data) {
    byte[] f = new byte[8 + data.length];
    putInt(f, 0, 4 + data.length);
    putInt(f, 4, type);
    System.arraycopy(data, 0, f, 8, data.length);
    return f;
  }

  /** Writes a message frame at {@code dst[off]}; {@code dst} must have {@link #MESSAGE_OVERHEAD} + bodyLen bytes there. */
  static void message(byte[] dst, int off, long timestampNanos, int attempts, long id,
                      byte[] body, int bodyOff, int bodyLen) {
    messageHeader(dst, off, timestampNanos, attempts, id, bodyLen);
    System.arraycopy(body, bodyOff, dst, off + MESSAGE_OVERHEAD, bodyLen);
  }

  /** Writes the {@link #MESSAGE_OVERHEAD} bytes of a message frame that come before its body. */
  static void messageHeader(byte[] dst, int off, long timestampNanos, int attempts, long id, int bodyLen) {
    putInt(dst, off, 4 + 8 + 2 + ID_LENGTH + bodyLen);
    putInt(dst, off + 4, TYPE_MESSAGE);
    putLong(dst, off + 8, timestampNanos);
    dst[off + 16] = (byte) (attempts >>> 8);
    dst[off + 17] = (byte) attempts;
    putId(dst, off + 18, id);
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** A message id on the wire: the 64-bit id as 16 lower-case hex digits (nsqd's ids look the same). */
  static void putId(byte[] dst, int off, long id) {
    for (int k = ID_LENGTH - 1; k >= 0; k--) {
      dst[off + k] = HEX[(int) (id & 0xf)];
      id >>>= 4;
    }
  }

  /** The id written by {@link #putId}, or -1 when the bytes are not 16 hex digits (never an id in flight). */
  static long parseId(byte[] b, int off, int len) {
    if (len != ID_LENGTH) {
      return -1;
    }
    long id = 0;
    for (int k = off; k < off + len; k++) {
      int c = b[k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) {
        return -1;
      }
      id = (id << 4) | d;
    }
    return id < 0 ? -1 : id;
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static void putLong(byte[] b, int off, long v) {
    putInt(b, off, (int) (v >>> 32));
    putInt(b, off + 4, (int) v);
  }
}
