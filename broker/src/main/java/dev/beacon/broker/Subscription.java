package dev.beacon.broker;

/**
 * One entry of the {@link Sublist}: a client's SUB (sid, optional queue, auto-unsubscribe max) or a
 * route's RS+ interest ({@code owner} is then the route and {@code weight} its queue weight).
 * {@code owner} is a {@link ClientConnection} or a {@link RouteConnection} (the only kinds of
 * {@link Conn}); the Sublist itself never reads it. Subject, queue and sid are byte strings (one
 * char per wire byte, {@link Subjects#WIRE}), so two subjects are equal exactly when their bytes are.
 * The sid is kept only as the bytes MSG frames are written from ({@link #sid()} makes the String for
 * monitoring): a client's {@link SidMap} finds subscriptions by these bytes.
 * A subscription the broker holds for itself (an NSQ channel's queue subscription) has no owner
 * and a {@link Sink} instead.
 */
final class Subscription {
  /** Receives the payload of each message delivered to an owner-less subscription. */
  @FunctionalInterface
  interface Sink {
    void deliver(byte[] b, int off, int len);
  }

  final Conn owner;
  /** Non-null exactly when {@code owner} is null. */
  final Sink sink;
  final String subject;
  final String queue;
  final byte[] queueBytes;
  /** The sid as sent (null for a route's or the broker's own subscription). */
  final byte[] sidBytes;
  /** Messages after which the subscription ends (UNSUB max); 0 = no limit. */
  long max;
  long delivered;
  /** Queue members this entry stands for: 1 for a client, the RS+ weight for a route. */
  int weight = 1;
  boolean closed;

  Subscription(Conn owner, String subject, String queue, String sid) {
    this(owner, null, subject, queue, sid);
  }

  /** A subscription of the broker itself: delivered to {@code sink}. */
  Subscription(Sink sink, String subject, String queue) {
    this(null, sink, subject, queue, null);
  }

  private Subscription(Conn owner, Sink sink, String subject, String queue, String sid) {
    this.owner = owner;
    this.sink = sink;
    this.subject = subject;
    this.queue = queue;
    this.queueBytes = queue == null ? null : queue.getBytes(Subjects.WIRE);
    this.sidBytes = sid == null ? null : sid.getBytes(Subjects.WIRE);
  }

  /** The sid as a byte string, or null; made on each call (monitoring, logs). */
  String sid() {
    return sidBytes == null ? null : new String(sidBytes, Subjects.WIRE);
  }

  @Override
  public String toString() {
    return subject + (queue == null ? "" : " " + queue) + (sidBytes == null ? "" : " " + sid());
  }
}
