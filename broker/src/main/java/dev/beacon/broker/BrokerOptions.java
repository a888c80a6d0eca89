package dev.beacon.broker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
    String name,
    String clusterName,
    String broadcastAddress,
    List<HostPort> routes,
    int maxControlLine,
    int maxPayload,
    int maxConnections,
    int maxSubscriptions,
    long maxPending,
    /** Budget for the pending bytes of all connections together, resolved to bytes. */
    long maxPendingTotal,
    Duration pingInterval,
    int pingMax,
    Duration routePingInterval,
    Duration routeReconnectMin,
    Duration routeReconnectMax,
    Duration routeConnectTimeout,
    Duration routeDuplicateGrace,
    String authToken,
    Map<String, String> users,
    Duration authTimeout,
    Duration shutdownGrace,
    Duration lameDuckDuration,
    Duration lameDuckGracePeriod,
    int eventLoops,
    int maxClosedClients,
    Duration nativeTrimInterval,
    Duration eventLoopSpin,
    DiscoveryOptions discovery) {

  /** Reads and validates every {@code broker.*} key; throws {@link com.typesafe.config.ConfigException} on bad input. */
  public static BrokerOptions from(Config config) {
    config.checkValid(ConfigFactory.defaultReference(), "broker");
    Config b = config.getConfig("broker");
    List<HostPort> routes = new ArrayList<>();
    for (String r : b.getStringList("routes")) {
      routes.add(routeAddress(r));
    }
    Map<String, String> users = new LinkedHashMap<>();
    for (Config u : b.getConfigList("auth.users")) {
      users.put(u.getString("user"), u.getString("password"));
    }
    String token = b.getString("auth.token");
    if (!token.isEmpty() && !users.isEmpty()) {
      throw new IllegalArgumentException("broker.auth: token and users are exclusive");
    }
    long maxPayload = b.getBytes("max-payload");
    if (maxPayload <= 0 || maxPayload > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("max-payload: " + maxPayload + " (expected: 1..2GiB)");
    }
    int maxControlLine = b.getInt("max-control-line");
    if (maxControlLine < 32) {
      throw new IllegalArgumentException("max-control-line: " + maxControlLine + " (expected: >= 32)");
    }
    Duration lameDuckDuration = b.getDuration("lame-duck-duration");
    Duration lameDuckGrace = b.getDuration("lame-duck-grace-period");
    if (lameDuckDuration.isNegative() || lameDuckGrace.isNegative()) {
      throw new IllegalArgumentException("lame-duck-duration and lame-duck-grace-period must not be negative");
    }
    if (!lameDuckDuration.isZero() && lameDuckGrace.compareTo(lameDuckDuration) >= 0) {
      throw new IllegalArgumentException("lame-duck-grace-period (" + lameDuckGrace
          + ") must be below lame-duck-duration (" + lameDuckDuration + ")");
    }
    DiscoveryOptions discovery = DiscoveryOptions.from(config);
    return new BrokerOptions(
        HostPort.parse(b.getString("listen")),
        HostPort.parse(b.getString("http")),
        HostPort.parse(b.getString("cluster")),
        b.getString("name"),
        b.getString("cluster-name"),
        b.getString("broadcast-address"),
        List.copyOf(routes),
        maxControlLine,
        (int) maxPayload,
        b.getInt("max-connections"),
        b.getInt("max-subscriptions"),
        b.getBytes("max-pending"),
        maxPendingTotal(b),
        b.getDuration("ping-interval"),
        b.getInt("ping-max"),
        b.getDuration("route-ping-interval"),
        b.getDuration("route-reconnect-min"),
        b.getDuration("route-reconnect-max"),
        b.getDuration("route-connect-timeout"),
        b.getDuration("route-duplicate-grace"),
        token,
        Map.copyOf(users),
        b.getDuration("auth.timeout"),
        b.getDuration("shutdown-grace"),
        lameDuckDuration,
        lameDuckGrace,
        eventLoops(b.getInt("event-loops")),
        b.getInt("max-closed-clients"),
        notNegative(b, "native-trim-interval"),
        notNegative(b, "event-loop-spin"),
        discovery);
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
    Duration d = b.getDuration(key);
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
