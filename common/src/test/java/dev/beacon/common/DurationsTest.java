package dev.beacon.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DurationsTest {

  /** Every case in go-parse-duration.tsv was answered by Go's own time.ParseDuration. */
  @Test
  void parseGoAgreesWithGoOnEveryRecordedCase() throws IOException {
    List<String> lines;
    try (InputStream in = DurationsTest.class.getResourceAsStream("/go-parse-duration.tsv")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    int cases = 0;
    for (String line : lines) {
      if (line.startsWith("#")) {
        continue;
      }
      int tab = line.lastIndexOf('\t');
      String input = line.substring(0, tab);
      String want = line.substring(tab + 1);
      cases++;
      if (want.equals("ERR")) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parseGo(input), () -> "'" + input + "' parsed, Go refuses it");
      } else {
        assertEquals(Long.parseLong(want), Durations.parseGo(input).toNanos(), () -> "'" + input + "'");
      }
    }
    assertTrue(cases > 90, "cases: " + cases);
  }

  @Test
  void theFormsNsqlookupdUsers() {
    assertEquals(Duration.ofSeconds(90), Durations.parseGo("1m30s"));
    assertEquals(Duration.ofMinutes(5), Durations.parseGo("5m0s"));
    assertEquals(Duration.ofMinutes(90), Durations.parseGo("1.5h"));
    assertEquals(Duration.ofMillis(300), Durations.parseGo("300ms"));
    assertEquals(Duration.ofMinutes(165), Durations.parseGo("2h45m"));
    assertEquals(Duration.ofMinutes(-90), Durations.parseGo("-1.5h"));
    assertEquals(Duration.ZERO, Durations.parseGo("0"));
    assertEquals(Duration.ofNanos(1500), Durations.parseGo("1.5µs"));
  }

  @Test
  void goReasonsAreKept() {
    assertEquals("missing unit in duration \"100\"", assertThrows(IllegalArgumentException.class, () -> Durations.parseGo("100")).getMessage());
    assertEquals("unknown unit \"d\" in duration \"1d\"", assertThrows(IllegalArgumentException.class, () -> Durations.parseGo("1d")).getMessage());
    assertEquals("invalid duration \"soon\"", assertThrows(IllegalArgumentException.class, () -> Durations.parseGo("soon")).getMessage());
  }

  private static Config conf(String hocon) {
    return ConfigFactory.parseString(hocon).resolve();
  }

  @Test
  void getReadsGoThenHoconSyntax() {
    Config c = conf("a = 1m30s, b = \"5 minutes\", c = 300s, d = 250, e = \"-1.5h\", f = 0, g = \"10 us\", h = 2d");
    assertEquals(Duration.ofSeconds(90), Durations.get(c, "a"));
    assertEquals(Duration.ofMinutes(5), Durations.get(c, "b"));
    assertEquals(Duration.ofSeconds(300), Durations.get(c, "c"));
    assertEquals(Duration.ofMillis(250), Durations.get(c, "d"), "a bare number is milliseconds, as HOCON has it");
    assertEquals(Duration.ofMinutes(-90), Durations.get(c, "e"));
    assertEquals(Duration.ZERO, Durations.get(c, "f"));
    assertEquals(Duration.ofNanos(10_000), Durations.get(c, "g"));
    assertEquals(Duration.ofDays(2), Durations.get(c, "h"));
  }

  @Test
  void aBadValueNamesTheSettingAndTheValue() {
    Config c = conf("lookupd.tombstone-lifetime = soon, lookupd.x = [1], lookupd.y = true");
    ConfigException e = assertThrows(ConfigException.BadValue.class, () -> Durations.get(c, "lookupd.tombstone-lifetime"));
    assertTrue(e.getMessage().contains("lookupd.tombstone-lifetime"), e.getMessage());
    assertTrue(e.getMessage().contains("'soon'"), e.getMessage());
    assertTrue(e.getMessage().contains("1m30s"), e.getMessage());
    assertThrows(ConfigException.class, () -> Durations.get(c, "lookupd.x"));
    assertThrows(ConfigException.class, () -> Durations.get(c, "lookupd.y"));
  }

  /** Expected texts as Go's time.Duration.String() prints them. */
  @Test
  void formatGoPrintsAsGoDoes() {
    assertEquals("0s", Durations.formatGo(Duration.ZERO));
    assertEquals("1ns", Durations.formatGo(Duration.ofNanos(1)));
    assertEquals("1.1\u00b5s", Durations.formatGo(Duration.ofNanos(1100)));
    assertEquals("2.2ms", Durations.formatGo(Duration.ofNanos(2_200_000)));
    assertEquals("500ms", Durations.formatGo(Duration.ofMillis(500)));
    assertEquals("1s", Durations.formatGo(Duration.ofSeconds(1)));
    assertEquals("10s", Durations.formatGo(Duration.ofSeconds(10)));
    assertEquals("3.3s", Durations.formatGo(Duration.ofMillis(3300)));
    assertEquals("4m5s", Durations.formatGo(Duration.ofSeconds(245)));
    assertEquals("4m5.001s", Durations.formatGo(Duration.ofMillis(245_001)));
    assertEquals("5h6m7.001s", Durations.formatGo(Duration.ofMillis(18_367_001)));
    assertEquals("2h0m0s", Durations.formatGo(Duration.ofHours(2)));
    assertEquals("1m0s", Durations.formatGo(Duration.ofMinutes(1)));
    assertEquals("-1.5s", Durations.formatGo(Duration.ofMillis(-1500)));
    assertEquals("2562047h47m16.854775807s", Durations.formatGo(Duration.ofNanos(Long.MAX_VALUE)));
    assertEquals("-2562047h47m16.854775808s", Durations.formatGo(Duration.ofNanos(Long.MIN_VALUE)));
  }
}
