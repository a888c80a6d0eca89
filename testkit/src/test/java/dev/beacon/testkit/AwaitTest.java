package dev.beacon.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwaitTest {
  @Test
  void returnsOnceTheConditionHolds() {
    AtomicInteger calls = new AtomicInteger();
    Await.until("third call", () -> calls.incrementAndGet() >= 3);
    assertEquals(3, calls.get());
  }

  @Test
  void failsAfterTheDeadlineNamingWhatAndTheLastValue() {
    AtomicInteger calls = new AtomicInteger();
    long t0 = System.nanoTime();
    AssertionError e = assertThrows(AssertionError.class,
        () -> Await.value("the answer", Duration.ofMillis(150), calls::incrementAndGet, v -> v < 0));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 150 && ms < 5000, ms + " ms");
    assertTrue(e.getMessage().contains("waiting for the answer; last value: " + calls.get()), e.getMessage());
    assertTrue(e.getMessage().startsWith("timed out after "), e.getMessage());
  }

  @Test
  void exceptionsMeanNotYetAndTheLastIsTheCause() {
    AtomicInteger calls = new AtomicInteger();
    String v = Await.value("a value after two failures", Duration.ofSeconds(5), () -> {
      if (calls.incrementAndGet() < 3) {
        throw new IOException("not yet");
      }
      return "ok";
    }, "ok"::equals);
    assertEquals("ok", v);
    AssertionError e = assertThrows(AssertionError.class, () -> Await.until("never", Duration.ofMillis(50), () -> {
      throw new IOException("refused");
    }));
    assertInstanceOf(IOException.class, e.getCause());
    assertTrue(e.getMessage().contains("last failure: java.io.IOException: refused"), e.getMessage());
  }

  @Test
  void nonNullReturnsTheValue() {
    AtomicInteger calls = new AtomicInteger();
    assertEquals("x", Await.nonNull("x", Duration.ofSeconds(5), () -> calls.incrementAndGet() < 2 ? null : "x"));
  }

  @Test
  void anotherThreadsChangeIsSeen() {
    AtomicInteger flag = new AtomicInteger();
    Thread t = new Thread(() -> flag.set(1));
    t.start();
    Await.until("the flag", Duration.ofSeconds(5), () -> flag.get() == 1);
  }

  @Test
  void aFailedAssertionInsideIsNotYet() {
    AtomicInteger calls = new AtomicInteger();
    Await.until("assertion passes", Duration.ofSeconds(5), () -> {
      assertTrue(calls.incrementAndGet() >= 2);
      return true;
    });
    assertEquals(2, calls.get());
  }
}
