package dev.beacon.broker;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BrokerOptionsTest {
  @Test
  void spinAndTrimAreSettingsWhereZeroMeansOff() {
    BrokerOptions o = BrokerOptions.of("");
    assertEquals(Duration.ofNanos(50_000), o.eventLoopSpin());
    assertEquals(Duration.ofSeconds(1), o.nativeTrimInterval());
    assertEquals(Duration.ZERO, BrokerOptions.of("broker.event-loop-spin = 0").eventLoopSpin());
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.event-loop-spin = -1us"));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.native-trim-interval = -1s"));
  }
}
