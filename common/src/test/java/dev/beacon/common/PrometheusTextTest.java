package dev.beacon.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PrometheusTextTest {
  @Test
  void familiesWithAndWithoutLabels() {
    StringBuilder sb = new StringBuilder();
    PrometheusText p = new PrometheusText(sb)
        .gauge("x_open", "Open things.").sample(3)
        .counter("x_commands_total", "Commands by verb.").sample("verb", "PING", 7).sample("verb", "REGISTER", 0)
        .counter("x_pairs_total", "Two labels.").sample("a", "1", "b", "2", 5)
        .gauge("x_ratio", "A double.").sample(0.25).sample(2.0).sample(Double.NaN)
        .sample(Double.POSITIVE_INFINITY).sample(Double.NEGATIVE_INFINITY);
    assertSame(sb, p.out());
    assertEquals("""
        # HELP x_open Open things.
        # TYPE x_open gauge
        x_open 3
        # HELP x_commands_total Commands by verb.
        # TYPE x_commands_total counter
        x_commands_total{verb="PING"} 7
        x_commands_total{verb="REGISTER"} 0
        # HELP x_pairs_total Two labels.
        # TYPE x_pairs_total counter
        x_pairs_total{a="1",b="2"} 5
        # HELP x_ratio A double.
        # TYPE x_ratio gauge
        x_ratio 0.25
        x_ratio 2
        x_ratio NaN
        x_ratio +Inf
        x_ratio -Inf
        """, sb.toString());
  }

  @Test
  void oneLinersAndSuffixedSamples() {
    StringBuilder sb = new StringBuilder();
    new PrometheusText(sb).gauge("g", "G.", -1).counter("c", "C.", 2)
        .counter("beacon_in_msgs", "Messages.").sampleSuffixed("_total", 9);
    assertEquals("# HELP g G.\n# TYPE g gauge\ng -1\n# HELP c C.\n# TYPE c counter\nc 2\n"
        + "# HELP beacon_in_msgs Messages.\n# TYPE beacon_in_msgs counter\nbeacon_in_msgs_total 9\n", sb.toString());
  }

  @Test
  void escapesHelpAndLabelValuesAsTheFormatSays() {
    StringBuilder sb = new StringBuilder();
    new PrometheusText(sb).counter("e", "a\\b\nc \"q\"").sample("path", "x\"y\\z\nw", 1);
    assertEquals("# HELP e a\\\\b\\nc \"q\"\n# TYPE e counter\ne{path=\"x\\\"y\\\\z\\nw\"} 1\n", sb.toString());
  }

  @Test
  void aSampleNeedsAFamily() {
    assertThrows(IllegalStateException.class, () -> new PrometheusText(new StringBuilder()).sample(1));
  }

  @Test
  void appendsToWhatIsAlreadyThere() {
    StringBuilder sb = new StringBuilder("before\n");
    new PrometheusText(sb).gauge("g", "G.", 1);
    assertEquals("before\n# HELP g G.\n# TYPE g gauge\ng 1\n", sb.toString());
  }
}
