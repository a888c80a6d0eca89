package dev.beacon.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** --config files through CommandLine: HOCON and nsqlookupd's TOML, and unknown keys in either. */
class ConfigFilesTest {
  private final CommandLine cli = new CommandLine("demo", "demo", "1.2.3");

  @TempDir
  Path dir;

  @AfterEach
  void clearOverrides() {
    System.clearProperty("demo.tcp-address");
    ConfigFactory.invalidateCaches();
  }

  private Path file(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  private Config run(String... args) {
    CommandLine.Result r = cli.parse(args);
    return assertInstanceOf(CommandLine.Run.class, r, () -> r instanceof CommandLine.Exit e ? e.text() : "Run").config();
  }

  private CommandLine.Exit exit(String... args) {
    CommandLine.Result r = cli.parse(args);
    CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class, r, "expected an exit, the config was accepted");
    assertEquals(1, e.status(), e.text());
    assertFalse(e.text().strip().contains("\n"), "one line: " + e.text());
    return e;
  }

  private static final String NSQLOOKUPD_CFG = """
      ## log verbosity level: debug, info, warn, error, or fatal
      log_level = "debug"

      ## <addr>:<port> to listen on for TCP clients
      tcp_address = "127.0.0.1:4160"

      ## duration of time a producer will remain in the active list since its last ping
      inactive_producer_timeout = "1m30s"

      verbose = true
      """;

  @Test
  void nsqlookupdTomlIsDetectedByContentAndMapped() throws Exception {
    Path cfg = file("nsqlookupd.cfg", NSQLOOKUPD_CFG);
    Config c = run("--config=" + cfg);
    assertEquals("debug", c.getString("demo.log-level"));
    assertEquals("127.0.0.1:4160", c.getString("demo.tcp-address"));
    assertEquals(Duration.ofSeconds(90), Durations.get(c, "demo.inactive-producer-timeout"));
    assertTrue(c.getBoolean("demo.verbose"));
    assertEquals(Duration.ofSeconds(2), Durations.get(c, "demo.auth.timeout"), "unset keys keep their defaults");
  }

  @Test
  void tomlExtensionAndTablesAndLists() throws Exception {
    Path cfg = file("beacon.toml", """
        lookupd_tcp_address = ["a:1", "b:2"]
        max_payload = "2MiB"
        [auth]
        token = "s3cret"
        timeout = "1.5s"
        """);
    Config c = run("-config", cfg.toString());
    assertEquals(List.of("a:1", "b:2"), c.getStringList("demo.lookupd-tcp-address"));
    assertEquals(2L << 20, c.getBytes("demo.max-payload"));
    assertEquals("s3cret", c.getString("demo.auth.token"));
    assertEquals(Duration.ofMillis(1500), Durations.get(c, "demo.auth.timeout"));
    Path csv = file("csv.toml", "lookupd_tcp_address = \"a:1,b:2\"\n");
    assertEquals(List.of("a:1", "b:2"), run("--config", csv.toString()).getStringList("demo.lookupd-tcp-address"));
  }

  @Test
  void tomlDurationsAreWhatNsqlookupdTakes() throws Exception {
    // go-options: a string goes to time.ParseDuration, an integer is milliseconds
    assertEquals(Duration.ofSeconds(90), Durations.get(run("--config", file("a.toml", "inactive_producer_timeout = 90000\n").toString()),
        "demo.inactive-producer-timeout"));
    assertEquals(Duration.ofMinutes(90), Durations.get(run("--config", file("b.toml", "inactive_producer_timeout = \"1.5h\"\n").toString()),
        "demo.inactive-producer-timeout"));
    String bare = exit("--config", file("c.toml", "inactive_producer_timeout = \"300\"\n").toString()).text();
    assertTrue(bare.contains("inactive_producer_timeout") && bare.contains("c.toml") && bare.contains("missing unit"), bare);
    String hocon = exit("--config", file("d.toml", "inactive_producer_timeout = \"5 minutes\"\n").toString()).text();
    assertTrue(hocon.contains("inactive_producer_timeout"), hocon);
    assertTrue(exit("--config", file("e.toml", "inactive_producer_timeout = 1.5\n").toString()).text().contains("integer of milliseconds"));
  }

