package dev.beacon.broker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.beacon.broker.nsq.NsqOptions;
import dev.beacon.common.Durations;
import dev.beacon.common.HostPort;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every broker setting, read eagerly from a resolved {@link Config} whose defaults come only from
 * {@code reference.conf} (root {@code broker}).
 */
public record BrokerOptions(
    HostPort listen,
    HostPort http,
    HostPort cluster,
    boolean clustered,
    String name,
    String clusterName,
    String broadcastAddress,
    List<HostPort> routes,
    /** user:pass given in a static route URL (nats-route://user:pass@host:port), by route address. */
    Map<HostPort, String> routeUrlCredentials,
    int maxControlLine,
    int maxPayload,
    int maxConnections,
    int maxSubscriptions,
    long maxPending,
    /** Budget for the pending bytes of all connections together, resolved to bytes. */
    long maxPendingTotal,
    /** No bytes taken by a socket with bytes pending for this long: a slow consumer (above 0). */
    Duration writeDeadline,
    Duration pingInterval,
    int pingMax,
    Duration routePingInterval,
    Duration routeReconnectMin,
    Duration routeReconnectMax,
    Duration routeConnectTimeout,
    Duration routeDuplicateGrace,
    Auth auth,
    Duration authTimeout,
    Duration shutdownGrace,
    Duration lameDuckDuration,
    Duration lameDuckGracePeriod,
    boolean monitoringActions,
    int eventLoops,
    int maxClosedClients,
    Duration nativeTrimInterval,
    Duration eventLoopSpin,
    DiscoveryOptions discovery,
    TlsSettings tls,
    /** tls-timeout, also without client TLS (/varz shows it as nats-server does). */
    Duration tlsTimeout,
    TlsSettings routeTls,
    TlsSettings httpTls,
    String routeUser,
    String routePassword,
    NsqOptions nsq) {

  /** Reads and validates every {@code broker.*} key; throws {@link com.typesafe.config.ConfigException} on bad input. */
  public static BrokerOptions from(Config config) {
    config.checkValid(ConfigFactory.defaultReference(), "broker");
    Config b = config.getConfig("broker");
    List<HostPort> routes = new ArrayList<>();
    Map<HostPort, String> routeUrlCredentials = new LinkedHashMap<>();
    for (String r : b.getStringList("routes")) {
      HostPort hp = routeAddress(r);
      routes.add(hp);
      String userInfo = routeUserInfo(r);
      if (userInfo != null) {
        routeUrlCredentials.put(hp, userInfo);
      }
    }
    Auth auth = Auth.from(b.getConfig("auth"));
    long maxPayload = b.getBytes("max-payload");
    if (maxPayload <= 0 || maxPayload > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("max-payload: " + maxPayload + " (expected: 1..2GiB)");
    }
    int maxControlLine = b.getInt("max-control-line");
    if (maxControlLine < 32) {
      throw new IllegalArgumentException("max-control-line: " + maxControlLine + " (expected: >= 32)");
    }
    Duration lameDuckDuration = Durations.get(b, "lame-duck-duration");
    Duration lameDuckGrace = Durations.get(b, "lame-duck-grace-period");
    if (lameDuckDuration.isNegative() || lameDuckGrace.isNegative()) {
      throw new IllegalArgumentException("lame-duck-duration and lame-duck-grace-period must not be negative");
    }
    if (!lameDuckDuration.isZero() && lameDuckGrace.compareTo(lameDuckDuration) >= 0) {
      throw new IllegalArgumentException("lame-duck-grace-period (" + lameDuckGrace
          + ") must be below lame-duck-duration (" + lameDuckDuration + ")");
    }
    DiscoveryOptions discovery = DiscoveryOptions.from(config);
    NsqOptions nsq = NsqOptions.from(config, Broker.version());
    if (nsq.settings().maxMsgSize() > maxPayload) {
      throw new IllegalArgumentException("max-msg-size: " + nsq.settings().maxMsgSize()
          + " (expected: <= max-payload " + maxPayload + ": an NSQ message is a NATS message)");
    }
    String routeUser = b.getString("route-user");
    String routePassword = b.getString("route-password");
    if (routeUser.isEmpty() && !routePassword.isEmpty()) {
      throw new IllegalArgumentException("route-password is set without route-user");
    }
    // nats-server opens a route listener only with a cluster block; here: with peers to find or
    // dial, or with the route listener address given explicitly (not the reference default).
    boolean clustered = !routes.isEmpty() || !discovery.lookupdTcpAddresses().isEmpty()
        || !"reference.conf".equals(b.getValue("cluster").origin().resource());
    return new BrokerOptions(
        HostPort.parse(b.getString("listen")),
        HostPort.parse(b.getString("http")),
        HostPort.parse(b.getString("cluster")),
        clustered,
        b.getString("name"),
        b.getString("cluster-name"),
        b.getString("broadcast-address"),
        List.copyOf(routes),
        Map.copyOf(routeUrlCredentials),
        maxControlLine,
        (int) maxPayload,
        b.getInt("max-connections"),
        b.getInt("max-subscriptions"),
        b.getBytes("max-pending"),
        maxPendingTotal(b),
        writeDeadline(b),
        Durations.get(b, "ping-interval"),
        b.getInt("ping-max"),
        Durations.get(b, "route-ping-interval"),
        Durations.get(b, "route-reconnect-min"),
        Durations.get(b, "route-reconnect-max"),
        Durations.get(b, "route-connect-timeout"),
        Durations.get(b, "route-duplicate-grace"),
        auth,
        Durations.get(b, "auth.timeout"),
        Durations.get(b, "shutdown-grace"),
        lameDuckDuration,
        lameDuckGrace,
        b.getBoolean("monitoring-actions"),
        eventLoops(b.getInt("event-loops")),
        b.getInt("max-closed-clients"),
        notNegative(b, "native-trim-interval"),
        notNegative(b, "event-loop-spin"),
        discovery,
        TlsSettings.clients(b),
        Durations.get(b, "tls-timeout"),
        TlsSettings.routes(b),
        TlsSettings.monitoring(b),
        routeUser,
        routePassword,
        nsq);
  }

  /** {@code write-deadline}: above 0 (nats-server, too, has no way to turn it off: 0 there means its default). */
  static Duration writeDeadline(Config b) {
    Duration d = Durations.get(b, "write-deadline");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("write-deadline: " + b.getValue("write-deadline").unwrapped()
          + " (expected: above 0)");
    }
    return d;
  }

  /** {@code max-pending-total}: a size, or "N%" of the JVM's maximum heap (Runtime.maxMemory()). */
  static long maxPendingTotal(Config b) {
    String key = "max-pending-total";
    String v = b.getString(key).trim();
    long bytes;
    if (v.endsWith("%")) {
      double pct;
      try {
        pct = Double.parseDouble(v.substring(0, v.length() - 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + ": " + v + " (expected: a size such as 256MiB, or N% of the heap)");
      }
      if (!(pct > 0 && pct <= 100)) {
        throw new IllegalArgumentException(key + ": " + v + " (expected: a percentage in (0, 100])");
      }
      bytes = (long) (Runtime.getRuntime().maxMemory() * (pct / 100.0));
    } else {
      bytes = b.getBytes(key);
    }
    if (bytes <= 0) {
      throw new IllegalArgumentException(key + ": " + v + " (expected: > 0)");
    }
    return bytes;
  }

  private static Duration notNegative(Config b, String key) {
    Duration d = Durations.get(b, key);
    if (d.isNegative()) {
      throw new IllegalArgumentException(key + ": " + d + " (expected: >= 0; 0 turns it off)");
    }
    return d;
  }

  private static int eventLoops(int n) {
    if (n < 1 || n > 1024) {
      throw new IllegalArgumentException("event-loops: " + n + " (expected: 1..1024)");
    }
    return n;
  }

  /** Options for tests and embedding: {@code overrides} (HOCON) layered over reference.conf. */
  public static BrokerOptions of(String overrides) {
    return from(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve());
  }

  /** "nats-route://[user:pass@]host:port[/]" or "host:port". */
  /** The "user:pass" of a route URL (URL-decoded), or null when it has none. */
  static String routeUserInfo(String url) {
    int scheme = url.indexOf("://");
    String s = scheme >= 0 ? url.substring(scheme + 3) : url;
    int at = s.lastIndexOf('@');
    if (at < 0) {
      return null;
    }
    String info = s.substring(0, at);
    int colon = info.indexOf(':');
    java.nio.charset.Charset utf8 = java.nio.charset.StandardCharsets.UTF_8;
    return colon < 0 ? java.net.URLDecoder.decode(info, utf8) + ":"
        : java.net.URLDecoder.decode(info.substring(0, colon), utf8) + ":"
            + java.net.URLDecoder.decode(info.substring(colon + 1), utf8);
  }

  static HostPort routeAddress(String url) {
    String s = url;
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      s = s.substring(at + 1);
    }
    if (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return HostPort.parse(s);
  }
}
