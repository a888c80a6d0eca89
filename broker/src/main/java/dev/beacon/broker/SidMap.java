package dev.beacon.broker;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One client's subscriptions by sid: an open-addressing table (linear probing, at most three
 * quarters full) of the {@link Subscription}s themselves, keyed by their {@code sidBytes}. A
 * HashMap would add a 32-byte entry per subscription and need the sid as a String of its own
 * besides the bytes MSG frames are written from; a client with many subscriptions holds neither
 * here. The table is made with the first subscription and dropped with the last. Owned by the
 * broker's event loop.
 */
final class SidMap {
  private Subscription[] table;
  private int size;

  int size() {
    return size;
  }

  /** The subscription whose sid is {@code sid} (a byte string, one char per byte), or null. */
  Subscription get(String sid) {
    Subscription[] t = table;
    if (t == null) {
      return null;
    }
    int mask = t.length - 1;
    for (int i = hash(sid) & mask; ; i = (i + 1) & mask) {
      Subscription s = t[i];
      if (s == null) {
        return null;
      }
      if (sameSid(s.sidBytes, sid)) {
        return s;
      }
    }
  }

  /** Adds {@code s}, whose sid must not be in the map yet. */
  void add(Subscription s) {
    if (table == null) {
      table = new Subscription[4];
    } else if ((size + 1) * 4 > table.length * 3) {
      Subscription[] old = table;
      table = new Subscription[old.length * 2];
      for (Subscription o : old) {
        if (o != null) {
          place(o);
        }
      }
    }
    place(s);
    size++;
  }

  private void place(Subscription s) {
    int mask = table.length - 1;
    int i = hash(s.sidBytes) & mask;
    while (table[i] != null) {
      i = (i + 1) & mask;
    }
    table[i] = s;
  }

  /** Removes {@code s} (by identity); false when it is not in the map. */
  boolean remove(Subscription s) {
    Subscription[] t = table;
    if (t == null) {
      return false;
    }
    int mask = t.length - 1;
    int i = hash(s.sidBytes) & mask;
    while (t[i] != s) {
      if (t[i] == null) {
        return false;
      }
      i = (i + 1) & mask;
    }
    t[i] = null;
    size--;
    if (size == 0) {
      table = null;
      return true;
    }
    // Backward-shift deletion: move up every following entry of the run whose home slot is not
    // between the hole and itself, so every probe still finds its entry.
    int hole = i;
    for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
      int home = hash(t[j].sidBytes) & mask;
      boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        t[hole] = t[j];
        t[j] = null;
        hole = j;
      }
    }
    return true;
  }

  void forEach(Consumer<Subscription> action) {
    if (table != null) {
      for (Subscription s : table) {
        if (s != null) {
          action.accept(s);
        }
      }
    }
  }

  /** A snapshot, for changing the map while going through it. */
  Subscription[] toArray() {
    if (table == null) {
      return new Subscription[0];
    }
    return Arrays.stream(table).filter(s -> s != null).toArray(Subscription[]::new);
  }

  private static int hash(byte[] b) {
    int h = 1;
    for (byte x : b) {
      h = 31 * h + (x & 0xff);
    }
    return h ^ (h >>> 16);
  }

  private static int hash(String s) {
    int h = 1;
    for (int i = 0; i < s.length(); i++) {
      h = 31 * h + s.charAt(i);
    }
    return h ^ (h >>> 16);
  }

  private static boolean sameSid(byte[] b, String s) {
    if (b.length != s.length()) {
      return false;
    }
    for (int i = 0; i < b.length; i++) {
      if ((b[i] & 0xff) != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
