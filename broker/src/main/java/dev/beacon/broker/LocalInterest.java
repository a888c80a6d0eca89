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

  /**
   * What one subject has locally. {@code queues} is made for the first queue group only: most
   * subjects have plain subscribers alone, and one subject is counted per distinct subscribed subject
   * (an empty map would cost 48 bytes for each of a million subjects).
   */
  private static final class SubjectInterest {
    int plain;
    /** Members per queue group, or null while there is none. */
    Map<String, int[]> queues;

    boolean isEmpty() {
      return plain == 0 && (queues == null || queues.isEmpty());
    }
  }

  /** Receives (subject, queue-or-null, members) for each counted (subject, queue). */
  public interface Entry {
    void accept(String subject, String queue, int members);
  }

  private final Map<String, SubjectInterest> bySubject = new HashMap<>();

  /** Counts one subscriber more; returns the members of (subject, queue) now. */
  public int add(String subject, String queue) {
    SubjectInterest s = bySubject.computeIfAbsent(subject, k -> new SubjectInterest());
    if (queue == null) {
      return ++s.plain;
    }
    if (s.queues == null) {
      s.queues = new HashMap<>(4);
    }
    return ++s.queues.computeIfAbsent(queue, k -> new int[1])[0];
  }

  /** Counts one subscriber less; returns the members of (subject, queue) now, or -1 if there were none. */
  public int remove(String subject, String queue) {
    SubjectInterest s = bySubject.get(subject);
    if (s == null) {
      return -1;
    }
    int n;
    if (queue == null) {
      if (s.plain == 0) {
        return -1;
      }
      n = --s.plain;
    } else {
      int[] c = s.queues == null ? null : s.queues.get(queue);
      if (c == null) {
        return -1;
      }
      n = --c[0];
      if (n == 0) {
        s.queues.remove(queue);
      }
    }
    if (s.isEmpty()) {
      bySubject.remove(subject);
    }
    return n;
  }

  @Override
  public boolean hasSubject(String subject) {
    return bySubject.containsKey(subject);
  }

  @Override
  public boolean hasQueue(String subject, String queue) {
    SubjectInterest s = bySubject.get(subject);
    return s != null && s.queues != null && s.queues.containsKey(queue);
  }

  @Override
  public void forEachSubject(BiConsumer<String, Set<String>> subjectAndQueues) {
    for (Map.Entry<String, SubjectInterest> e : bySubject.entrySet()) {
      Map<String, int[]> queues = e.getValue().queues;
      subjectAndQueues.accept(e.getKey(), queues == null ? Set.of() : Collections.unmodifiableSet(queues.keySet()));
    }
  }

  /** Every counted (subject, queue) with its members: plain interest first, then each queue group. */
  public void forEach(Entry action) {
    for (Map.Entry<String, SubjectInterest> e : bySubject.entrySet()) {
      SubjectInterest s = e.getValue();
      if (s.plain > 0) {
        action.accept(e.getKey(), null, s.plain);
      }
      if (s.queues == null) {
        continue;
      }
      for (Map.Entry<String, int[]> q : s.queues.entrySet()) {
        action.accept(e.getKey(), q.getKey(), q.getValue()[0]);
      }
    }
  }
}
