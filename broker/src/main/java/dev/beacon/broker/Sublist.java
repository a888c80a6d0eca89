package dev.beacon.broker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Subscription index (nats-server sublist.go): a trie of subject tokens with a '*' and a '>' slot
 * per level, plain and queue subscriptions per node, and a bounded direct-mapped match cache keyed
 * by the raw subject bytes and invalidated by a generation counter bumped on every insert/remove.
 * Subjects are byte strings ({@link Subjects#WIRE}): tokens compare as the bytes a client sent.
 * Single-threaded: owned by the broker's event loop.
 */
final class Sublist {

  /** What a subject matches: plain subscriptions and, per queue group, its members. */
  static final class Result {
    static final Result EMPTY = new Result(new Subscription[0], new Subscription[0][]);
    final Subscription[] psubs;
    final Subscription[][] qsubs;

    Result(Subscription[] psubs, Subscription[][] qsubs) {
      this.psubs = psubs;
      this.qsubs = qsubs;
    }
  }

  private static final class Node {
    Level next;
    final ArrayList<Subscription> psubs = new ArrayList<>(1);
    Map<String, ArrayList<Subscription>> qsubs;

    boolean isEmpty() {
      return psubs.isEmpty() && (qsubs == null || qsubs.isEmpty()) && (next == null || next.isEmpty());
    }
  }

  private static final class Level {
    final HashMap<String, Node> nodes = new HashMap<>();
    Node pwc;
    Node fwc;

    boolean isEmpty() {
      return nodes.isEmpty() && pwc == null && fwc == null;
    }
  }

  private static final class CacheEntry {
    byte[] key;
    int hash;
    long gen;
    Result result;
  }

  private final Level root = new Level();
  private final CacheEntry[] cache;
  private final int cacheMask;
  private long gen = 1;
  private int count;
  private long inserts;
  private long removes;
  private long matches;
  private long cacheHits;

  /** @param cacheSize number of cached subjects, rounded up to a power of two */
  Sublist(int cacheSize) {
    int size = Integer.highestOneBit(Math.max(1, cacheSize - 1)) << 1;
    cache = new CacheEntry[size];
    cacheMask = size - 1;
  }

  Sublist() {
    this(4096);
  }

  int count() {
    return count;
  }

  long inserts() {
    return inserts;
  }

  long removes() {
    return removes;
  }

  long matches() {
    return matches;
  }

  long cacheHits() {
    return cacheHits;
  }

  int cacheCount() {
    int n = 0;
    for (CacheEntry e : cache) {
      if (e != null && e.gen == gen) {
        n++;
      }
    }
    return n;
  }

  /** Inserts {@code s}; its subject must be valid ({@link Subjects#isValid}). */
  void insert(Subscription s) {
    String subject = s.subject;
    Level level = root;
    Node node = null;
    int start = 0;
    int n = subject.length();
    while (start <= n) {
      int dot = subject.indexOf('.', start);
      int end = dot < 0 ? n : dot;
      String token = subject.substring(start, end);
      if (token.equals("*")) {
        if (level.pwc == null) {
          level.pwc = new Node();
        }
        node = level.pwc;
      } else if (token.equals(">")) {
        if (level.fwc == null) {
          level.fwc = new Node();
        }
        node = level.fwc;
      } else {
        node = level.nodes.computeIfAbsent(token, t -> new Node());
      }
      start = end + 1;
      if (dot < 0) {
        break;
      }
      if (node.next == null) {
        node.next = new Level();
      }
      level = node.next;
    }
    if (s.queue == null) {
      node.psubs.add(s);
    } else {
      if (node.qsubs == null) {
        node.qsubs = new HashMap<>();
      }
      node.qsubs.computeIfAbsent(s.queue, q -> new ArrayList<>(2)).add(s);
    }
    count++;
    inserts++;
    gen++;
  }

  /** Removes {@code s}; returns false when it was not present. Empty nodes are pruned. */
  boolean remove(Subscription s) {
    boolean removed = remove(root, s.subject, 0, s);
    if (removed) {
      count--;
      removes++;
      gen++;
    }
    return removed;
  }

  private boolean remove(Level level, String subject, int start, Subscription s) {
    int dot = subject.indexOf('.', start);
    int end = dot < 0 ? subject.length() : dot;
    String token = subject.substring(start, end);
    Node node;
    if (token.equals("*")) {
      node = level.pwc;
    } else if (token.equals(">")) {
      node = level.fwc;
    } else {
      node = level.nodes.get(token);
    }
    if (node == null) {
      return false;
    }
    boolean removed;
    if (dot >= 0) {
      removed = node.next != null && remove(node.next, subject, end + 1, s);
    } else if (s.queue == null) {
      removed = removeIdentity(node.psubs, s);
    } else {
      ArrayList<Subscription> q = node.qsubs == null ? null : node.qsubs.get(s.queue);
      removed = q != null && removeIdentity(q, s);
      if (removed && q.isEmpty()) {
        node.qsubs.remove(s.queue);
      }
    }
    if (removed && node.isEmpty()) {
      if (token.equals("*")) {
        level.pwc = null;
      } else if (token.equals(">")) {
        level.fwc = null;
      } else {
        level.nodes.remove(token);
      }
    }
    return removed;
  }

  private static boolean removeIdentity(ArrayList<Subscription> list, Subscription s) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == s) {
        list.remove(i);
        return true;
      }
    }
    return false;
  }

  /** Matches a literal subject given as bytes; a cache hit allocates nothing. */
  Result match(byte[] b, int off, int len) {
    matches++;
    int h = 1;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + b[i];
    }
    h ^= h >>> 16;
    CacheEntry e = cache[h & cacheMask];
    if (e != null && e.gen == gen && e.hash == h
        && Arrays.equals(e.key, 0, e.key.length, b, off, off + len)) {
      cacheHits++;
      return e.result;
    }
    Result r = matchSlow(new String(b, off, len, Subjects.WIRE));
    if (e == null) {
      e = new CacheEntry();
      cache[h & cacheMask] = e;
    }
    e.key = Arrays.copyOfRange(b, off, off + len);
    e.hash = h;
    e.gen = gen;
    e.result = r;
    return r;
  }

  /** Matches a literal subject given as a byte string ({@link Subjects#WIRE}; uncached; for tests and monitoring). */
  Result match(String subject) {
    return matchSlow(subject);
  }

  private Result matchSlow(String subject) {
    List<String> tokens = new ArrayList<>(8);
    int start = 0;
    while (true) {
      int dot = subject.indexOf('.', start);
      if (dot < 0) {
        tokens.add(subject.substring(start));
        break;
      }
      tokens.add(subject.substring(start, dot));
      start = dot + 1;
    }
    for (String t : tokens) {
      if (t.isEmpty()) {
        return Result.EMPTY;
      }
    }
    ArrayList<Subscription> psubs = new ArrayList<>();
    LinkedHashMap<String, ArrayList<Subscription>> qsubs = new LinkedHashMap<>();
    collect(root, tokens, 0, psubs, qsubs);
    if (psubs.isEmpty() && qsubs.isEmpty()) {
      return Result.EMPTY;
    }
    Subscription[][] q = new Subscription[qsubs.size()][];
    int i = 0;
    for (ArrayList<Subscription> members : qsubs.values()) {
      q[i++] = members.toArray(new Subscription[0]);
    }
    return new Result(psubs.toArray(new Subscription[0]), q);
  }

  private static void collect(Level level, List<String> tokens, int i,
      ArrayList<Subscription> psubs, Map<String, ArrayList<Subscription>> qsubs) {
    if (level == null) {
      return;
    }
    if (level.fwc != null) {
      add(level.fwc, psubs, qsubs);
    }
    boolean last = i == tokens.size() - 1;
    if (level.pwc != null) {
      if (last) {
        add(level.pwc, psubs, qsubs);
      } else {
        collect(level.pwc.next, tokens, i + 1, psubs, qsubs);
      }
    }
    Node n = level.nodes.get(tokens.get(i));
    if (n != null) {
      if (last) {
        add(n, psubs, qsubs);
      } else {
        collect(n.next, tokens, i + 1, psubs, qsubs);
      }
    }
  }

  private static void add(Node n, ArrayList<Subscription> psubs, Map<String, ArrayList<Subscription>> qsubs) {
    psubs.addAll(n.psubs);
    if (n.qsubs != null) {
      for (Map.Entry<String, ArrayList<Subscription>> e : n.qsubs.entrySet()) {
        qsubs.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(e.getValue());
      }
    }
  }

  /** Every subscription in the list (monitoring). */
  void forEach(Consumer<Subscription> action) {
    forEach(root, action);
  }

  private static void forEach(Level level, Consumer<Subscription> action) {
    if (level == null) {
      return;
    }
    for (Node n : level.nodes.values()) {
      forEach(n, action);
    }
    if (level.pwc != null) {
      forEach(level.pwc, action);
    }
    if (level.fwc != null) {
      forEach(level.fwc, action);
    }
  }

  private static void forEach(Node n, Consumer<Subscription> action) {
    n.psubs.forEach(action);
    if (n.qsubs != null) {
      n.qsubs.values().forEach(l -> l.forEach(action));
    }
    forEach(n.next, action);
  }
}
