package dev.beacon.broker;

/**
 * One connection's outbound bytes: frames are appended while the broker handles one incoming
 * chunk and written in one socket write when that chunk is done (per-read write batching).
 *
 * <p>Pending bytes, what max-pending bounds, are the sum of two parts:
 * <ul>
 *   <li>{@link #queuedBytes()}: appended here and not yet handed to the socket;
 *   <li>the socket's own backlog: bytes handed to it that the kernel has not taken yet, as read
 *       right after the last {@link #flushTo} (or {@link #refreshBacklog}).
 * </ul>
 * Past the limit the peer is a slow consumer (its connection decides what to do). Not thread-safe:
 * owned by the broker's context; no allocation per append once the array has grown to the load.
 */
final class OutBuffer {

  /** Where a flush goes: the socket adapter ({@link Wire}) in the broker, a recorder in tests. */
  interface Sink {
    void write(byte[] b, int off, int len);

    /** Bytes written but not yet taken by the kernel. */
    long pendingBytes();
  }

  /** Above this capacity, {@link #SHRINK_AFTER} flushes in a row that used less than a quarter halve the array. */
  static final int SHRINK_ABOVE = 65536;

  /**
   * Under-used flushes in a row before the array is halved. One was enough before: under a steady
   * load the flushes alternate between a full and a light chunk, so the array was halved and grown
   * again (64/128 KiB arrays were 126 of 316 allocation samples in a 1 KiB pub/sub profile).
   */
  static final int SHRINK_AFTER = 8;

  private byte[] buf;
  private int len;
  /** The socket's backlog read at the last flush. */
  private long socketBacklog;
  /** Bytes handed to the socket so far. */
  private long written;
  /** Under-used flushes in a row (see {@link #SHRINK_AFTER}). */
  private byte underUsed;

  OutBuffer(int initialCapacity) {
    this.buf = new byte[initialCapacity];
  }

  OutBuffer() {
    this(1024);
  }

  void append(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  void append(byte[] b) {
    append(b, 0, b.length);
  }

  void append(byte c) {
    ensure(1);
    buf[len++] = c;
  }

  /** Appends {@code n >= 0} in decimal ASCII. */
  void appendNumber(long n) {
    ensure(20);
    if (n == 0) {
      buf[len++] = '0';
      return;
    }
    int digits = 0;
    for (long x = n; x > 0; x /= 10) {
      digits++;
    }
    int p = len + digits;
    for (long x = n; x > 0; x /= 10) {
      buf[--p] = (byte) ('0' + (x % 10));
    }
    len += digits;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      int size = Math.max(buf.length * 2, len + n);
      byte[] bigger = new byte[size];
      System.arraycopy(buf, 0, bigger, 0, len);
      buf = bigger;
    }
  }

  /** Bytes appended and not yet written to the socket. */
  int queuedBytes() {
    return len;
  }

  /** Queued bytes plus the socket's backlog at the last flush: what max-pending bounds. */
  long pendingBytes() {
    return len + socketBacklog;
  }

  /** True when {@link #pendingBytes()} exceeds {@code maxPending}. */
  boolean overLimit(long maxPending) {
    return pendingBytes() > maxPending;
  }

  /**
   * Writes everything queued in one write and records the socket's backlog after it; returns the
   * new {@link #pendingBytes()}. Nothing queued: no write, and the backlog is not re-read.
   */
  long flushTo(Sink sink) {
    if (len == 0) {
      return socketBacklog;
    }
    sink.write(buf, 0, len);
    written += len;
    // Keep the array while it is well used (no regrowth per chunk under load); halve it after
    // several flushes in a row used less than a quarter, so an idle connection gives the memory back.
    if (buf.length > SHRINK_ABOVE && len < buf.length / 4) {
      if (++underUsed >= SHRINK_AFTER) {
        buf = new byte[buf.length / 2];
        underUsed = 0;
      }
    } else {
      underUsed = 0;
    }
    len = 0;
    socketBacklog = sink.pendingBytes();
    return socketBacklog;
  }

  /** Bytes handed to the socket so far (what the socket has taken is this minus its backlog). */
  long written() {
    return written;
  }

  /** Re-reads the socket's backlog (it shrinks as the peer reads); returns the new {@link #pendingBytes()}. */
  long refreshBacklog(Sink sink) {
    socketBacklog = sink.pendingBytes();
    return pendingBytes();
  }

  /** Writes what is queued without reading the backlog (the connection is closing). */
  void drainTo(Sink sink) {
    if (len > 0) {
      sink.write(buf, 0, len);
      len = 0;
    }
  }

  /** Drops what is queued (a slow consumer is cut off). */
  void discard() {
    len = 0;
  }

  /** Current array size, for tests of the shrink rule. */
  int capacity() {
    return buf.length;
  }
}
