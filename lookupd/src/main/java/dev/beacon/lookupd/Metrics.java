package dev.beacon.lookupd;

/** Counters for /metrics, owned by the verticle's event loop (plain longs, no atomics needed). */
final class Metrics {
  static final int PING = 0;
  static final int IDENTIFY = 1;
  static final int REGISTER = 2;
  static final int UNREGISTER = 3;
  private static final String[] VERBS = {"PING", "IDENTIFY", "REGISTER", "UNREGISTER"};

  private final long[] commands = new long[VERBS.length];
  private final String[] routes;
  private final long[] requests;
  long tcpErrors;
  long tcpConnections;
  long tcpConnectionsTotal;
  long httpConnections;
  long rejectedTcpConnections;
  long rejectedHttpConnections;
  long rejectedRegistrations;

  Metrics(String[] routes) {
    this.routes = routes;
    this.requests = new long[routes.length];
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

  /** Prometheus text exposition format 0.0.4. */
  String render(RegistrationDb db, int waiters) {
    StringBuilder sb = new StringBuilder(2048);
    gauge(sb, "lookupd_registrations", "Registrations by category.");
    sb.append("lookupd_registrations{category=\"client\"} ").append(db.clientCount()).append('\n');
    sb.append("lookupd_registrations{category=\"topic\"} ").append(db.topicRegistrations()).append('\n');
    sb.append("lookupd_registrations{category=\"channel\"} ").append(db.channelRegistrations()).append('\n');
    gauge(sb, "lookupd_producers", "Producer entries by registration category.");
    sb.append("lookupd_producers{category=\"client\"} ").append(db.clientCount()).append('\n');
    sb.append("lookupd_producers{category=\"topic\"} ").append(db.topicProducers()).append('\n');
    sb.append("lookupd_producers{category=\"channel\"} ").append(db.channelProducers()).append('\n');
    gauge(sb, "lookupd_tcp_connections", "Open TCP connections (identified or not).");
    sb.append("lookupd_tcp_connections ").append(tcpConnections).append('\n');
    counter(sb, "lookupd_tcp_connections_total", "TCP connections accepted.");
    sb.append("lookupd_tcp_connections_total ").append(tcpConnectionsTotal).append('\n');
    counter(sb, "lookupd_tcp_commands_total", "TCP commands by verb.");
    for (int i = 0; i < VERBS.length; i++) {
      sb.append("lookupd_tcp_commands_total{verb=\"").append(VERBS[i]).append("\"} ").append(commands[i]).append('\n');
    }
    counter(sb, "lookupd_tcp_errors_total", "TCP protocol errors sent (each closes its connection).");
    sb.append("lookupd_tcp_errors_total ").append(tcpErrors).append('\n');
    gauge(sb, "lookupd_http_connections", "Open HTTP connections.");
    sb.append("lookupd_http_connections ").append(httpConnections).append('\n');
    counter(sb, "lookupd_rejected_connections_total", "Connections closed at once for max-connections (tcp) or max-http-connections (http).");
    sb.append("lookupd_rejected_connections_total{listener=\"tcp\"} ").append(rejectedTcpConnections).append('\n');
    sb.append("lookupd_rejected_connections_total{listener=\"http\"} ").append(rejectedHttpConnections).append('\n');
    counter(sb, "lookupd_rejected_registrations_total", "REGISTERs refused for max-registrations-per-peer (the connection stays open).");
    sb.append("lookupd_rejected_registrations_total ").append(rejectedRegistrations).append('\n');
    counter(sb, "lookupd_http_requests_total", "HTTP requests by route.");
    for (int i = 0; i < routes.length; i++) {
      sb.append("lookupd_http_requests_total{route=\"").append(routes[i]).append("\"} ").append(requests[i]).append('\n');
    }
    gauge(sb, "lookupd_lookup_waiters", "Long polls on /lookup and /nodes waiting for a change.");
    sb.append("lookupd_lookup_waiters ").append(waiters).append('\n');
    return sb.toString();
  }

  private static void gauge(StringBuilder sb, String name, String help) {
    sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n");
  }

  private static void counter(StringBuilder sb, String name, String help) {
    sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n");
  }
}
