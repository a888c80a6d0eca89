package dev.beacon.broker;

/** Server-wide counters for /varz and /metrics (nats-server field names). Owned by the broker's loop. */
final class Stats {
  final long start = System.currentTimeMillis();
  long inMsgs;
  long inBytes;
  long outMsgs;
  long outBytes;
  long totalConnections;
  long slowConsumers;
  long slowConsumerClients;
  long slowConsumerRoutes;
  long staleConnections;
  /** Times a publishing client's reads were stopped for a consumer past half of its max-pending. */
  long stalls;
  /** Time publishing clients spent stalled, in nanoseconds. */
  long stallNanos;
  /** Clients cut because the pending bytes of all connections passed max-pending-total. */
  long pendingTotalCuts;
  /** Route handshakes that found a route to the same server already registered. */
  long duplicateRoutes;
  /** TLS handshakes that failed (clients and routes; each one is also logged). */
  long tlsHandshakeFailures;
}