  @Test
  void precedenceIsFlagsThenSystemPropertiesThenFileThenReference() throws Exception {
    Path cfg = file("nsqlookupd.cfg", NSQLOOKUPD_CFG);
    assertEquals("flag:1", run("--config", cfg.toString(), "-tcp-address=flag:1").getString("demo.tcp-address"));
    assertEquals("127.0.0.1:4160", run("-config=" + cfg, "-inactive-producer-timeout=5s").getString("demo.tcp-address"));
    assertEquals(Duration.ofSeconds(5), Durations.get(run("-config=" + cfg, "-inactive-producer-timeout=5s"), "demo.inactive-producer-timeout"));
    System.setProperty("demo.tcp-address", "prop:2");
    ConfigFactory.invalidateCaches();
    assertEquals("prop:2", run("--config", cfg.toString()).getString("demo.tcp-address"));
    assertEquals("flag:1", run("--config", cfg.toString(), "--tcp-address", "flag:1").getString("demo.tcp-address"));
  }

  @Test
  void unknownTomlKeyNamesTheKeyAndTheFile() throws Exception {
    Path cfg = file("nsqlookupd.cfg", NSQLOOKUPD_CFG + "tcp_adress = \"x:1\"\n");
    String text = exit("--config", cfg.toString()).text();
    assertEquals("demo: unknown key 'tcp_adress' in config file " + cfg, text);
    String dashed = exit("--config", file("dashed.toml", "tcp-address = \"x:1\"\n").toString()).text();
    assertTrue(dashed.contains("unknown key 'tcp-address'") && dashed.contains("tcp_address"), dashed);
    String table = exit("--config", file("t.toml", "[auth]\ntokn = \"x\"\n").toString()).text();
    assertTrue(table.contains("unknown key 'auth.tokn'"), table);
    String config = exit("--config", file("c.toml", "config = \"other.cfg\"\n").toString()).text();
    assertTrue(config.contains("unknown key 'config'"), config);
  }

  @Test
  void unknownHoconKeyNamesTheKeyAndTheFile() throws Exception {
    Path conf = file("demo.conf", "demo { tcp-address = \"x:1\", tcp_address = \"y:2\" }");
    assertEquals("demo: unknown key 'demo.tcp_address' in config file " + conf, exit("--config", conf.toString()).text());
    Path other = file("other.conf", "demo.auth.tokn = x\nakka.loglevel = DEBUG\n");
    String text = exit("--config", other.toString()).text();
    assertTrue(text.contains("'demo.auth.tokn'") && text.contains("'akka'"), text);
    Path cfg = file("beacon.cfg", "demo { tcp-address = \"x:1\", tcp-adress = \"y:2\" }");
    assertEquals("demo: unknown key 'demo.tcp-adress' in config file " + cfg, exit("--config", cfg.toString()).text(),
        "a HOCON file found by its content reports its unknown key, not a parse failure");
    Path deep = file("deep.conf", "demo { tcp-address { host = x } }");
    assertTrue(exit("--config", deep.toString()).text().contains("tcp-address"), "an object where a string belongs is refused");
  }

  @Test
  void hoconStillWorksWhateverTheExtension() throws Exception {
    Config c = run("--config", file("beacon.cfg", "demo { tcp-address = \"h:1\", inactive-producer-timeout = 5 minutes }").toString());
    assertEquals("h:1", c.getString("demo.tcp-address"));
    assertEquals(Duration.ofMinutes(5), Durations.get(c, "demo.inactive-producer-timeout"));
    // valid TOML and valid HOCON at once: a top-level 'demo' key makes it Beacon's HOCON
    Config dotted = run("--config", file("dotted.cfg", "demo.tcp-address = \"d:1\"\n").toString());
    assertEquals("d:1", dotted.getString("demo.tcp-address"));
    Config json = run("--config", file("x.json", "{\"demo\": {\"tcp-address\": \"j:1\"}}").toString());
    assertEquals("j:1", json.getString("demo.tcp-address"));
  }

  @Test
  void unreadableOrUnparsableFilesAreOneLine() throws Exception {
    String missing = exit("--config", dir.resolve("nope.cfg").toString()).text();
    assertTrue(missing.contains("nope.cfg"), missing);
    String both = exit("--config", file("bad.cfg", "tcp_address = = \"x\"\n{").toString()).text();
    assertTrue(both.contains("bad.cfg") && both.contains("TOML") && both.contains("HOCON"), both);
    String toml = exit("--config", file("bad.toml", "tcp_address = \n").toString()).text();
    assertTrue(toml.contains("bad.toml") && toml.contains("line 1"), toml);
  }
}
