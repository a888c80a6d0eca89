package dev.beacon.broker.nsq;

/**
 * The nsqd limits the NSQ listener applies, under nsqd's flag names (defaults in reference.conf are
 * nsqd v1.3.0's). Durations in milliseconds.
 *
 * @param maxRdyCount        largest RDY a consumer may send
 * @param msgTimeoutMs       default time a message may stay in flight before it is redelivered
 * @param maxMsgTimeoutMs    largest msg_timeout a consumer may IDENTIFY with, and TOUCH's cap
 * @param maxMsgSize         largest PUB/DPUB body and MPUB message
 * @param maxBodySize        largest IDENTIFY, AUTH and MPUB body
 * @param maxReqTimeoutMs    largest REQ and DPUB delay
 * @param clientTimeoutMs    default heartbeat interval is half of it
 * @param maxHeartbeatIntervalMs largest heartbeat_interval a client may IDENTIFY with
 * @param memQueueSize       messages a channel keeps waiting in memory (past it: dropped, counted);
 *                           also how many DPUB messages a topic keeps waiting on this broker
 * @param maxTopics          most NSQ topics on this broker; creating one more is refused
 * @param maxChannelsPerTopic most channels of one topic; creating one more is refused
 * @param maxMemory          bytes all NSQ messages held in memory may take together (channel
 *                           backlogs, in flight, REQ-deferred, DPUB-held; see {@link NsqMemory#cost})
 * @param version            version answered in IDENTIFY, /info and /stats
 */
public record NsqSettings(int maxRdyCount, long msgTimeoutMs, long maxMsgTimeoutMs, int maxMsgSize,
                          int maxBodySize, long maxReqTimeoutMs, long clientTimeoutMs,
                          long maxHeartbeatIntervalMs, int memQueueSize, int maxTopics,
                          int maxChannelsPerTopic, long maxMemory, String version) {

  /** nsqd's output buffer defaults and bounds (answered and checked in IDENTIFY; writes here are per read). */
  static final int OUTPUT_BUFFER_SIZE = 16 * 1024;
  static final int MAX_OUTPUT_BUFFER_SIZE = 64 * 1024;
  static final long OUTPUT_BUFFER_TIMEOUT_MS = 250;
  static final long MIN_OUTPUT_BUFFER_TIMEOUT_MS = 25;
  static final long MAX_OUTPUT_BUFFER_TIMEOUT_MS = 30_000;
  /** nsqd's --max-deflate-level default, answered although deflate is not offered. */
  static final int MAX_DEFLATE_LEVEL = 6;

  /** nsqd v1.3.0's defaults. */
  public static NsqSettings defaults(String version) {
    return new NsqSettings(2500, 60_000, 15 * 60_000, 1024 * 1024, 5 * 1024 * 1024, 60 * 60_000, 60_000,
        60_000, 10_000, 1000, 100, 64L * 1024 * 1024, version);
  }
}
