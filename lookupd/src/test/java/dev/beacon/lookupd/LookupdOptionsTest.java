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
    LookupdOptions o = parse("-inactive-producer-timeout=1m30s", "-tombstone-lifetime", "1.5h", "--client-timeout=5m0s",
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
    assertEquals(2, e.status(), "a bad flag value is a usage error, as in Go");
    assertTrue(e.text().contains("invalid value \"1m30\" for flag --tombstone-lifetime"), e.text());
    assertThrows(IllegalArgumentException.class, () -> parse("--tombstone-lifetime=-1.5h"), "must be positive");
    assertThrows(ConfigException.class, () -> LookupdOptions.of(Map.of("client-timeout", "1m30")));
    Path bad = Files.createTempFile("lookupd", ".conf");
    try {
      Files.writeString(bad, "lookupd.client-timeout = 1m30");
      CommandLine.Exit f = assertInstanceOf(CommandLine.Exit.class,
          new CommandLine("lookupd", "lookupd", "test").parse(new String[] {"--config", bad.toString()}));
      assertEquals(1, f.status(), "a bad value in a file is a bad configuration");
      assertTrue(f.text().contains("lookupd.client-timeout") && f.text().contains("'1m30'"), f.text());
    } finally {
      Files.delete(bad);
    }
  }

  @Test
  void everyNsqlookupdFlagInGoSpelling() {
    LookupdOptions o = parse("-config=/dev/null", "-log-level=debug", "-log-prefix", "[nsqlookupd] ", "-verbose",
        "-tcp-address=127.0.0.1:0", "-http-address", "127.0.0.1:0", "-broadcast-address=lk1.example",
        "-inactive-producer-timeout=1m30s", "-tombstone-lifetime=45s");
    assertEquals("debug", o.logLevel());
    assertEquals("[nsqlookupd] ", o.logPrefix());
    assertEquals("127.0.0.1:0", o.tcpAddress().toString());
    assertEquals("127.0.0.1:0", o.httpAddress().toString());
    assertEquals("lk1.example", o.broadcastAddress());
    assertEquals(Duration.ofSeconds(90), o.inactiveProducerTimeout());
    assertEquals(Duration.ofSeconds(45), o.tombstoneLifetime());
    assertEquals(Duration.ofSeconds(90), parse("-verbose=false", "-inactive-producer-timeout", "1m30s").inactiveProducerTimeout());
    CommandLine cl = new CommandLine("lookupd", "lookupd", "test");
    assertEquals(0, assertInstanceOf(CommandLine.Exit.class, cl.parse(new String[] {"-version"})).status());
    assertEquals(0, assertInstanceOf(CommandLine.Exit.class, cl.parse(new String[] {"-help"})).status());
  }

  @Test
  void nsqlookupdTomlConfigFileIsReadAsNsqlookupdReadsIt() throws Exception {
    Path file = Files.createTempFile("nsqlookupd", ".cfg");
    try {
      Files.writeString(file, """
          ## log verbosity level: debug, info, warn, error, or fatal
          log_level = "warn"
          log_prefix = "[nsqlookupd] "
          verbose = false
          ## <addr>:<port> to listen on for TCP clients
          tcp_address = "127.0.0.1:4160"
          ## <addr>:<port> to listen on for HTTP clients
          http_address = "127.0.0.1:4161"
          ## address that will be registered with lookupd (defaults to the OS hostname)
          broadcast_address = "lk1.example"
          ## duration of time a producer will remain in the active list since its last ping
          inactive_producer_timeout = "1m30s"
          ## duration of time a producer will remain tombstoned if registration remains
          tombstone_lifetime = 30000
          ## Beacon's own settings take the same spelling
          client_timeout = "2m"
          max_connections = 50
          """);
      LookupdOptions o = parse("-config", file.toString(), "-tcp-address=127.0.0.1:0");
      assertEquals("127.0.0.1:0", o.tcpAddress().toString(), "flags beat the file");
      assertEquals("127.0.0.1:4161", o.httpAddress().toString());
      assertEquals("lk1.example", o.broadcastAddress());
      assertEquals("warn", o.logLevel());
      assertEquals("[nsqlookupd] ", o.logPrefix());
      assertEquals(Duration.ofSeconds(90), o.inactiveProducerTimeout());
      assertEquals(Duration.ofSeconds(30), o.tombstoneLifetime(), "an integer is milliseconds, as go-options reads it");
      assertEquals(Duration.ofMinutes(2), o.clientTimeout());
      assertEquals(50, o.maxConnections());
      Files.writeString(file, "tcp_address = \"127.0.0.1:0\"\ntombstone_lifetme = \"45s\"\n");
      CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class,
          new CommandLine("lookupd", "lookupd", "test").parse(new String[] {"--config=" + file}));
      assertEquals(1, e.status());
      assertEquals("lookupd: unknown key 'tombstone_lifetme' in config file " + file, e.text());
    } finally {
      Files.delete(file);
    }
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
