package dev.beacon.lookupd;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.beacon.common.Durations;
import dev.beacon.common.HostPort;
import dev.beacon.common.Log;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * lookupd's settings, read eagerly from the {@code lookupd} section of a {@link Config}.
 * Defaults live only in {@code reference.conf}.
 */
public record LookupdOptions(
    HostPort tcpAddress,
    HostPort httpAddress,
    String broadcastAddress,
    int broadcastTcpPort,
    int broadcastHttpPort,
    Duration inactiveProducerTimeout,
    Duration tombstoneLifetime,
    Duration clientTimeout,
    int maxLineSize,
    int maxIdentifySize,
    Duration maxLookupWait,
    int maxLookupWaiters,
    int maxConnections,
    int maxRegistrationsPerPeer,
    int maxHttpConnections,
    Duration httpIdleTimeout,
    String logLevel,
    String logPrefix,
    Duration eventLoopSpin,
    Duration nativeTrimInterval,
    String tlsCert,
    String tlsKey,
    String tlsCa,
    boolean tcpTls,
    String registrationSecret) {

  /** Reads and validates the {@code lookupd} section; throws IllegalArgumentException or ConfigException. */
  public static LookupdOptions from(Config config) {
    config.checkValid(ConfigFactory.defaultReference(), "lookupd");
    Config c = config.getConfig("lookupd");
    LookupdOptions o = new LookupdOptions(
        HostPort.parse(c.getString("tcp-address")),
        HostPort.parse(c.getString("http-address")),
        c.getString("broadcast-address"),
        port(c, "broadcast-tcp-port"),
        port(c, "broadcast-http-port"),
        positive(c, "inactive-producer-timeout"),
        positive(c, "tombstone-lifetime"),
        positive(c, "client-timeout"),
        bytes(c, "max-line-size"),
        bytes(c, "max-identify-size"),
        positive(c, "max-lookup-wait"),
        c.getInt("max-lookup-waiters"),
        atLeastOne(c, "max-connections"),
        atLeastOne(c, "max-registrations-per-peer"),
        atLeastOne(c, "max-http-connections"),
        positive(c, "http-idle-timeout"),
        c.getString("log-level").toLowerCase(Locale.ROOT),
        c.getString("log-prefix"),
        notNegative(c, "event-loop-spin"),
        notNegative(c, "native-trim-interval"),
        readable(c, "tls-cert"),
        readable(c, "tls-key"),
        readable(c, "tls-ca"),
        c.getBoolean("tcp-tls"),
        c.getString("registration-secret"));
    if (o.tlsCert.isEmpty() != o.tlsKey.isEmpty()) {
      throw new IllegalArgumentException("tls-cert and tls-key must be set together");
    }
    if (!o.tlsCa.isEmpty() && o.tlsCert.isEmpty()) {
      throw new IllegalArgumentException("tls-ca is set without tls-cert and tls-key");
    }
    if (o.tcpTls && o.tlsCert.isEmpty()) {
      throw new IllegalArgumentException("tcp-tls needs tls-cert and tls-key");
    }
    if (o.maxLookupWait.compareTo(o.httpIdleTimeout) >= 0) {
      throw new IllegalArgumentException("max-lookup-wait must be shorter than http-idle-timeout, or parked polls are cut off");
    }
    if (o.maxLookupWaiters < 0) {
      throw new IllegalArgumentException("max-lookup-waiters must not be negative");
    }
    Log.Level.parse(o.logLevel);
    return o;
  }

  /** Defaults with these overrides (keys under {@code lookupd}); handy in tests and for embedding. */
  public static LookupdOptions of(Map<String, ?> overrides) {
    Map<String, Object> prefixed = new java.util.HashMap<>();
    overrides.forEach((k, v) -> prefixed.put("lookupd." + k, v));
    return from(ConfigFactory.parseMap(prefixed).withFallback(ConfigFactory.defaultReference()).resolve());
  }

  /** True when the HTTP API is served over HTTPS. */
  public boolean httpTls() {
    return !tlsCert.isEmpty();
  }

  /** A file setting: "" (unset) or the path of a readable file. */
  private static String readable(Config c, String key) {
    String path = c.getString(key);
    if (!path.isEmpty() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(path))) {
      throw new IllegalArgumentException(key + ": cannot read " + path);
    }
    return path;
  }

  private static int port(Config c, String key) {
    int p = c.getInt(key);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(key + " out of range: " + p);
    }
    return p;
  }

  private static int atLeastOne(Config c, String key) {
    int n = c.getInt(key);
    if (n < 1) {
      throw new IllegalArgumentException(key + " must be at least 1, not " + n);
    }
    return n;
  }

  private static Duration positive(Config c, String key) {
    Duration d = Durations.get(c, key);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive");
    }
    return d;
  }

  private static Duration notNegative(Config c, String key) {
    Duration d = Durations.get(c, key);
    if (d.isNegative()) {
      throw new IllegalArgumentException(key + " must not be negative (0 turns it off)");
    }
    return d;
  }

  private static int bytes(Config c, String key) {
    long b = c.getBytes(key);
    if (b < 16 || b > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " out of range: " + b);
    }
    return (int) b;
  }
}
