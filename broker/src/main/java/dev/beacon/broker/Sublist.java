package dev.beacon.broker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

  /**
   * One token of a subject at one level. Its token is not a String of its own: it is the chars
   * {@code [keyOff, keyOff + keyLen)} of {@code keySrc}, the subject of the subscription that made the
   * node (a million distinct subjects would otherwise hold a million token Strings and as many
   * HashMap entries). Plain subscriptions are held as one Subscription while there is one (the common
   * case: a distinct subject per subscriber) and as an ArrayList from the second on.
   */
  private static final class Node {
    final String keySrc;
    final int keyOff;
    final int keyLen;
    final int hash;
    Level next;
    /** Null, one Subscription, or an ArrayList of two or more. */
    Object psubs;
    Map<String, ArrayList<Subscription>> qsubs;

    Node(String keySrc, int keyOff, int keyLen, int hash) {
      this.keySrc = keySrc;
      this.keyOff = keyOff;
      this.keyLen = keyLen;
      this.hash = hash;
    }

    boolean isEmpty() {
      return psubs == null && (qsubs == null || qsubs.isEmpty()) && (next == null || next.isEmpty());
    }

    void addPlain(Subscription s) {
      if (psubs == null) {
        psubs = s;
      } else if (psubs instanceof Subscription one) {
        ArrayList<Subscription> list = new ArrayList<>(4);
        list.add(one);
        list.add(s);
        psubs = list;
      } else {
        plainList().add(s);
      }
    }

    boolean removePlain(Subscription s) {
      if (psubs == s) {
        psubs = null;
        return true;
      }
      if (!(psubs instanceof ArrayList)) {
        return false;
      }
      ArrayList<Subscription> list = plainList();
      if (!removeIdentity(list, s)) {
        return false;
      }
      if (list.size() == 1) {
        psubs = list.get(0);
      }
      return true;
    }

    void plainTo(ArrayList<Subscription> out) {
      if (psubs instanceof Subscription one) {
        out.add(one);
      } else if (psubs != null) {
        out.addAll(plainList());
      }
    }

    void forEachPlain(Consumer<Subscription> action) {
      if (psubs instanceof Subscription one) {
        action.accept(one);
      } else if (psubs != null) {
        plainList().forEach(action);
      }
    }

    @SuppressWarnings("unchecked")
    private ArrayList<Subscription> plainList() {
      return (ArrayList<Subscription>) psubs;
    }
  }

  /**
   * The literal tokens of one level in an open-addressing table (linear probing, at most three
   * quarters full, made with the first token and dropped with the last), plus the '*' and '>' nodes.
   */
  private static final class Level {
    Node[] table;
    int size;
    Node pwc;
    Node fwc;

    boolean isEmpty() {
      return size == 0 && pwc == null && fwc == null;
    }

    Node get(String src, int off, int len, int hash) {
      Node[] t = table;
      if (t == null) {
        return null;
      }
      int mask = t.length - 1;
      for (int i = hash & mask; ; i = (i + 1) & mask) {
        Node n = t[i];
        if (n == null) {
          return null;
        }
        if (n.hash == hash && n.keyLen == len && src.regionMatches(off, n.keySrc, n.keyOff, len)) {
          return n;
        }
      }
    }

    /** The node of the token, made (keyed by {@code src}'s chars) when absent. */
    Node getOrAdd(String src, int off, int len, int hash) {
      Node n = get(src, off, len, hash);
      if (n != null) {
        return n;
      }
      if (table == null) {
        table = new Node[4];
      } else if ((size + 1) * 4 > table.length * 3) {
        Node[] old = table;
        table = new Node[old.length * 2];
        for (Node o : old) {
          if (o != null) {
            place(o);
          }
        }
      }
      n = new Node(src, off, len, hash);
      place(n);
      size++;
      return n;
    }

    private void place(Node n) {
      int mask = table.length - 1;
      int i = n.hash & mask;
      while (table[i] != null) {
        i = (i + 1) & mask;
      }
      table[i] = n;
    }

    /** Removes {@code n} (which is in the table), closing the gap so every probe still finds its node. */
    void remove(Node n) {
      Node[] t = table;
      int mask = t.length - 1;
      int i = n.hash & mask;
      while (t[i] != n) {
        i = (i + 1) & mask;
      }
      t[i] = null;
      size--;
      if (size == 0) {
        table = null;
        return;
      }
      // Backward-shift deletion: move up every following node of the run whose home slot is not
      // between the hole and itself.
      int hole = i;
      for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
        int home = t[j].hash & mask;
        boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
        if (!stays) {
          t[hole] = t[j];
          t[j] = null;
          hole = j;
        }
      }
    }

    void forEachNode(Consumer<Node> action) {
      if (table != null) {
        for (Node n : table) {
          if (n != null) {
            action.accept(n);
          }
        }
      }
    }
  }

  /** Hash of the chars {@code [off, off + len)} of a byte string (one char per byte). */
  private static int tokenHash(String src, int off, int len) {
    int h = 1;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + src.charAt(i);
    }
    return h ^ (h >>> 16);
  }

  private static boolean isToken(String src, int off, int len, char c) {
    return len == 1 && src.charAt(off) == c;
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
      int len = end - start;
      if (isToken(subject, start, len, '*')) {
        if (level.pwc == null) {
          level.pwc = new Node(subject, start, len, 0);
        }
        node = level.pwc;
      } else if (isToken(subject, start, len, '>')) {
        if (level.fwc == null) {
          level.fwc = new Node(subject, start, len, 0);
        }
        node = level.fwc;
      } else {
        node = level.getOrAdd(subject, start, len, tokenHash(subject, start, len));
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
      node.addPlain(s);
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
    int len = end - start;
    boolean pwc = isToken(subject, start, len, '*');
    boolean fwc = !pwc && isToken(subject, start, len, '>');
    Node node;
    if (pwc) {
      node = level.pwc;
    } else if (fwc) {
      node = level.fwc;
    } else {
      node = level.get(subject, start, len, tokenHash(subject, start, len));
    }
    if (node == null) {
      return false;
    }
    boolean removed;
    if (dot >= 0) {
      removed = node.next != null && remove(node.next, subject, end + 1, s);
      if (removed && node.next.isEmpty()) {
        node.next = null;
      }
    } else if (s.queue == null) {
      removed = node.removePlain(s);
    } else {
      ArrayList<Subscription> q = node.qsubs == null ? null : node.qsubs.get(s.queue);
      removed = q != null && removeIdentity(q, s);
      if (removed && q.isEmpty()) {
        node.qsubs.remove(s.queue);
        if (node.qsubs.isEmpty()) {
          node.qsubs = null;
        }
      }
    }
    if (removed && node.isEmpty()) {
      if (pwc) {
        level.pwc = null;
      } else if (fwc) {
        level.fwc = null;
      } else {
        level.remove(node);
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
    // Token boundaries: token i is [starts[i], ends[i]) of subject.
    int tokens = 1;
    for (int i = 0; i < subject.length(); i++) {
      if (subject.charAt(i) == '.') {
        tokens++;
      }
    }
    int[] starts = new int[tokens];
    int[] ends = new int[tokens];
    int start = 0;
    for (int t = 0; t < tokens; t++) {
      int dot = subject.indexOf('.', start);
      int end = dot < 0 ? subject.length() : dot;
      if (end == start) {
        return Result.EMPTY;
      }
      starts[t] = start;
      ends[t] = end;
      start = end + 1;
    }
    ArrayList<Subscription> psubs = new ArrayList<>();
    LinkedHashMap<String, ArrayList<Subscription>> qsubs = new LinkedHashMap<>();
    collect(root, subject, starts, ends, 0, psubs, qsubs);
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

  private static void collect(Level level, String subject, int[] starts, int[] ends, int i,
      ArrayList<Subscription> psubs, Map<String, ArrayList<Subscription>> qsubs) {
    if (level == null) {
      return;
    }
    if (level.fwc != null) {
      add(level.fwc, psubs, qsubs);
    }
    boolean last = i == starts.length - 1;
    if (level.pwc != null) {
      if (last) {
        add(level.pwc, psubs, qsubs);
      } else {
        collect(level.pwc.next, subject, starts, ends, i + 1, psubs, qsubs);
      }
    }
    int len = ends[i] - starts[i];
    Node n = level.get(subject, starts[i], len, tokenHash(subject, starts[i], len));
    if (n != null) {
      if (last) {
        add(n, psubs, qsubs);
      } else {
        collect(n.next, subject, starts, ends, i + 1, psubs, qsubs);
      }
    }
  }

  private static void add(Node n, ArrayList<Subscription> psubs, Map<String, ArrayList<Subscription>> qsubs) {
    n.plainTo(psubs);
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
    level.forEachNode(n -> forEach(n, action));
    if (level.pwc != null) {
      forEach(level.pwc, action);
    }
    if (level.fwc != null) {
      forEach(level.fwc, action);
    }
  }

  private static void forEach(Node n, Consumer<Subscription> action) {
    n.forEachPlain(action);
    if (n.qsubs != null) {
      n.qsubs.values().forEach(l -> l.forEach(action));
    }
    forEach(n.next, action);
  }
}
