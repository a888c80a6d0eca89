package dev.beacon.broker;

import com.typesafe.config.ConfigException;
import dev.beacon.common.CommandLine;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerOptionsTest {
  @Test
  void routeUrlCredentialsAreKeptPerRouteAddress() {
    BrokerOptions o = BrokerOptions.of("broker.routes = [\"nats-route://ru:p%40ss@10.0.0.1:6222/\", \"10.0.0.2:6222\"]");
    assertEquals(java.util.List.of(dev.beacon.common.HostPort.parse("10.0.0.1:6222"),
        dev.beacon.common.HostPort.parse("10.0.0.2:6222")), o.routes());
    assertEquals(java.util.Map.of(dev.beacon.common.HostPort.parse("10.0.0.1:6222"), "ru:p@ss"), o.routeUrlCredentials());
  }

  @Test
  void spinAndTrimAreSettingsWhereZeroMeansOff() {
    BrokerOptions o = BrokerOptions.of("");
    assertEquals(Duration.ofNanos(50_000), o.eventLoopSpin());
    assertEquals(Duration.ofSeconds(1), o.nativeTrimInterval());
    assertEquals(Duration.ZERO, BrokerOptions.of("broker.event-loop-spin = 0").eventLoopSpin());
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.event-loop-spin = -1us"));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.native-trim-interval = -1s"));
  }

  @Test
  void everyDurationTakesGoSyntaxAsWellAsHocon() {
    BrokerOptions o = BrokerOptions.of("broker { ping-interval = 1m30s, route-ping-interval = \"0.5m\", "
        + "route-reconnect-max = 2h45m, route-connect-timeout = 300ms, auth.timeout = 1.5s, shutdown-grace = \"5 seconds\", "
        + "lame-duck-duration = 5m0s, lame-duck-grace-period = 1m, event-loop-spin = 10µs }");
    assertEquals(Duration.ofSeconds(90), o.pingInterval());
    assertEquals(Duration.ofSeconds(30), o.routePingInterval());
    assertEquals(Duration.ofMinutes(165), o.routeReconnectMax());
    assertEquals(Duration.ofMillis(300), o.routeConnectTimeout());
    assertEquals(Duration.ofMillis(1500), o.authTimeout());
    assertEquals(Duration.ofSeconds(5), o.shutdownGrace());
    assertEquals(Duration.ofMinutes(5), o.lameDuckDuration());
    assertEquals(Duration.ofMinutes(1), o.lameDuckGracePeriod());
    assertEquals(Duration.ofNanos(10_000), o.eventLoopSpin());
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.lame-duck-duration = -1.5h"));
    ConfigException e = assertThrows(ConfigException.class, () -> BrokerOptions.of("broker.ping-interval = 1m30"));
    assertTrue(e.getMessage().contains("ping-interval") && e.getMessage().contains("'1m30'"), e.getMessage());
  }

  @Test
  void goFlagSpellingsAndUnknownConfigKeys() throws Exception {
    CommandLine cl = new CommandLine("broker", "broker", "test");
    CommandLine.Result r = cl.parse(new String[] {"-listen=127.0.0.1:0", "-ping-interval", "1m30s", "--route-ping-interval=5m0s"});
    BrokerOptions o = BrokerOptions.from(assertInstanceOf(CommandLine.Run.class, r).config());
    assertEquals(0, o.listen().port());
    assertEquals(Duration.ofSeconds(90), o.pingInterval());
    assertEquals(Duration.ofMinutes(5), o.routePingInterval());
    Path file = Files.createTempFile("broker", ".conf");
    try {
      Files.writeString(file, "broker { ping-interval = 1m30s, ping-intervall = 2m }");
      CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class, cl.parse(new String[] {"--config", file.toString()}));
      assertEquals(1, e.status());
      assertEquals("broker: unknown key 'broker.ping-intervall' in config file " + file, e.text());
      Files.writeString(file, "broker.auth { token = x, timout = 1s }");
      e = assertInstanceOf(CommandLine.Exit.class, cl.parse(new String[] {"--config", file.toString()}));
      assertEquals("broker: unknown key 'broker.auth.timout' in config file " + file, e.text());
    } finally {
      Files.delete(file);
    }
  }
}
