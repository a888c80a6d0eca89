/**
 * nsqd's client side on the broker, so NSQ software can use a broker as one of its nsqd nodes:
 * the V2 protocol ({@link dev.beacon.broker.nsq.V2Parser} in, {@link dev.beacon.broker.nsq.V2Frames}
 * out, the verbs in {@link dev.beacon.broker.nsq.NsqConnection}, IDENTIFY in
 * {@link dev.beacon.broker.nsq.Identify}), channels with in-flight tracking and a bounded backlog
 * ({@link dev.beacon.broker.nsq.ChannelState}), topics, channels and their mapping onto NATS
 * subjects and queue groups ({@link dev.beacon.broker.nsq.NsqServer}, through
 * {@link dev.beacon.broker.nsq.NsqCore}), the socket listener ({@link dev.beacon.broker.nsq.NsqListener})
 * and nsqd's HTTP API ({@link dev.beacon.broker.nsq.NsqHttp}). Everything but the listener and the
 * HTTP routes is free of Vert.x; all of it runs on the broker's context. Who may use it and for
 * what comes from the broker's users through {@link dev.beacon.broker.nsq.NsqAuth} (nsqd's AUTH).
 * The core creates it; it does not depend on the core.
 *
 * <p>Memory is bounded by construction: topics and channels by count (nsq-max-topics,
 * nsq-max-channels-per-topic), every message held by one byte budget ({@link dev.beacon.broker.nsq.NsqMemory},
 * nsq-max-memory), each socket's unsent bytes by max-pending and their sum by the broker's
 * max-pending-total ({@link dev.beacon.broker.nsq.NsqSocketOut}), split bodies by the bytes that
 * arrived ({@link dev.beacon.broker.nsq.V2Parser}).
 */
package dev.beacon.broker.nsq;
