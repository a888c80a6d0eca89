package dev.beacon.lookupd;

import com.typesafe.config.ConfigException;
import dev.beacon.common.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class LookupdOptionsTest {

  private static LookupdOptions parse(String... args) {
    CommandLine.Result r = new CommandLine("lookupd", "lookupd", "test").parse(args);
    return LookupdOptions.from(assertInstanceOf(CommandLine.Run.class, r, r.toString()).config());
  }

  @Test
  void defaultsAreNsqlookupds() {
    LookupdOptions o = parse();
    assertEquals("0.0.0.0:4160", o.tcpAddress().toString());
    assertEquals("0.0.0.0:4161", o.httpAddress().toString());
    assertEquals(Duration.ofSeconds(300), o.inactiveProducerTimeout());
    assertEquals(Duration.ofSeconds(45), o.tombstoneLifetime());
    assertEquals("", o.broadcastAddress());
    assertEquals(0, o.broadcastTcpPort());
    assertEquals(10000, o.maxConnections());
    assertEquals(10000, o.maxHttpConnections());
    assertEquals(100000, o.maxRegistrationsPerPeer());
  }

  @Test
  void nsqlookupdCommandLineIsAccepted() {
    LookupdOptions o = parse("--tcp-address=127.0.0.1:0", "--http-address", "[::1]:4161", "--broadcast-address=lk1",
        "--inactive-producer-timeout=5m", "--tombstone-lifetime", "10s", "--log-level=WARN", "--log-prefix=[nsqlookupd] ",
        "--verbose");
    assertEquals(0, o.tcpAddress().port());
    assertEquals("::1", o.httpAddress().host());
    assertEquals("[::1]:4161", o.httpAddress().toString());
    assertEquals(Duration.ofMinutes(5), o.inactiveProducerTimeout());
    assertEquals(Duration.ofSeconds(10), o.tombstoneLifetime());
    assertEquals("warn", o.logLevel());
  }

  @Test
  void goDurationsEverywhere() throws Exception {
    LookupdOptions o = parse("--inactive-producer-timeout=1m30s", "--tombstone-lifetime", "1.5h", "--client-timeout=5m0s",
        "--max-lookup-wait=300ms", "--http-idle-timeout=2h45m", "--event-loop-spin=0", "--native-trim-interval=1.5s");
    assertEquals(Duration.ofSeconds(90), o.inactiveProducerTimeout());
    assertEquals(Duration.ofMinutes(90), o.tombstoneLifetime());
    assertEquals(Duration.ofMinutes(5), o.clientTimeout());
    assertEquals(Duration.ofMillis(300), o.maxLookupWait());
    assertEquals(Duration.ofMinutes(165), o.httpIdleTimeout());
    assertEquals(Duration.ZERO, o.eventLoopSpin());
    assertEquals(Duration.ofMillis(1500), o.nativeTrimInterval());
    assertEquals(Duration.ofSeconds(300), parse("--inactive-producer-timeout=300s").inactiveProducerTimeout());
    Path file = Files.createTempFile("lookupd", ".conf");
    try {
      Files.writeString(file, "lookupd { tombstone-lifetime = 1m30s, inactive-producer-timeout = 5 minutes }");
      LookupdOptions f = parse("--config", file.toString());
      assertEquals(Duration.ofSeconds(90), f.tombstoneLifetime());
      assertEquals(Duration.ofMinutes(5), f.inactiveProducerTimeout());
    } finally {
      Files.delete(file);
    }
    CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class,
        new CommandLine("lookupd", "lookupd", "test").parse(new String[] {"--tombstone-lifetime=1m30"}));
    assertEquals(1, e.status());
    assertTrue(e.text().contains("lookupd.tombstone-lifetime") && e.text().contains("'1m30'"), e.text());
    assertThrows(IllegalArgumentException.class, () -> parse("--tombstone-lifetime=-1.5h"), "must be positive");
    assertThrows(ConfigException.class, () -> LookupdOptions.of(Map.of("client-timeout", "1m30")));
  }

  @Test
  void flagBeatsConfigFileWhichBeatsReference() throws Exception {
    Path file = Files.createTempFile("lookupd", ".conf");
    try {
      Files.writeString(file, "lookupd { tombstone-lifetime = 7s, inactive-producer-timeout = 9s }");
      LookupdOptions o = parse("--config", file.toString(), "--tombstone-lifetime=3s");
      assertEquals(Duration.ofSeconds(3), o.tombstoneLifetime());
      assertEquals(Duration.ofSeconds(9), o.inactiveProducerTimeout());
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void badValuesAreRejected() {
    CommandLine cl = new CommandLine("lookupd", "lookupd", "test");
    assertInstanceOf(CommandLine.Exit.class, cl.parse(new String[] {"--no-such-flag=1"}));
    assertInstanceOf(CommandLine.Exit.class, cl.parse(new String[] {"--tombstone-lifetime=soon"}));
    assertThrows(IllegalArgumentException.class, () -> parse("--log-level=loud"));
    assertThrows(IllegalArgumentException.class, () -> parse("--tcp-address=nohostport"));
    assertThrows(IllegalArgumentException.class, () -> parse("--broadcast-tcp-port=70000"));
    assertThrows(IllegalArgumentException.class, () -> parse("--client-timeout=0s"));
    assertThrows(IllegalArgumentException.class, () -> parse("--max-connections=0"));
    assertThrows(IllegalArgumentException.class, () -> parse("--max-http-connections=-1"));
    assertThrows(IllegalArgumentException.class, () -> parse("--max-registrations-per-peer=0"));
    assertThrows(IllegalArgumentException.class, () -> parse("--max-lookup-wait=5m"), "longer than http-idle-timeout");
    assertThrows(ConfigException.class, () -> LookupdOptions.of(Map.of("max-line-size", "lots")));
  }

  @Test
  void spinAndTrimAreSettingsWhereZeroMeansOff() throws Exception {
    LookupdOptions o = parse();
    assertEquals(Duration.ofNanos(50_000), o.eventLoopSpin());
    assertEquals(Duration.ofSeconds(1), o.nativeTrimInterval());
    assertEquals(Duration.ZERO, parse("--event-loop-spin=0", "--native-trim-interval=0").eventLoopSpin());
    assertThrows(IllegalArgumentException.class, () -> parse("--event-loop-spin=-1us"));
    assertThrows(IllegalArgumentException.class, () -> parse("--native-trim-interval=-1s"));
  }

  @Test
  void helpListsEveryKeyWithItsDefault() {
    String help = new CommandLine("lookupd", "lookupd", "test").help();
    for (String key : new String[] {"tcp-address", "http-address", "broadcast-address", "broadcast-tcp-port",
        "broadcast-http-port", "inactive-producer-timeout", "tombstone-lifetime", "client-timeout", "max-line-size",
        "max-identify-size", "max-lookup-wait", "max-lookup-waiters", "max-connections", "max-http-connections",
        "max-registrations-per-peer", "http-idle-timeout", "log-level"}) {
      assertTrue(help.contains("--" + key + " (default "), key);
    }
  }
}
