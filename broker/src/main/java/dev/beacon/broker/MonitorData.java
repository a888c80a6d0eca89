package dev.beacon.broker;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The monitoring data, built from broker state apart from HTTP (as nats-server's {@code Varz()}
 * beside {@code HandleVarz}): one method per endpoint, each returning its typed record. Runs on
 * the broker's context; {@link Monitor} parses requests and serialises the answers.
 */
final class MonitorData {
  private final Broker broker;

  MonitorData(Broker broker) {
    this.broker = broker;
  }

  Varz varz(Map<String, Long> requests) {
    BrokerOptions o = broker.options();
    Stats st = broker.stats;
    Runtime rt = Runtime.getRuntime();
    return new Varz(
        true,
        broker.serverId(),
        broker.serverName(),
        Protocol.NATS_VERSION,
        Broker.version(),
        Protocol.CLIENT_PROTO,
        "beacon " + Broker.version() + " (java " + Runtime.version().feature() + ")",
        o.listen().host(),
        broker.clientPort(),
        broker.auth().required(),
        o.tls() != null ? Boolean.TRUE : null,
        o.tls() != null && o.tls().verify() ? Boolean.TRUE : null,
        o.maxConnections(),
        o.pingInterval().toNanos(),
        o.pingMax(),
        o.http().host(),
        o.httpTls() == null ? broker.httpPort() : 0,
        o.httpTls() != null ? broker.httpPort() : 0,
        o.authTimeout().toMillis() / 1000.0,
        o.maxControlLine(),
        o.maxPayload(),
        o.maxPending(),
        o.maxSubscriptions(),
        new Varz.Cluster(o.clusterName(), broker.advertisedHost(), Math.max(0, broker.clusterPort()), broker.routes.peerUrls(),
            o.routeTls() != null ? Boolean.TRUE : null, o.routeTls() != null ? o.routeTls().verify() : null),
        o.tlsTimeout().toMillis() / 1000.0,
        o.writeDeadline().toNanos(),
        Instant.ofEpochMilli(st.start).toString(),
        Instant.now().toString(),
        uptime(System.currentTimeMillis() - st.start),
        rt.totalMemory() - rt.freeMemory(),
        rt.availableProcessors(),
        cpu(),
        broker.clients.size(),
        st.totalConnections,
        broker.routes.count(),
        broker.routes.count(),
        st.inMsgs,
        st.outMsgs,
        st.inBytes,
        st.outBytes,
        st.slowConsumers,
        new Varz.SlowConsumerStats(st.slowConsumerClients, st.slowConsumerRoutes, 0, 0),
        st.staleConnections,
        broker.sublist.count(),
        new LinkedHashMap<>(requests),
        broker.routes.connectUrls(),
        st.stalls,
        o.maxPendingTotal(),
        broker.pendingTotal(),
        st.pendingTotalCuts,
        broker.lameDuck() ? Boolean.TRUE : null);
  }

  Connz connz(Connz.Query q) {
    List<ClientConnection> list = new ArrayList<>(broker.clients.values());
    if (q.cid() != null) {
      list.removeIf(c -> !String.valueOf(c.cid).equals(q.cid()));
    }
    list.sort(openOrder(q.sort()));
    long now = System.currentTimeMillis();
    List<Connz.Connection> all = new ArrayList<>();
    if (!q.state().equals("closed")) {
      for (ClientConnection c : list) {
        all.add(connection(c, now, q.subs(), q.detail()));
      }
    }
    if (q.state().equals("closed") || q.state().equals("any")) {
      List<ClosedClient> closed = new ArrayList<>(broker.closedClients());
      if (q.cid() != null) {
        closed.removeIf(c -> !String.valueOf(c.cid()).equals(q.cid()));
      }
      List<Connz.Connection> views = new ArrayList<>();
      for (ClosedClient c : closed) {
        views.add(connection(c));
      }
      if (q.sort().equals("stop")) {
        views.sort(Comparator.comparing(Connz.Connection::stop).reversed());
      } else if (q.sort().equals("reason")) {
        views.sort(Comparator.comparing(Connz.Connection::reason));
      }
      all.addAll(views);
    }
    List<Connz.Connection> page = new ArrayList<>();
    for (int i = q.offset(); i < all.size() && page.size() < q.limit(); i++) {
      page.add(all.get(i));
    }
    return new Connz(broker.serverId(), Instant.now().toString(), page.size(), all.size(), q.offset(), q.limit(), page);
  }

  private static Comparator<ClientConnection> openOrder(String sort) {
    return switch (sort) {
      case "start" -> Comparator.comparingLong((ClientConnection c) -> c.start);
      case "subs" -> Comparator.comparingInt((ClientConnection c) -> c.subs.size()).reversed();
      case "pending" -> Comparator.comparingInt((ClientConnection c) -> c.pendingBytes()).reversed();
      case "msgs_to" -> Comparator.comparingLong((ClientConnection c) -> c.outMsgs).reversed();
      case "msgs_from" -> Comparator.comparingLong((ClientConnection c) -> c.inMsgs).reversed();
      case "bytes_to" -> Comparator.comparingLong((ClientConnection c) -> c.outBytes).reversed();
      case "bytes_from" -> Comparator.comparingLong((ClientConnection c) -> c.inBytes).reversed();
      case "last" -> Comparator.comparingLong((ClientConnection c) -> c.lastActivity).reversed();
      case "idle" -> Comparator.comparingLong((ClientConnection c) -> c.lastActivity);
      case "uptime" -> Comparator.comparingLong((ClientConnection c) -> c.start);
      default -> Comparator.comparingLong((ClientConnection c) -> c.cid);
    };
  }

