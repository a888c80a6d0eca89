package dev.beacon.common;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CommandLineTest {
  private final CommandLine cli = new CommandLine("demo", "demo", "1.2.3");

  private CommandLine.Exit exit(int status, String... args) {
    CommandLine.Result r = cli.parse(args);
    CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class, r, "expected an exit, the config was accepted");
    assertEquals(status, e.status(), e.text());
    return e;
  }

  private Config run(String... args) {
    CommandLine.Result r = cli.parse(args);
    assertInstanceOf(CommandLine.Run.class, r, () -> r instanceof CommandLine.Exit e ? e.text() : "Run");
    return ((CommandLine.Run) r).config();
  }

  @Test
  void defaultsComeFromReference() {
    Config c = run();
    assertEquals("0.0.0.0:4160", c.getString("demo.tcp-address"));
    assertEquals(Duration.ofSeconds(300), c.getDuration("demo.inactive-producer-timeout"));
  }

  @Test
  void equalsAndSpaceFormsBothWork() {
    assertEquals("127.0.0.1:0", run("--tcp-address=127.0.0.1:0").getString("demo.tcp-address"));
    assertEquals("127.0.0.1:1", run("--tcp-address", "127.0.0.1:1").getString("demo.tcp-address"));
    assertEquals(Duration.ofSeconds(5), run("--inactive-producer-timeout", "5s").getDuration("demo.inactive-producer-timeout"));
  }

  @Test
  void repeatableFlagsCollectIntoAList() {
    Config c = run("--lookupd-tcp-address=a:1", "--lookupd-tcp-address", "b:2,c:3");
    assertEquals(List.of("a:1", "b:2", "c:3"), c.getStringList("demo.lookupd-tcp-address"));
  }

  @Test
  void bareBooleanFlag() {
    assertTrue(run("--verbose").getBoolean("demo.verbose"));
    assertTrue(run("-verbose").getBoolean("demo.verbose"));
    assertTrue(run("--verbose", "--tcp-address=x:1").getBoolean("demo.verbose"));
    assertTrue(run("-verbose", "-tcp-address", "x:1").getBoolean("demo.verbose"));
  }

  @Test
  void booleanFlagsFollowGosRules() {
    for (String f : List.of("false", "0", "f", "F", "FALSE", "False")) {
      assertFalse(run("-verbose=" + f).getBoolean("demo.verbose"), f);
      assertFalse(run("--verbose=" + f).getBoolean("demo.verbose"), f);
    }
    for (String t : List.of("true", "1", "t", "T", "TRUE", "True")) {
      assertTrue(run("-verbose=" + t).getBoolean("demo.verbose"), t);
    }
    // a boolean flag never takes the next argument: Go would stop parsing there, we refuse it
    CommandLine.Exit e = exit(2, "--verbose", "false");
    assertTrue(e.text().contains("unexpected argument 'false'"), e.text());
    e = exit(2, "-verbose=yes");
    assertTrue(e.text().contains("invalid boolean value \"yes\" for -verbose"), e.text());
    exit(2, "-verbose=");
  }

  @Test
  void goFlagSpellingsAllWork() {
    for (String[] args : List.of(
        new String[] {"-tcp-address=127.0.0.1:5", "-inactive-producer-timeout=1m30s"},
        new String[] {"-tcp-address", "127.0.0.1:5", "-inactive-producer-timeout", "1m30s"},
        new String[] {"--tcp-address=127.0.0.1:5", "--inactive-producer-timeout=1m30s"},
        new String[] {"--tcp-address", "127.0.0.1:5", "--inactive-producer-timeout", "1m30s"},
        new String[] {"-tcp-address", "127.0.0.1:5", "--inactive-producer-timeout=1m30s", "--"})) {
      Config c = run(args);
      assertEquals("127.0.0.1:5", c.getString("demo.tcp-address"), String.join(" ", args));
      assertEquals(Duration.ofSeconds(90), Durations.get(c, "demo.inactive-producer-timeout"), String.join(" ", args));
    }
    // as in Go, a flag that takes a value takes the next argument whatever it looks like
    assertEquals("-x:1", run("-tcp-address", "-x:1").getString("demo.tcp-address"));
    assertEquals("", run("-tcp-address=", "-tcp-address=").getString("demo.tcp-address").strip());
    assertEquals("a=b", run("-auth.token=a=b").getString("demo.auth.token"));
    assertEquals(List.of("a:1", "b:2"), run("-lookupd-tcp-address=a:1", "-lookupd-tcp-address", "b:2").getStringList("demo.lookupd-tcp-address"));
  }

  @Test
  void goFlagSyntaxErrors() {
    assertTrue(exit(2, "---tcp-address=x").text().contains("bad flag syntax: ---tcp-address=x"));
    assertTrue(exit(2, "-=x").text().contains("bad flag syntax: -=x"));
    assertTrue(exit(2, "-tcp-address").text().contains("flag needs an argument: -tcp-address"));
    assertTrue(exit(2, "-nope").text().contains("unknown flag -nope"));
    assertTrue(exit(2, "-", "x").text().contains("unexpected argument '-'"));
    assertTrue(exit(2, "--", "-verbose").text().contains("unexpected argument '-verbose'"));
    assertTrue(exit(2, "stray").text().contains("unexpected argument 'stray'"));
  }

  @Test
  void helpAndVersionInBothSpellings() {
    for (String h : List.of("-help", "--help", "-h", "--h")) {
      assertTrue(exit(0, h).text().contains("--tcp-address"), h);
    }
    assertEquals("demo v1.2.3", exit(0, "-version").text());
    assertEquals("demo v1.2.3", exit(0, "--tcp-address=x:1", "-version=true").text());
    assertEquals("x:1", run("-version=false", "-tcp-address=x:1").getString("demo.tcp-address"));
    // as Go, a bad flag after -version is still an error
    exit(2, "-version", "-nope");
  }

  @Test
  void unknownFlagIsAUsageError() {
    CommandLine.Result r = cli.parse(new String[] {"--nope=1"});
    CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class, r);
    assertEquals(2, e.status());
    assertTrue(e.text().contains("unknown flag --nope"), e.text());
  }

  @Test
  void badValueIsRejectedAtStartup() {
    // as Go's flag package: a duration flag that does not parse is a usage error, exit 2
    CommandLine.Result r = cli.parse(new String[] {"--inactive-producer-timeout=soon"});
    CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class, r);
    assertEquals(2, e.status());
    assertTrue(e.text().startsWith("demo: invalid value \"soon\" for flag --inactive-producer-timeout"), e.text());
    assertTrue(exit(2, "-inactive-producer-timeout", "1m30").text().contains("\"1m30\" for flag -inactive-producer-timeout"));
    // HOCON's forms still work on the command line, a bare number being milliseconds as before
    assertEquals(Duration.ofMillis(5), Durations.get(run("-auth.timeout=5"), "demo.auth.timeout"));
    assertEquals(Duration.ofMinutes(5), Durations.get(run("-auth.timeout", "5 minutes"), "demo.auth.timeout"));
  }

  @Test
  void flagBeatsFileBeatsReference() throws Exception {
    Path f = Files.createTempFile("demo", ".conf");
    Files.writeString(f, "demo { tcp-address = \"file:1\"\n inactive-producer-timeout = 7s }");
    Config c = run("--config", f.toString(), "--tcp-address=flag:2");
    assertEquals("flag:2", c.getString("demo.tcp-address"));
    assertEquals(Duration.ofSeconds(7), c.getDuration("demo.inactive-producer-timeout"));
  }

  @Test
  void helpListsEveryKeyWithDefaultAndComment() {
    CommandLine.Exit e = assertInstanceOf(CommandLine.Exit.class, cli.parse(new String[] {"--help"}));
    assertEquals(0, e.status());
    for (String k : List.of("--tcp-address", "--inactive-producer-timeout", "--lookupd-tcp-address", "--verbose", "--max-payload")) {
      assertTrue(e.text().contains(k), k);
    }
    assertTrue(e.text().contains("where to listen"));
    CommandLine.Exit v = assertInstanceOf(CommandLine.Exit.class, cli.parse(new String[] {"--version"}));
    assertEquals("demo v1.2.3", v.text());
  }

  @Test
  void hostPortParsing() {
    assertEquals(new HostPort("127.0.0.1", 4160), HostPort.parse("127.0.0.1:4160"));
    assertEquals(new HostPort("0.0.0.0", 4161), HostPort.parse(":4161"));
    assertEquals(new HostPort("::1", 0), HostPort.parse("[::1]:0"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("nohost"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:99999"));
  }
}
