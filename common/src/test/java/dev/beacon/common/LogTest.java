package dev.beacon.common;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final Clock clock = Clock.fixed(Instant.parse("2026-12-04T20:31:05.123456789Z"), ZoneOffset.UTC);

  private Log log(String prefix, Log.Level level) {
    return new Log(prefix, level, new PrintStream(bytes, false, StandardCharsets.UTF_8), clock);
  }

  private String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void nsqlookupdLineFormat() {
    log("[lookupd] ", Log.Level.DEBUG).info("TCP: listening on 127.0.0.1:4160");
    assertEquals("[lookupd] 2026/12/04 20:31:05.123456 INFO: TCP: listening on 127.0.0.1:4160\n", written());
  }

  @Test
  void levelWordsAreNsqlookupds() {
    Log log = log("p ", Log.Level.DEBUG);
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    log.fatal("f");
    assertEquals(List.of("p 2026/12/04 20:31:05.123456 DEBUG: d", "p 2026/12/04 20:31:05.123456 INFO: i",
        "p 2026/12/04 20:31:05.123456 WARNING: w", "p 2026/12/04 20:31:05.123456 ERROR: e",
        "p 2026/12/04 20:31:05.123456 FATAL: f"), written().lines().toList());
  }

  @Test
  void linesBelowTheLevelAreDropped() {
    Log log = log("", Log.Level.WARN);
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.log(Log.Level.ERROR, "e");
    assertEquals(List.of("2026/12/04 20:31:05.123456 WARNING: w", "2026/12/04 20:31:05.123456 ERROR: e"),
        written().lines().toList());
    assertFalse(log.debugEnabled());
    assertFalse(log.enabled(Log.Level.INFO));
    assertTrue(log.enabled(Log.Level.FATAL));
    assertEquals(Log.Level.WARN, log.level());
    assertTrue(log("", Log.Level.DEBUG).debugEnabled());
  }

  @Test
  void fatalOnlyWritesFatal() {
    Log log = log("", Log.Level.FATAL);
    log.error("e");
    log.fatal("f");
    assertEquals("2026/12/04 20:31:05.123456 FATAL: f\n", written());
  }

  @Test
  void levelNamesParseCaseInsensitivelyAndRefuseOthers() {
    assertEquals(List.of("debug", "info", "warn", "error", "fatal"), Log.Level.NAMES);
    for (Log.Level l : Log.Level.values()) {
      assertEquals(l, Log.Level.parse(l.setting()));
      assertEquals(l, Log.Level.parse(l.setting().toUpperCase()));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Log.Level.parse("warning"));
    assertEquals("log-level must be one of [debug, info, warn, error, fatal], not 'warning'", e.getMessage());
  }

  @Test
  void microsecondsArePaddedAndTruncated() {
    assertEquals("x 2026/01/02 03:04:05.000007 INFO: m\n",
        Log.format("x ", LocalDateTime.of(2026, 1, 2, 3, 4, 5, 7_999), Log.Level.INFO, "m"));
  }
}
