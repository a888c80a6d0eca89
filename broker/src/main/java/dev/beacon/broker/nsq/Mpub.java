package dev.beacon.broker.nsq;

/**
 * The body of MPUB: a 4-byte message count, then per message a 4-byte size and the message. nsqd
 * checks every message before it publishes any, with these errors (all fatal); so does
 * {@link #check}, and {@link #forEach} then hands the messages over.
 */
final class Mpub {
  interface Sink {
    void message(byte[] b, int off, int len);
  }

  private Mpub() {
  }

  /** Checks the whole body; returns the message count. */
  static int check(byte[] b, int off, int len, int maxMsgSize, int maxBodySize) throws NsqException {
    int end = off + len;
    if (len < 4) {
      throw NsqException.fatal("E_BAD_BODY", "MPUB failed to read message count");
    }
    int count = readInt(b, off);
    // 4 bytes of count, then at least 4 of size and 1 of message each
    long maxMessages = (maxBodySize - 4L) / 5;
    if (count <= 0 || count > maxMessages) {
      throw NsqException.fatal("E_BAD_BODY", "MPUB invalid message count " + count);
    }
    int p = off + 4;
    for (int i = 0; i < count; i++) {
      if (end - p < 4) {
        throw NsqException.fatal("E_BAD_MESSAGE", "MPUB failed to read message(" + i + ") body size");
      }
      int size = readInt(b, p);
      p += 4;
      if (size <= 0) {
        throw NsqException.fatal("E_BAD_MESSAGE", "MPUB invalid message(" + i + ") body size " + size);
      }
      if (size > maxMsgSize) {
        throw NsqException.fatal("E_BAD_MESSAGE", "MPUB message too big " + size + " > " + maxMsgSize);
      }
      if (end - p < size) {
        throw NsqException.fatal("E_BAD_MESSAGE", "MPUB failed to read message body");
      }
      p += size;
    }
    return count;
  }

  /** Hands over the messages of a body {@link #check} accepted. */
  static void forEach(byte[] b, int off, int count, Sink sink) {
    int p = off + 4;
    for (int i = 0; i < count; i++) {
      int size = readInt(b, p);
      p += 4;
      sink.message(b, p, size);
      p += size;
    }
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }
}
