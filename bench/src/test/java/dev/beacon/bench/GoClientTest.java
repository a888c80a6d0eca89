package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Parsing the one result line of bench/go/natsbench. */
class GoClientTest {
  @Test
  void throughputRowGivesRateLostOpsAndClientCpu() throws IOException {
    NatsBench.Run r = GoClient.parse("result row=pubsub size=1024 subs=4 sent=120832 received=400000 lost=83328 "
        + "seconds=1.1389 rate=424387.1 ops=400000 p50us=0.0 p99us=0.0 cpus=1.029\n");
    assertEquals(424387.1, r.value(), 1e-9);
    assertEquals(83328, r.lost());
    assertEquals(400000, r.ops());
    assertEquals(1.029, r.clientCpu(), 1e-9);
  }

  @Test
  void latencyRowGivesP50AndP99() throws IOException {
    NatsBench.Run r = GoClient.parse("some stray line\nresult row=rtt size=16 subs=1 sent=3551 received=3551 lost=0 "
        + "seconds=1.0002 rate=3550.2 ops=3551 p50us=279.8 p99us=481.8 cpus=0.632\n");
    assertEquals(279.8, r.value(), 1e-9);
    assertEquals(481.8, r.value2(), 1e-9);
    assertEquals(3551, r.ops());
  }

  @Test
  void missingOrBrokenLinesAreErrorsNotFigures() {
    IOException none = assertThrows(IOException.class, () -> GoClient.parse("natsbench: error: nats: no servers available\n"));
    assertTrue(none.getMessage().contains("no result line"), none.getMessage());
    assertThrows(IOException.class, () -> GoClient.parse("result row=pub rate=12 ops=5 cpus=0.1\n")); // no lost
    assertThrows(IOException.class, () -> GoClient.parse("result row=pub rate=x lost=0 ops=5 cpus=0.1\n"));
    assertThrows(IOException.class, () -> GoClient.parse("result row=pub rate lost=0 ops=5 cpus=0.1\n"));
  }
}
