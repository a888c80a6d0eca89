package dev.beacon.lookupd;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Parked {@code /lookup?topic=T&wait=D&version=V} requests (push discovery, nsq #1162; ours).
 * A poll is answered when its topic changes, when its wait ends, and never after its client has
 * gone. Their number is bounded. Runs on the verticle's event loop.
 */
final class LongPolls {

  private static final class Waiter {
    final HttpServerRequest req;
    final String topic;
    long timer;

    Waiter(HttpServerRequest req, String topic) {
      this.req = req;
      this.topic = topic;
    }
  }

  private final Vertx vertx;
  private final int max;
  private final long maxWaitNanos;
  /** Answers a request with the topic's current /lookup state. */
  private final BiConsumer<HttpServerRequest, String> answer;
  private final Map<String, List<Waiter>> waiters = new HashMap<>();
  private final Set<String> changed = new LinkedHashSet<>();
  private boolean flushScheduled;
  private int waiting;

  LongPolls(Vertx vertx, int max, Duration maxWait, BiConsumer<HttpServerRequest, String> answer) {
    this.vertx = vertx;
    this.max = max;
    this.maxWaitNanos = maxWait.toNanos();
    this.answer = answer;
  }

  /** "500ms", "30s", "2m" or bare seconds, clamped to max-lookup-wait; -1 when it does not parse. */
  long parseWait(String wait) {
    long nanos;
    try {
      if (wait.endsWith("ms")) {
        nanos = Duration.ofMillis(Long.parseLong(wait.substring(0, wait.length() - 2))).toNanos();
      } else if (wait.endsWith("s")) {
        nanos = Duration.ofSeconds(Long.parseLong(wait.substring(0, wait.length() - 1))).toNanos();
      } else if (wait.endsWith("m")) {
        nanos = Duration.ofMinutes(Long.parseLong(wait.substring(0, wait.length() - 1))).toNanos();
      } else {
        nanos = Duration.ofSeconds(Long.parseLong(wait)).toNanos();
      }
    } catch (NumberFormatException | ArithmeticException e) {
      return -1;
    }
    return nanos < 0 ? -1 : Math.min(nanos, maxWaitNanos);
  }

  /** Parks req until topic changes or waitNanos pass; false when too many polls are parked already. */
  boolean park(HttpServerRequest req, String topic, long waitNanos) {
    if (waiting >= max) {
      return false;
    }
    Waiter w = new Waiter(req, topic);
    waiters.computeIfAbsent(topic, k -> new ArrayList<>(2)).add(w);
    waiting++;
    w.timer = vertx.setTimer(Math.max(1, waitNanos / 1_000_000), id -> {
      if (unpark(w) && !w.req.response().closed()) {
        answer.accept(w.req, w.topic);
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
    List<Waiter> list = waiters.get(w.topic);
    if (list == null || !list.remove(w)) {
      return false;
    }
    if (list.isEmpty()) {
      waiters.remove(w.topic);
    }
    waiting--;
    return true;
  }

  /**
   * The registry says topic's answer may have changed. Waiters are answered on the next turn of
   * the event loop, once the whole change (a disconnect touches many registrations) is applied.
   */
  void topicChanged(String topic) {
    if (!waiters.containsKey(topic)) {
      return;
    }
    changed.add(topic);
    if (!flushScheduled) {
      flushScheduled = true;
      vertx.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    List<String> topics = new ArrayList<>(changed);
    changed.clear();
    for (String topic : topics) {
      List<Waiter> list = waiters.remove(topic);
      if (list == null) {
        continue;
      }
      for (Waiter w : list) {
        waiting--;
        vertx.cancelTimer(w.timer);
        if (!w.req.response().closed()) {
          answer.accept(w.req, topic);
        }
      }
    }
  }

  int waiting() {
    return waiting;
  }
}
