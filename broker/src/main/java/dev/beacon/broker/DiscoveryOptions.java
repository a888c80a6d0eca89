package dev.beacon.broker;

import com.typesafe.config.Config;
import dev.beacon.common.Durations;
import dev.beacon.common.HostPort;

import java.time.Duration;
import java.util.List;

/**
 * The lookupd discovery settings ({@code lookupd-*}, {@code discovery-*} and {@code broadcast-address}
 * of the {@code broker} block), read and checked once by {@link BrokerOptions#from}.
 */
public record DiscoveryOptions(
    List<HostPort> lookupdTcpAddresses,
    String broadcastAddress,
    Duration lookupdPingInterval,
    Duration lookupdResponseTimeout,
    Duration lookupdDialTimeout,
    Duration reconnectBackoffMin,
    Duration reconnectBackoffMax,
    int lookupdMaxResponseSize,
    Duration discoveryPollInterval,
    Duration discoveryLongPollWait,
    int discoveryMaxResponseSize,
    Duration discoveryVarzTtl,
    Duration discoveryPeerExpiry,
    String lookupdSecret,
    boolean lookupdTls,
    boolean peerHttpTls,
    String discoveryTlsCa,
    String discoveryTlsCert,
    String discoveryTlsKey) {

  /** Reads the {@code broker} block of a resolved config; throws IllegalArgumentException or ConfigException. */
  public static DiscoveryOptions from(Config config) {
    Config c = config.getConfig("broker");
    DiscoveryOptions o = new DiscoveryOptions(
        c.getStringList("lookupd-tcp-address").stream().map(HostPort::parse).toList(),
        c.getString("broadcast-address"),
        Durations.get(c, "lookupd-ping-interval"),
        Durations.get(c, "lookupd-response-timeout"),
        Durations.get(c, "lookupd-dial-timeout"),
        Durations.get(c, "lookupd-reconnect-backoff-min"),
        Durations.get(c, "lookupd-reconnect-backoff-max"),
        Math.toIntExact(c.getBytes("lookupd-max-response-size")),
        Durations.get(c, "discovery-poll-interval"),
        Durations.get(c, "discovery-long-poll-wait"),
        Math.toIntExact(c.getBytes("discovery-max-response-size")),
        Durations.get(c, "discovery-varz-ttl"),
        Durations.get(c, "discovery-peer-expiry"),
        c.getString("lookupd-secret"),
        c.getBoolean("lookupd-tls"),
        c.getBoolean("peer-http-tls"),
        readable(c, "discovery-tls-ca"),
        readable(c, "discovery-tls-cert"),
        readable(c, "discovery-tls-key"));
    o.validate();
    return o;
  }

  /** A file setting: "" (unset) or a readable file. */
  private static String readable(Config c, String key) {
    String path = c.getString(key);
    if (!path.isEmpty() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(path))) {
      throw new IllegalArgumentException("broker." + key + ": cannot read " + path);
    }
    return path;
  }

  /** TLS settings are needed for some discovery connection. */
  public boolean anyTls() {
    return lookupdTls || peerHttpTls;
  }

  private void validate() {
    if (discoveryTlsCert.isEmpty() != discoveryTlsKey.isEmpty()) {
      throw new IllegalArgumentException("broker.discovery-tls-cert and discovery-tls-key must be set together");
    }
    if (!anyTls() && !(discoveryTlsCa + discoveryTlsCert).isEmpty()) {
      throw new IllegalArgumentException("broker.discovery-tls-* is set but neither lookupd-tls nor peer-http-tls");
    }
    positive("lookupd-ping-interval", lookupdPingInterval);
    positive("lookupd-response-timeout", lookupdResponseTimeout);
    positive("lookupd-dial-timeout", lookupdDialTimeout);
    positive("lookupd-reconnect-backoff-min", reconnectBackoffMin);
    positive("discovery-poll-interval", discoveryPollInterval);
    positive("discovery-long-poll-wait", discoveryLongPollWait);
    positive("discovery-peer-expiry", discoveryPeerExpiry);
    if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
      throw new IllegalArgumentException("broker.lookupd-reconnect-backoff-max: " + reconnectBackoffMax.toMillis()
          + "ms (expected: >= lookupd-reconnect-backoff-min " + reconnectBackoffMin.toMillis() + "ms)");
    }
    if (lookupdMaxResponseSize < 256) {
      throw new IllegalArgumentException("broker.lookupd-max-response-size: " + lookupdMaxResponseSize + " (expected: >= 256)");
    }
    if (discoveryMaxResponseSize < 1024) {
      throw new IllegalArgumentException("broker.discovery-max-response-size: " + discoveryMaxResponseSize + " (expected: >= 1024)");
    }
  }

  private static void positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("broker." + key + ": " + d.toMillis() + "ms (expected: > 0)");
    }
  }
}
