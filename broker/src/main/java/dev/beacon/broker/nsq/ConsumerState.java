package dev.beacon.broker.nsq;

/**
 * What a channel knows about one NSQ consumer connection (nsqd's clientV2 counters): its RDY
 * credit, what it has in flight, its msg-timeout and sample rate from IDENTIFY, and its counts for
 * /stats. Owned by the channel's event loop.
 */
final class ConsumerState {
  final long clientId;
  long readyCount;
  int inFlightCount;
  long msgTimeoutNanos;
  /** 0 = every message; 1-99 = that percentage of messages, as nsqd's sample_rate. */
  int sampleRate;
  boolean closing;
  /** The connection the channel's frames go to. */
  NsqConnection connection;
  /** This consumer's queue subscription in the core (its member of the channel's queue group). */
  Object subscription;

  long messageCount;
  long finishCount;
  long requeueCount;

  ConsumerState(long clientId, long msgTimeoutNanos) {
    this.clientId = clientId;
    this.msgTimeoutNanos = msgTimeoutNanos;
  }

  /** nsqd's IsReadyForMessages: some RDY credit left above what is in flight. */
  boolean isReady() {
    return readyCount > 0 && inFlightCount < readyCount;
  }
}
