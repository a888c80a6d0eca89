package dev.beacon.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Waits, with a deadline, until a condition holds or a probe gives an acceptable value: the one
 * way tests synchronise with a daemon (never a fixed sleep). The condition is polled, first every
 * millisecond then backing off to every {@value #MAX_POLL_MILLIS} ms. An exception from the condition
 * counts as "not yet"; on timeout the AssertionError names what was awaited, the last value seen and
 * has the last exception as its cause.
 */
public final class Await {
  /** The deadline of the overloads without one. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final long MAX_POLL_MILLIS = 20;

  private Await() {}

  /** A condition that may throw (an HTTP call, a socket read). */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** A value that may throw while it is not available yet. */
  @FunctionalInterface
  public interface Probe<T> {
    T get() throws Exception;
  }

  /** Until {@code condition} holds, at most {@link #DEFAULT_TIMEOUT}. */
  public static void until(String what, Condition condition) {
    until(what, DEFAULT_TIMEOUT, condition);
  }

  /** Until {@code condition} holds, at most {@code timeout}; else an AssertionError naming {@code what}. */
  public static void until(String what, Duration timeout, Condition condition) {
    value(what, timeout, () -> condition.holds() ? Boolean.TRUE : Boolean.FALSE, Boolean.TRUE::equals);
  }

  /** The first value of {@code probe} that {@code accept} takes, at most {@link #DEFAULT_TIMEOUT}. */
  public static <T> T value(String what, Probe<T> probe, Predicate<? super T> accept) {
    return value(what, DEFAULT_TIMEOUT, probe, accept);
  }

  /** The first non-null value of {@code probe}, at most {@code timeout}. */
  public static <T> T nonNull(String what, Duration timeout, Probe<T> probe) {
    return value(what, timeout, probe, Objects::nonNull);
  }

  /**
   * The first value of {@code probe} that {@code accept} takes, at most {@code timeout}; else an
   * AssertionError with the last value (and the last exception as cause).
   */
  public static <T> T value(String what, Duration timeout, Probe<T> probe, Predicate<? super T> accept) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long pollNanos = 1_000_000L;
    T last = null;
    boolean sawValue = false;
    Throwable lastError = null;
    while (true) {
      try {
        T v = probe.get();
        if (accept.test(v)) {
          return v;
        }
        last = v;
        sawValue = true;
        lastError = null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      } catch (Exception | AssertionError e) {
        lastError = e;
      }
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        StringBuilder msg = new StringBuilder("timed out after ").append(Duration.ofNanos(now - start).toMillis())
            .append(" ms (limit ").append(timeout.toMillis()).append(" ms) waiting for ").append(what);
        if (sawValue) {
          msg.append("; last value: ").append(last);
        }
        if (lastError != null) {
          msg.append("; last failure: ").append(lastError);
        }
        throw new AssertionError(msg.toString(), lastError);
      }
      LockSupport.parkNanos(Math.min(pollNanos, deadline - now));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
      pollNanos = Math.min(pollNanos * 2, MAX_POLL_MILLIS * 1_000_000L);
    }
  }
}
