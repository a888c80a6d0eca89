package dev.beacon.lookupd;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LongPollsTest {
  private final LongPolls polls = new LongPolls(null, 1, Duration.ofSeconds(60));

  @Test
  void waitTakesGoDurationsOrBareSecondsClampedToTheMaximum() {
    assertEquals(Duration.ofMillis(500).toNanos(), polls.parseWait("500ms"));
    assertEquals(Duration.ofSeconds(30).toNanos(), polls.parseWait("30s"));
    assertEquals(Duration.ofSeconds(45).toNanos(), polls.parseWait("45"));
    assertEquals(Duration.ofMillis(1500).toNanos(), polls.parseWait("1.5s"));
    assertEquals(Duration.ofSeconds(60).toNanos(), polls.parseWait("1m30s"), "clamped");
    assertEquals(Duration.ofSeconds(60).toNanos(), polls.parseWait("2h45m"), "clamped");
    assertEquals(0, polls.parseWait("0"));
    assertEquals(-1, polls.parseWait("-1s"));
    assertEquals(-1, polls.parseWait("forever"));
    assertEquals(-1, polls.parseWait(""));
    assertEquals(-1, polls.parseWait("99999999999999999999"));
  }
}
