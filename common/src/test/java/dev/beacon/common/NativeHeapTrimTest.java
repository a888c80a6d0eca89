package dev.beacon.common;

import dev.beacon.testkit.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.*;

class NativeHeapTrimTest {
  @Test
  void theDiagnosticCommandExistsAndTrims() throws Exception {
    String answer = NativeHeapTrim.trim(new ObjectName("com.sun.management:type=DiagnosticCommand"));
    assertTrue(answer.startsWith("Trim native heap"), answer);
  }

  @Test
  void zeroIntervalStartsNothing() {
    List<String> log = new ArrayList<>();
    assertNull(NativeHeapTrim.start(Duration.ZERO, log::add));
    assertEquals(List.of(), log);
  }

  @Test
  void runsOnADaemonThreadUntilInterrupted() throws Exception {
    List<String> log = new ArrayList<>();
    long before = NativeHeapTrim.periodicTrims;
    Thread t = NativeHeapTrim.start(Duration.ofMillis(20), log::add);
    assertNotNull(t);
    assertEquals("native-heap-trim", t.getName());
    assertTrue(t.isDaemon());
    Await.until("three periodic trims", () -> NativeHeapTrim.periodicTrims >= before + 3);
    assertTrue(t.isAlive());
    t.interrupt();
    t.join(5000);
    assertFalse(t.isAlive());
    assertEquals(List.of(), log, "no failure was logged");
  }
}
