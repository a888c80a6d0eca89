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
  /** Route handshakes that found a route to the same server already registered. */
  long duplicateRoutes;
  /** TLS handshakes that failed (clients and routes; each one is also logged). */
  long tlsHandshakeFailures;
}
