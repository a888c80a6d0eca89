package dev.beacon.broker.nsq;

/**
 * One message of one channel on this broker: its own copy of the body (it may wait in the backlog
 * or be redelivered), the id NSQ consumers FIN/REQ/TOUCH it by, and where it is: in the backlog,
 * deferred ({@link #due}) or in flight to {@link #owner} until {@link #deadline}.
 */
final class NsqMessage {
  final long id;
  final byte[] body;
  /** Publish time in Unix nanoseconds (the message frame's timestamp). */
  final long timestamp;
  int attempts;

  /** In flight: the consumer it was sent to, else null. */
  ConsumerState owner;
  /** In flight: monotonic nanos when it times out; when it was last delivered. */
  long deadline;
  long deliveredAt;
  /** Bumped on every delivery and TOUCH, so stale timeout entries are skipped. */
  int generation;
  /** Deferred (REQ with a delay): monotonic nanos when it is due. */
  long due;

  NsqMessage(long id, byte[] body, long timestamp) {
    this.id = id;
    this.body = body;
    this.timestamp = timestamp;
  }
}
