package dev.beacon.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One client's {@link Permissions} with the state nats-server keeps beside them per connection:
 * the publish answers already worked out (a bounded cache keyed by the subject's bytes, so a
 * repeated publish subject costs a hash and a compare, no allocation), the reply subjects of
 * requests delivered to it (allow-responses), and, once a wildcard subscription overlaps the
 * subscribe deny list, the delivery-time deny check with its own cache. Owned by the connection's
 * event loop; no locks.
 */
final class ClientPermissions {
  /** Reply subjects remembered for allow-responses before expired and used-up ones are pruned (nats-server's replyPermLimit). */
  static final int REPLY_LIMIT = 4096;

  final Permissions perms;
  private final SubjectCache pubCache = new SubjectCache();
  /** reply subject -> [nanoTime delivered, replies sent]; insertion order, so the oldest go first past the limit. */
  private final LinkedHashMap<String, long[]> replies;
  /** Non-null once a wildcard subscription overlaps the subscribe deny list (nats-server's mperms). */
  private SubjectCache denyCache;

  ClientPermissions(Permissions perms) {
    this.perms = perms;
    this.replies = perms.responses() == null ? null : new LinkedHashMap<>();
  }

  /** nats-server's pubAllowedFullCheck: the lists (cached), then a reply subject this client was sent a request with. */
  boolean canPublish(byte[] b, int off, int len) {
    if (!perms.checksPublish()) {
      return true;
    }
    int cached = pubCache.get(b, off, len);
    boolean allowed;
    if (cached >= 0) {
      allowed = cached == 1;
    } else {
      allowed = perms.publishListed(new String(b, off, len, StandardCharsets.UTF_8));
      if (allowed || replies == null) {
        pubCache.put(b, off, len, allowed);
      }
    }
    if (!allowed && replies != null) {
      allowed = response(new String(b, off, len, StandardCharsets.UTF_8));
    }
    return allowed;
  }

  /** A publish to a remembered reply subject: allowed while under max replies and within expires. */
  private boolean response(String subject) {
    long[] r = replies.get(subject);
    if (r == null) {
      return false;
    }
    Permissions.Responses rp = perms.responses();
    r[1]++;
    if (rp.max() > 0 && r[1] > rp.max()) {
      replies.remove(subject);
      return false;
    }
    if (expired(r, rp, System.nanoTime())) {
      replies.remove(subject);
      return false;
    }
    return true;
  }

  private static boolean expired(long[] r, Permissions.Responses rp, long now) {
    return !rp.expires().isNegative() && !rp.expires().isZero() && now - r[0] > rp.expires().toNanos();
  }

  /**
   * A message with a reply subject was delivered to this client: it may answer it (allow-responses).
   * Past {@link #REPLY_LIMIT} entries the used-up and expired ones go, then the oldest.
   */
  void delivered(byte[] b, int off, int len) {
    if (replies == null || len <= 0) {
      return;
    }
    long now = System.nanoTime();
    replies.put(new String(b, off, len, StandardCharsets.UTF_8), new long[] {now, 0});
    if (replies.size() > REPLY_LIMIT) {
      Permissions.Responses rp = perms.responses();
      for (Iterator<long[]> it = replies.values().iterator(); it.hasNext(); ) {
        long[] r = it.next();
        if ((rp.max() > 0 && r[1] >= rp.max()) || expired(r, rp, now)) {
          it.remove();
        }
      }
      for (Iterator<Map.Entry<String, long[]>> it = replies.entrySet().iterator(); replies.size() > REPLY_LIMIT; ) {
        it.next();
        it.remove();
      }
    }
  }

  /** Reply subjects currently remembered (tests). */
  int replies() {
    return replies == null ? 0 : replies.size();
  }

  /** nats-server's canSubscribe; an allowed wildcard subscription that overlaps a deny entry turns the delivery check on. */
  boolean canSubscribe(String subject, String queue) {
    boolean allowed = perms.canSubscribe(subject, queue);
    if (allowed && denyCache == null && perms.needsDeliveryCheck(subject)) {
      denyCache = new SubjectCache();
    }
    return allowed;
  }

  /** True when a message on this subject must not be delivered to this client (subscribe deny list, wildcard subscriptions). */
  boolean deniedAtDelivery(byte[] b, int off, int len) {
    if (denyCache == null) {
      return false;
    }
    int cached = denyCache.get(b, off, len);
    if (cached >= 0) {
      return cached == 1;
    }
    boolean denied = perms.subDeny().matchesPlain(new String(b, off, len, StandardCharsets.UTF_8));
    denyCache.put(b, off, len, denied);
    return denied;
  }

  /**
   * Subject bytes -> a yes/no answer, open addressing, at most {@link #MAX} entries: when full it is
   * emptied (nats-server prunes its permission caches the same way, by size).
   */
  static final class SubjectCache {
    static final int SLOTS = 512;
    static final int MAX = SLOTS / 2;
    private final byte[][] keys = new byte[SLOTS][];
    private final boolean[] values = new boolean[SLOTS];
    private int size;

    /** 1 yes, 0 no, -1 unknown. */
    int get(byte[] b, int off, int len) {
      for (int i = hash(b, off, len) & (SLOTS - 1), n = 0; n < SLOTS; i = (i + 1) & (SLOTS - 1), n++) {
        byte[] k = keys[i];
        if (k == null) {
          return -1;
        }
        if (Arrays.equals(k, 0, k.length, b, off, off + len)) {
          return values[i] ? 1 : 0;
        }
      }
      return -1;
    }

    void put(byte[] b, int off, int len, boolean value) {
      if (size >= MAX) {
        Arrays.fill(keys, null);
        size = 0;
      }
      int i = hash(b, off, len) & (SLOTS - 1);
      while (keys[i] != null) {
        i = (i + 1) & (SLOTS - 1);
      }
      keys[i] = Arrays.copyOfRange(b, off, off + len);
      values[i] = value;
      size++;
    }

    int size() {
      return size;
    }

    private static int hash(byte[] b, int off, int len) {
      int h = 0x811c9dc5;
      for (int i = off; i < off + len; i++) {
        h = (h ^ b[i]) * 0x01000193;
      }
      return h ^ (h >>> 16);
    }
  }
}
