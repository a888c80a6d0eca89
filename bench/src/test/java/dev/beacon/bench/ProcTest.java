package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ProcTest {
  @Test
  void parsesVmRss() throws IOException {
    assertEquals(23456, Proc.parseRssKb("Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t   23456 kB\nThreads:\t3\n"));
    assertThrows(IOException.class, () -> Proc.parseRssKb("Name:\tzombie\n"));
  }

  @Test
  void parsesUtimePlusStimeAfterACommandNameWithSpaces() throws IOException {
    String stat = "1234 (nats server) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4 0 100 1000 200";
    assertEquals(325, Proc.parseCpuTicks(stat));
  }

  @Test
  void readsThisProcess() throws IOException {
    long pid = ProcessHandle.current().pid();
    assertTrue(Proc.rssBytes(pid) > 1_000_000);
    assertTrue(Proc.cpuSeconds(pid) >= 0);
  }
}
