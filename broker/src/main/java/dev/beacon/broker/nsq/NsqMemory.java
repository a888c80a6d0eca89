package dev.beacon.broker.nsq;

/**
 * The byte budget of every NSQ message this broker holds (nsq-max-memory): channel backlogs,
 * messages in flight, REQ-delayed messages and DPUB-held ones. A message is charged once, when it
 * is accepted, and released when it leaves for good (FIN, sampled out, emptied, its channel or
 * topic deleted, a DPUB published); a redelivery (REQ, timeout, disconnect) keeps its charge, so it
 * is never refused. One owner thread.
 */
final class NsqMemory {
  /**
   * What a message costs besides its body: the {@link NsqMessage} object, the array header, its
   * slots in the backlog, in-flight map and timeout queue (an upper estimate on a 64-bit JVM).
   */
  static final int MESSAGE_OVERHEAD = 96;

  final long limit;
  private long used;
  private long peak;
  /** New messages refused because the budget was spent (channel messages and DPUBs). */
  long droppedCount;

  NsqMemory(long limit) {
    this.limit = limit;
  }

  static long cost(int bodyLength) {
    return (long) bodyLength + MESSAGE_OVERHEAD;
  }

  /** Charges a new message of {@code bodyLength} bytes; false (and counted) if it does not fit. */
  boolean reserve(int bodyLength) {
    long c = cost(bodyLength);
    if (used + c > limit) {
      droppedCount++;
      return false;
    }
    used += c;
    if (used > peak) {
      peak = used;
    }
    return true;
  }

  void release(int bodyLength) {
    used -= cost(bodyLength);
  }

  long used() {
    return used;
  }

  /** Highest {@link #used} so far. */
  long peak() {
    return peak;
  }
}
