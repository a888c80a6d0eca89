package dev.beacon.broker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Local (client) interest, counted per subject and per subject+queue (nats-server route.go): a plain
 * subject sends RS+ to every route on 0 -> 1 and RS- on 1 -> 0; a queue group sends RS+ with its new
 * weight on every change and RS- at 0. Also tells the {@link Broker.InterestListener}s about every
 * local subscription added or removed.
 */
final class Interest {
  private final Broker broker;
  private final Map<String, int[]> counts = new HashMap<>();
  private final List<Broker.InterestListener> listeners = new ArrayList<>();

  Interest(Broker broker) {
    this.broker = broker;
  }

  void addListener(Broker.InterestListener l) {
    listeners.add(l);
  }

  void added(Subscription s) {
    int n = ++counts.computeIfAbsent(key(s), k -> new int[1])[0];
    if (s.queue != null || n == 1) {
      for (RouteConnection r : broker.routes.all()) {
        r.sendSub(s.subject, s.queue, n);
      }
    }
    tell(s, true);
  }

  void removed(Subscription s) {
    String key = key(s);
    int[] c = counts.get(key);
    if (c == null) {
      return;
    }
    int n = --c[0];
    if (n == 0) {
      counts.remove(key);
      for (RouteConnection r : broker.routes.all()) {
        r.sendUnsub(s.subject, s.queue);
      }
    } else if (s.queue != null) {
      for (RouteConnection r : broker.routes.all()) {
        r.sendSub(s.subject, s.queue, n);
      }
    }
    tell(s, false);
  }

  private void tell(Subscription s, boolean added) {
    for (Broker.InterestListener l : listeners) {
      try {
        l.onInterest(s.subject, s.queue, added);
      } catch (RuntimeException e) {
        // A listener bug must not break the client whose SUB/UNSUB triggered it.
        broker.log("interest listener failed: " + e);
      }
    }
  }

  /** Sends all local interest to a route that just came up. */
  void sendAll(RouteConnection r) {
    for (Map.Entry<String, int[]> e : counts.entrySet()) {
      String k = e.getKey();
      int sp = k.indexOf(' ');
      if (sp < 0) {
        r.sendSub(k, null, e.getValue()[0]);
      } else {
        r.sendSub(k.substring(0, sp), k.substring(sp + 1), e.getValue()[0]);
      }
    }
  }

  private static String key(Subscription s) {
    return s.queue == null ? s.subject : s.subject + " " + s.queue;
  }
}