  private static Connz.Connection connection(ClientConnection c, long now, boolean subs, boolean detail) {
    List<String> names = null;
    List<Subsz.Subscription> details = null;
    if (subs) {
      if (detail) {
        details = new ArrayList<>();
        for (Subscription s : c.subs.toArray()) {
          details.add(new Subsz.Subscription(Subjects.display(s.subject), Subjects.display(s.queue), Subjects.display(s.sid()), s.delivered, s.max > 0 ? s.max : null, c.cid));
        }
      } else {
        names = new ArrayList<>();
        for (Subscription s : c.subs.toArray()) {
          names.add(Subjects.display(s.subject));
        }
      }
    }
    return new Connz.Connection(c.cid, "Client", "nats", c.ip, c.port, Instant.ofEpochMilli(c.start).toString(),
        Instant.ofEpochMilli(c.lastActivity).toString(), uptime(now - c.start), uptime(now - c.lastActivity),
        c.closed ? 0 : c.pendingBytes(), c.inMsgs, c.outMsgs, c.inBytes, c.outBytes, c.subs.size(), c.name, c.lang,
        c.version, c.tlsVersion, c.tlsCipher, c.user.isEmpty() ? null : c.user, names, details,
        c.closed ? Instant.ofEpochMilli(now).toString() : null, c.closed ? c.closeReason : null);
  }

  private static Connz.Connection connection(ClosedClient c) {
    return new Connz.Connection(c.cid(), "Client", "nats", c.ip(), c.port(), Instant.ofEpochMilli(c.start()).toString(),
        Instant.ofEpochMilli(c.lastActivity()).toString(), uptime(c.stop() - c.start()),
        uptime(c.stop() - c.lastActivity()), 0, c.inMsgs(), c.outMsgs(), c.inBytes(), c.outBytes(), c.subscriptions(),
        c.name(), c.lang(), c.version(), c.tlsVersion(), c.tlsCipher(), c.user().isEmpty() ? null : c.user(), null, null,
        Instant.ofEpochMilli(c.stop()).toString(), c.reason());
  }

  Routez routez(boolean subs) {
    long now = System.currentTimeMillis();
    List<Routez.Route> routes = new ArrayList<>();
    for (RouteConnection r : broker.routes.all()) {
      List<String> names = null;
      if (subs) {
        names = new ArrayList<>();
        for (Subscription s : r.learnedSubs()) {
          names.add(Subjects.display(s.queue == null ? s.subject : s.subject + " " + s.queue));
        }
      }
      routes.add(new Routez.Route(r.cid, r.remoteId, r.remoteName, r.solicited, r.peer != null, r.ip, r.port,
          Instant.ofEpochMilli(r.start).toString(), Instant.ofEpochMilli(r.lastActivity).toString(),
          uptime(now - r.start), uptime(now - r.lastActivity), r.pendingBytes(), r.inMsgs, r.outMsgs, r.inBytes,
          r.outBytes, r.subscriptionCount(), names, Protocol.ACCOUNT));
    }
    return new Routez(broker.serverId(), broker.serverName(), Instant.now().toString(), routes.size(), routes);
  }

  Subsz subsz(Subsz.Query q) {
    Sublist sl = broker.sublist;
    double hitRate = sl.matches() == 0 ? 0.0 : (double) sl.cacheHits() / sl.matches();
    if (!q.subs() && q.test() == null) {
      return new Subsz(broker.serverId(), Instant.now().toString(), sl.count(), sl.cacheCount(), sl.inserts(),
          sl.removes(), sl.matches(), hitRate, null, null, null, null);
    }
    List<Subscription> all = new ArrayList<>();
    if (q.test() != null) {
      String test = Subjects.fromText(q.test());
      if (Subjects.isValidLiteral(test)) {
        Sublist.Result r = sl.match(test);
        all.addAll(List.of(r.psubs));
        for (Subscription[] group : r.qsubs) {
          all.addAll(List.of(group));
        }
      }
    } else {
      sl.forEach(all::add);
    }
    List<Subsz.Subscription> page = new ArrayList<>();
    for (int i = q.offset(); i < all.size() && page.size() < q.limit(); i++) {
      Subscription s = all.get(i);
      page.add(new Subsz.Subscription(Subjects.display(s.subject), Subjects.display(s.queue), Subjects.display(s.sid()), s.delivered, null, s.owner == null ? null : s.owner.cid));
    }
    return new Subsz(broker.serverId(), Instant.now().toString(), sl.count(), sl.cacheCount(), sl.inserts(),
        sl.removes(), sl.matches(), hitRate, all.size(), q.offset(), q.limit(), page);
  }

  private static double cpu() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Math.round(sun.getProcessCpuLoad() * 1000.0 * os.getAvailableProcessors()) / 10.0;
    }
    return 0;
  }

  /** Go-style duration as nats-server prints uptime and idle: {@code 1d2h3m4s}, {@code 5s}. */
  static String uptime(long ms) {
    long s = ms / 1000;
    StringBuilder sb = new StringBuilder();
    if (s >= 86400) {
      sb.append(s / 86400).append('d');
    }
    if (s >= 3600) {
      sb.append(s % 86400 / 3600).append('h');
    }
    if (s >= 60) {
      sb.append(s % 3600 / 60).append('m');
    }
    sb.append(s % 60).append('s');
    return sb.toString();
  }
}
