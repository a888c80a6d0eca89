package dev.beacon.broker;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The hot path: one published (or routed) message to every matching subscription. Frames are
 * appended to each target's outbound buffer (flushed once per incoming chunk by the broker); a
 * route gets at most one RMSG per message, carrying the queue groups it was picked for. A message
 * that came from a route only goes to local clients (one hop).
 */
final class Deliver {
  private final Broker broker;
  private final long maxPending;
  /** Half of max-pending: past it a consumer's stall gate is open. */
  private final long stallMark;
  private RouteConnection[] touched = new RouteConnection[4];
  private int touchedCount;
  private long epoch;

  Deliver(Broker broker) {
    this.broker = broker;
    this.maxPending = broker.options().maxPending();
    this.stallMark = maxPending / 2;
  }

  /** {@code from} is null for a message the broker publishes itself (NSQ PUB). */
  void process(Conn from, Parser p) {
    boolean fromRoute = from instanceof RouteConnection;
    ClientConnection pub = fromRoute ? null : (ClientConnection) from;
    Stats st = broker.stats;
    st.inMsgs++;
    st.inBytes += p.payloadLen;
    if (from != null) {
      from.inMsgs++;
    }
    // A dropped payload had no interest when its PUB line was parsed: nothing to deliver it with.
    Sublist.Result r = p.payloadDropped ? Sublist.Result.EMPTY : broker.sublist.match(p.args, p.subjectOff, p.subjectLen);
    int delivered = 0;
    epoch++;
    touchedCount = 0;
    for (Subscription s : r.psubs) {
      if (s.closed) {
        continue;
      }
      if (s.sink != null) {
        sink(s, p);
        delivered++;
        continue;
      }
      if (s.owner instanceof RouteConnection rc) {
        if (!fromRoute) {
          touch(rc);
        }
        continue;
      }
      ClientConnection c = (ClientConnection) s.owner;
      if (c == pub && !c.echo) {
        continue;
      }
      if (msg(c, s, p, pub)) {
        delivered++;
      }
    }
    for (Subscription[] group : r.qsubs) {
      if (fromRoute && !named(p, group[0].queueBytes)) {
        continue;
      }
      Subscription s = pick(group, pub, fromRoute);
      if (s == null) {
        continue;
      }
      if (s.sink != null) {
        sink(s, p);
        delivered++;
      } else if (s.owner instanceof RouteConnection rc) {
        touch(rc);
        rc.addQueue(s.queueBytes);
        delivered++;
      } else if (msg((ClientConnection) s.owner, s, p, pub) || otherMember(group, s, pub, p)) {
        delivered++;
      }
    }
    for (int i = 0; i < touchedCount; i++) {
      RouteConnection rc = touched[i];
      touched[i] = null;
      rc.routeMsg(p);
      if (pub != null) {
        gate(pub, rc);
      }
      delivered++;
    }
    if (delivered == 0 && pub != null && p.replyLen >= 0 && pub.noResponders) {
      noResponders(pub, p);
    }
  }

  /**
   * The picked member refused the message (its subscribe deny list covers the subject): as
   * nats-server, another local member of the group gets it. Rare, so a plain scan.
   */
  private boolean otherMember(Subscription[] group, Subscription refused, ClientConnection pub, Parser p) {
    for (Subscription o : group) {
      if (o != refused && o.owner instanceof ClientConnection c && weight(o, pub, false) > 0 && msg(c, o, p, pub)) {
        return true;
      }
    }
    return false;
  }

  private void touch(RouteConnection rc) {
    if (rc.touchEpoch == epoch) {
      return;
    }
    rc.touchEpoch = epoch;
    rc.queueCount = 0;
    if (touchedCount == touched.length) {
      touched = Arrays.copyOf(touched, touchedCount * 2);
    }
    touched[touchedCount++] = rc;
  }

  private static boolean named(Parser p, byte[] queue) {
    for (int i = 0; i < p.queueCount; i++) {
      if (Arrays.equals(p.args, p.queueOff[i], p.queueOff[i] + p.queueLen[i], queue, 0, queue.length)) {
        return true;
      }
    }
    return false;
  }

  /** One member of a queue group, chosen uniformly over members (a route counts its weight). */
  private static Subscription pick(Subscription[] group, ClientConnection pub, boolean fromRoute) {
    int total = 0;
    for (Subscription s : group) {
      total += weight(s, pub, fromRoute);
    }
    if (total == 0) {
      return null;
    }
    int r = group.length == 1 ? 0 : ThreadLocalRandom.current().nextInt(total);
    for (Subscription s : group) {
      int w = weight(s, pub, fromRoute);
      if (r < w) {
        return s;
      }
      r -= w;
    }
    return null;
  }

  private static int weight(Subscription s, ClientConnection pub, boolean fromRoute) {
    if (s.closed) {
      return 0;
    }
    if (s.owner instanceof RouteConnection) {
      return fromRoute ? 0 : s.weight;
    }
    return pub != null && s.owner == pub && !pub.echo ? 0 : 1;
  }

  /** The payload (without headers) to a subscription of the broker itself. */
  private void sink(Subscription s, Parser p) {
    int skip = p.headerLen >= 0 ? p.headerLen : 0;
    int size = p.payloadLen - skip;
    broker.stats.outMsgs++;
    broker.stats.outBytes += size;
    s.delivered++;
    s.sink.deliver(p.payload, p.payloadOff + skip, size);
  }

  /**
   * A client published to {@code to}: when its pending bytes are past half of max-pending (its
   * stall gate is open) the publisher is told, and stalls at the end of its read.
   */
  private void gate(ClientConnection pub, Conn to) {
    if (!to.closed) {
      long pending = to.out.pendingBytes();
      if (pending > stallMark) {
        pub.noteStall(to, pending);
      }
    }
  }

  /**
   * MSG or HMSG to one client subscription; headers are stripped for clients that did not ask for
   * them. Not to a client whose subscribe deny list covers the subject (its wildcard subscription
   * reached it). A request's reply subject becomes one the client may answer (allow-responses).
   * Returns whether it was written. {@code pub}: the publishing client, null for a message from a
   * route or from the broker itself.
   */
  boolean msg(ClientConnection c, Subscription s, Parser p, ClientConnection pub) {
    if (c.closed) {
      return false;
    }
    ClientPermissions perms = c.perms;
    if (perms != null) {
      if (perms.deniedAtDelivery(p.args, p.subjectOff, p.subjectLen)) {
        return false;
      }
      if (p.replyLen > 0) {
        perms.delivered(p.args, p.replyOff, p.replyLen);
      }
    }
    int size = Frames.msg(c.out, p, s.sidBytes, c.headers);
    c.outMsgs++;
    c.outBytes += size;
    broker.stats.outMsgs++;
    broker.stats.outBytes += size;
    c.done();
    if (c.overLimit(maxPending)) {
      c.slowConsumer();
      return true;
    }
    if (pub != null) {
      gate(pub, c);
    }
    s.delivered++;
    if (s.max > 0 && s.delivered >= s.max) {
      c.removeSub(s);
    }
    return true;
  }

  /** The 503 status a requester asked for (CONNECT no_responders) when nobody got its request. */
  private void noResponders(ClientConnection pub, Parser p) {
    Sublist.Result r = broker.sublist.match(p.args, p.replyOff, p.replyLen);
    for (Subscription s : r.psubs) {
      if (s.owner == pub && !s.closed) {
        Frames.noResponders(pub.out, p, s.sidBytes);
        pub.done();
        return;
      }
    }
  }
}
