package dev.beacon.lookupd;

import dev.beacon.common.PrometheusText;

import java.util.Arrays;

/**
 * The daemon's counters, created by {@link Lookupd} and handed to the TCP connections and the HTTP
 * API; /metrics renders them. Owned by the daemon's event loop (plain longs, no atomics needed).
 */
final class Metrics {
  static final int PING = 0;
  static final int IDENTIFY = 1;
  static final int REGISTER = 2;
  static final int UNREGISTER = 3;
  private static final String[] VERBS = {"PING", "IDENTIFY", "REGISTER", "UNREGISTER"};

  private final long[] commands = new long[VERBS.length];
  private String[] routes = new String[0];
  private long[] requests = new long[0];
  long tcpErrors;
  long tcpConnections;
  long tcpConnectionsTotal;
  long httpConnections;
  long rejectedTcpConnections;
  long rejectedHttpConnections;
  long rejectedRegistrations;

  /** Adds a counted HTTP route (at start-up only); returns its index for {@link #request}. */
  int route(String path) {
    routes = Arrays.copyOf(routes, routes.length + 1);
    requests = Arrays.copyOf(requests, requests.length + 1);
    routes[routes.length - 1] = path;
    return routes.length - 1;
  }

  void command(int verb) {
    commands[verb]++;
  }

  void tcpError() {
    tcpErrors++;
  }

  void registrationRejected() {
    rejectedRegistrations++;
  }

  void request(int route) {
    requests[route]++;
  }

  /** Prometheus text exposition format 0.0.4: these counters, the registry's sizes and the parked long polls. */
  String render(RegistrationDb db, int waiters) {
    StringBuilder sb = new StringBuilder(2048);
    PrometheusText p = new PrometheusText(sb);
    p.gauge("lookupd_registrations", "Registrations by category.")
        .sample("category", "client", db.clientCount())
        .sample("category", "topic", db.topicRegistrations())
        .sample("category", "channel", db.channelRegistrations());
    p.gauge("lookupd_producers", "Producer entries by registration category.")
        .sample("category", "client", db.clientCount())
        .sample("category", "topic", db.topicProducers())
        .sample("category", "channel", db.channelProducers());
    p.gauge("lookupd_tcp_connections", "Open TCP connections (identified or not).", tcpConnections);
    p.counter("lookupd_tcp_connections_total", "TCP connections accepted.", tcpConnectionsTotal);
    p.counter("lookupd_tcp_commands_total", "TCP commands by verb.");
    for (int i = 0; i < VERBS.length; i++) {
      p.sample("verb", VERBS[i], commands[i]);
    }
    p.counter("lookupd_tcp_errors_total", "TCP protocol errors sent (each closes its connection).", tcpErrors);
    p.gauge("lookupd_http_connections", "Open HTTP connections.", httpConnections);
    p.counter("lookupd_rejected_connections_total",
            "Connections closed at once for max-connections (tcp) or max-http-connections (http).")
        .sample("listener", "tcp", rejectedTcpConnections)
        .sample("listener", "http", rejectedHttpConnections);
    p.counter("lookupd_rejected_registrations_total",
        "REGISTERs refused for max-registrations-per-peer (the connection stays open).", rejectedRegistrations);
    p.counter("lookupd_http_requests_total", "HTTP requests by route.");
    for (int i = 0; i < routes.length; i++) {
      p.sample("route", routes[i], requests[i]);
    }
    p.gauge("lookupd_lookup_waiters", "Long polls on /lookup and /nodes waiting for a change.", waiters);
    return sb.toString();
  }
}
