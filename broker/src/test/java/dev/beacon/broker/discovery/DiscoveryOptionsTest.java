package dev.beacon.broker.discovery;

import dev.beacon.broker.DiscoveryOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import dev.beacon.common.HostPort;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class DiscoveryOptionsTest {

  private static DiscoveryOptions options(String hocon) {
    return DiscoveryOptions.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve());
  }

  @Test
  void readsTheReferenceDefaultsAndTheLookupdList() {
    DiscoveryOptions o = options("broker.lookupd-tcp-address = [\"10.0.0.1:4160\", \":4170\"]");
    assertEquals(List.of(new HostPort("10.0.0.1", 4160), new HostPort("0.0.0.0", 4170)), o.lookupdTcpAddresses());
    assertEquals(Duration.ofSeconds(15), o.lookupdPingInterval(), "nsqd's heartbeat");
    assertEquals(64 * 1024, o.lookupdMaxResponseSize());
  }

  @Test
  void durationsTakeGoSyntax() {
    DiscoveryOptions o = options("broker { lookupd-ping-interval = 1m30s, lookupd-response-timeout = 1.5s, lookupd-dial-timeout = 300ms,"
        + " lookupd-reconnect-backoff-min = 0.1s, lookupd-reconnect-backoff-max = 2h45m, discovery-poll-interval = 5m0s,"
        + " discovery-long-poll-wait = 1.5h, discovery-varz-ttl = 0, discovery-peer-expiry = 1m }");
    assertEquals(Duration.ofSeconds(90), o.lookupdPingInterval());
    assertEquals(Duration.ofMillis(1500), o.lookupdResponseTimeout());
    assertEquals(Duration.ofMillis(300), o.lookupdDialTimeout());
    assertEquals(Duration.ofMillis(100), o.reconnectBackoffMin());
    assertEquals(Duration.ofMinutes(165), o.reconnectBackoffMax());
    assertEquals(Duration.ofMinutes(5), o.discoveryPollInterval());
    assertEquals(Duration.ofMinutes(90), o.discoveryLongPollWait());
    assertEquals(Duration.ZERO, o.discoveryVarzTtl());
    assertEquals(Duration.ofMinutes(1), o.discoveryPeerExpiry());
    assertThrows(IllegalArgumentException.class, () -> options("broker.lookupd-ping-interval = -1.5h"));
  }

  @Test
  void rejectsInconsistentOrNonPositiveValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> options("broker.lookupd-reconnect-backoff-max = 1ms"));
    assertEquals("broker.lookupd-reconnect-backoff-max: 1ms (expected: >= lookupd-reconnect-backoff-min 100ms)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> options("broker.discovery-poll-interval = 0s"));
    assertThrows(IllegalArgumentException.class, () -> options("broker.lookupd-max-response-size = 10"));
    assertThrows(IllegalArgumentException.class, () -> options("broker.lookupd-tcp-address = [\"nohost\"]"));
  }

  @Test
  void brokerOptionsRejectABadClusterSettingBeforeAnyListenerStarts() {
    // BrokerOptions.from is what Main runs before it creates a Broker: no listener exists yet.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.beacon.broker.BrokerOptions.of("broker.discovery-poll-interval = 0s"));
    assertEquals("broker.discovery-poll-interval: 0ms (expected: > 0)", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> dev.beacon.broker.BrokerOptions.of("broker.lookupd-tcp-address = [\"nohost\"]"));
  }
}
