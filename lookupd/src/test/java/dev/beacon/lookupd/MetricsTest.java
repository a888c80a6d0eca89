package dev.beacon.lookupd;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MetricsTest {
  @Test
  void exactExposition() {
    RegistrationDb db = new RegistrationDb(() -> LookupdFixture.T0, 300_000_000_000L, 45_000_000_000L, t -> { });
    PeerInfo peer = new PeerInfo("127.0.0.1:1", "h", "127.0.0.1", 4150, 4151, "1.3.0", "", "");
    db.identify(peer);
    db.register(peer, "t", "c");
    db.register(peer, "u", null);
    Metrics m = new Metrics();
    assertEquals(0, m.route("/ping"));
    assertEquals(1, m.route("/lookup"));
    m.request(1);
    m.request(1);
    m.command(Metrics.PING);
    m.command(Metrics.REGISTER);
    m.tcpError();
    m.registrationRejected();
    m.tcpConnections = 2;
    m.tcpConnectionsTotal = 5;
    m.httpConnections = 1;
    m.rejectedTcpConnections = 3;
    m.rejectedHttpConnections = 4;
    assertEquals("""
        # HELP lookupd_registrations Registrations by category.
        # TYPE lookupd_registrations gauge
        lookupd_registrations{category="client"} 1
        lookupd_registrations{category="topic"} 2
        lookupd_registrations{category="channel"} 1
        # HELP lookupd_producers Producer entries by registration category.
        # TYPE lookupd_producers gauge
        lookupd_producers{category="client"} 1
        lookupd_producers{category="topic"} 2
        lookupd_producers{category="channel"} 1
        # HELP lookupd_tcp_connections Open TCP connections (identified or not).
        # TYPE lookupd_tcp_connections gauge
        lookupd_tcp_connections 2
        # HELP lookupd_tcp_connections_total TCP connections accepted.
        # TYPE lookupd_tcp_connections_total counter
        lookupd_tcp_connections_total 5
        # HELP lookupd_tcp_commands_total TCP commands by verb.
        # TYPE lookupd_tcp_commands_total counter
        lookupd_tcp_commands_total{verb="PING"} 1
        lookupd_tcp_commands_total{verb="IDENTIFY"} 0
        lookupd_tcp_commands_total{verb="REGISTER"} 1
        lookupd_tcp_commands_total{verb="UNREGISTER"} 0
        # HELP lookupd_tcp_errors_total TCP protocol errors sent (each closes its connection).
        # TYPE lookupd_tcp_errors_total counter
        lookupd_tcp_errors_total 1
        # HELP lookupd_http_connections Open HTTP connections.
        # TYPE lookupd_http_connections gauge
        lookupd_http_connections 1
        # HELP lookupd_rejected_connections_total Connections closed at once for max-connections (tcp) or max-http-connections (http).
        # TYPE lookupd_rejected_connections_total counter
        lookupd_rejected_connections_total{listener="tcp"} 3
        lookupd_rejected_connections_total{listener="http"} 4
        # HELP lookupd_rejected_registrations_total REGISTERs refused for max-registrations-per-peer (the connection stays open).
        # TYPE lookupd_rejected_registrations_total counter
        lookupd_rejected_registrations_total 1
        # HELP lookupd_http_requests_total HTTP requests by route.
        # TYPE lookupd_http_requests_total counter
        lookupd_http_requests_total{route="/ping"} 0
        lookupd_http_requests_total{route="/lookup"} 2
        # HELP lookupd_lookup_waiters Long polls on /lookup and /nodes waiting for a change.
        # TYPE lookupd_lookup_waiters gauge
        lookupd_lookup_waiters 7
        """, m.render(db, 7));
  }
}
