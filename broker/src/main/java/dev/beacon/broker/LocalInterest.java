package dev.beacon.broker;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The one count of local (client) subscription interest, per subject: plain subscribers, and
 * members per queue group. Routes are told about it (RS+/RS-) and lookupd discovery registers a
 * projection of it; neither keeps a count of its own. Pure state, owned by the broker's context.
 */
public final class LocalInterest implements LocalInterestView {

  /** Receives (subject, queue-or-null, members) for each counted (subject, queue). */
  public interface Entry {
    void accept(String subject, String queue, int members);
  }

  // One entry per subject with local interest, in parallel arrays used as an open-addressing table
  // (linear probing, at most three quarters full): the subject, its plain subscribers, and its queue
  // groups' members (null while it has none, as for most subjects; the whole array is made with
  // the first queue group). A HashMap with a small object per subject costs about 64 bytes per
  // subject; this costs 8 to 12 bytes per slot, and a broker with a million distinct subscribed
  // subjects holds a million of them.
  private String[] subjects = new String[16];
  private int[] plain = new int[16];
  /** Null until the first queue group: most brokers have few or none. */
  private Map<String, int[]>[] queues;
  private int size;

  @SuppressWarnings("unchecked")
  private static Map<String, int[]>[] newQueues(int n) {
    return (Map<String, int[]>[]) new Map<?, ?>[n];
  }

  private Map<String, int[]> queuesAt(int i) {
    return queues == null ? null : queues[i];
  }

  private static int hash(String subject) {
    int h = subject.hashCode();
    return h ^ (h >>> 16);
  }

  /** The slot of {@code subject}, or -1. */
  private int find(String subject) {
    int mask = subjects.length - 1;
    for (int i = hash(subject) & mask; ; i = (i + 1) & mask) {
      String k = subjects[i];
      if (k == null) {
        return -1;
      }
      if (k.equals(subject)) {
        return i;
      }
    }
  }

  /** The slot of {@code subject}, made when absent. */
  private int slot(String subject) {
    int i = find(subject);
    if (i >= 0) {
      return i;
    }
    if ((size + 1) * 4 > subjects.length * 3) {
      String[] oldSubjects = subjects;
      int[] oldPlain = plain;
      Map<String, int[]>[] oldQueues = queues;
      int n = oldSubjects.length * 2;
      subjects = new String[n];
      plain = new int[n];
      queues = oldQueues == null ? null : newQueues(n);
      for (int j = 0; j < oldSubjects.length; j++) {
        if (oldSubjects[j] != null) {
          int at = free(oldSubjects[j]);
          subjects[at] = oldSubjects[j];
          plain[at] = oldPlain[j];
          if (queues != null) {
            queues[at] = oldQueues[j];
          }
        }
      }
    }
    i = free(subject);
    subjects[i] = subject;
    size++;
    return i;
  }

  private int free(String subject) {
    int mask = subjects.length - 1;
    int i = hash(subject) & mask;
    while (subjects[i] != null) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** Empties slot {@code i}, closing the gap so that every probe still finds its subject. */
  private void clear(int i) {
    int mask = subjects.length - 1;
    subjects[i] = null;
    plain[i] = 0;
    if (queues != null) {
      queues[i] = null;
    }
    size--;
    int hole = i;
    for (int j = (i + 1) & mask; subjects[j] != null; j = (j + 1) & mask) {
      int home = hash(subjects[j]) & mask;
      boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        subjects[hole] = subjects[j];
        plain[hole] = plain[j];
        subjects[j] = null;
        plain[j] = 0;
        if (queues != null) {
          queues[hole] = queues[j];
          queues[j] = null;
        }
        hole = j;
      }
    }
  }

  /** Counts one subscriber more; returns the members of (subject, queue) now. */
  public int add(String subject, String queue) {
    int i = slot(subject);
    if (queue == null) {
      return ++plain[i];
    }
    if (queues == null) {
      queues = newQueues(subjects.length);
    }
    if (queues[i] == null) {
      queues[i] = new HashMap<>(4);
    }
    return ++queues[i].computeIfAbsent(queue, k -> new int[1])[0];
  }

  /** Counts one subscriber less; returns the members of (subject, queue) now, or -1 if there were none. */
  public int remove(String subject, String queue) {
    int i = find(subject);
    if (i < 0) {
      return -1;
    }
    int n;
    if (queue == null) {
      if (plain[i] == 0) {
        return -1;
      }
      n = --plain[i];
    } else {
      int[] c = queuesAt(i) == null ? null : queues[i].get(queue);
      if (c == null) {
        return -1;
      }
      n = --c[0];
      if (n == 0) {
        queues[i].remove(queue);
        if (queues[i].isEmpty()) {
          queues[i] = null;
        }
      }
    }
    if (plain[i] == 0 && queuesAt(i) == null) {
      clear(i);
    }
    return n;
  }

  @Override
  public boolean hasSubject(String subject) {
    return find(subject) >= 0;
  }

  @Override
  public boolean hasQueue(String subject, String queue) {
    int i = find(subject);
    return i >= 0 && queuesAt(i) != null && queues[i].containsKey(queue);
  }

  @Override
  public void forEachSubject(BiConsumer<String, Set<String>> subjectAndQueues) {
    for (int i = 0; i < subjects.length; i++) {
      if (subjects[i] != null) {
        Map<String, int[]> q = queuesAt(i);
        subjectAndQueues.accept(subjects[i], q == null ? Set.of() : Collections.unmodifiableSet(q.keySet()));
      }
    }
  }

  /** Every counted (subject, queue) with its members: plain interest first, then each queue group. */
  public void forEach(Entry action) {
    for (int i = 0; i < subjects.length; i++) {
      if (subjects[i] == null) {
        continue;
      }
      if (plain[i] > 0) {
        action.accept(subjects[i], null, plain[i]);
      }
      if (queuesAt(i) != null) {
        for (Map.Entry<String, int[]> q : queues[i].entrySet()) {
          action.accept(subjects[i], q.getKey(), q.getValue()[0]);
        }
      }
    }
  }
}
