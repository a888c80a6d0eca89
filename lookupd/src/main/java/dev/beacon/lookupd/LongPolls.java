package dev.beacon.lookupd;

import dev.beacon.common.Durations;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Parked long polls (push discovery, a Beacon extension: nsqlookupd has no long poll): {@code /lookup?topic=T&wait=D&version=V}
 * keyed by the topic name, {@code /nodes?wait=D&version=V} keyed by {@link #NODES}. A poll is
 * answered when its key changes, when its wait ends, and never after its client has gone. Their
 * number is bounded (both kinds together). Runs on the verticle's event loop.
 */
final class LongPolls {

  /** The key of /nodes polls; never equal to a topic name (a String). */
  static final Object NODES = new Object();

  private static final class Waiter {
    final HttpServerRequest req;
    final Object key;
    /** Answers the request with the key's current state. */
    final Consumer<HttpServerRequest> answer;
    long timer;

    Waiter(HttpServerRequest req, Object key, Consumer<HttpServerRequest> answer) {
      this.req = req;
      this.key = key;
      this.answer = answer;
    }
  }

  private final Vertx vertx;
  private final int max;
  private final long maxWaitNanos;
  private final Map<Object, List<Waiter>> waiters = new HashMap<>();
  private final Set<Object> changed = new LinkedHashSet<>();
  private boolean flushScheduled;
  private int waiting;

  LongPolls(Vertx vertx, int max, Duration maxWait) {
    this.vertx = vertx;
    this.max = max;
    this.maxWaitNanos = maxWait.toNanos();
  }

  /** A Go duration ("500ms", "30s", "1m30s") or bare seconds, clamped to max-lookup-wait; -1 when it does not parse. */
  long parseWait(String wait) {
    long nanos;
    try {
      if (!wait.isEmpty() && wait.chars().allMatch(c -> c >= '0' && c <= '9')) {
        nanos = Duration.ofSeconds(Long.parseLong(wait)).toNanos();
      } else {
        nanos = Durations.parseGo(wait).toNanos();
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      return -1;
    }
    return nanos < 0 ? -1 : Math.min(nanos, maxWaitNanos);
  }

  /**
   * Parks req until key changes or waitNanos pass, then calls answer; false when too many polls are
   * parked already.
   */
  boolean park(HttpServerRequest req, Object key, long waitNanos, Consumer<HttpServerRequest> answer) {
    if (waiting >= max) {
      return false;
    }
    Waiter w = new Waiter(req, key, answer);
    waiters.computeIfAbsent(key, k -> new ArrayList<>(2)).add(w);
    waiting++;
    w.timer = vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> {
      if (unpark(w) && !w.req.response().closed()) {
        w.answer.accept(w.req);
      }
    });
    req.response().closeHandler(v -> {
      if (unpark(w)) {
        vertx.cancelTimer(w.timer);
      }
    });
    return true;
  }

  private boolean unpark(Waiter w) {
    List<Waiter> list = waiters.get(w.key);
    if (list == null || !list.remove(w)) {
      return false;
    }
    if (list.isEmpty()) {
      waiters.remove(w.key);
    }
    waiting--;
    return true;
  }

  /**
   * The registry says key's answer (a topic's /lookup, or /nodes) may have changed. Waiters are
   * answered on the next turn of the event loop, once the whole change (a disconnect touches many
   * registrations) is applied.
   */
  void changed(Object key) {
    if (!waiters.containsKey(key)) {
      return;
    }
    changed.add(key);
    if (!flushScheduled) {
      flushScheduled = true;
      vertx.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    List<Object> keys = new ArrayList<>(changed);
    changed.clear();
    for (Object key : keys) {
      List<Waiter> list = waiters.remove(key);
      if (list == null) {
        continue;
      }
      for (Waiter w : list) {
        waiting--;
        vertx.cancelTimer(w.timer);
        if (!w.req.response().closed()) {
          w.answer.accept(w.req);
        }
      }
    }
  }

  int waiting() {
    return waiting;
  }
}
