package dev.beacon.broker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of permission subjects ({@code foo.*}, {@code foo.>}, or {@code "subject queue"} for a
 * queue group) matched against a subject exactly as nats-server's sublist matches: a {@code *}
 * or {@code >} in the subject being checked is not a wildcard there, it only meets the same kind
 * of wildcard (or a wider one) in the filter. So {@code foo.>} allows SUB {@code foo.*}, while
 * {@code foo.bar} does not. Immutable once built; no Vert.x, no locks.
 */
final class PermissionFilter {

  /** What one subject matched: whether any plain entry did, and the queue names of queue entries that did. */
  static final class Result {
    boolean plain;
    final List<String> queues = new ArrayList<>(2);

    void clear() {
      plain = false;
      queues.clear();
    }
  }

  private static final class Node {
    final Map<String, Node> literals = new HashMap<>();
    Node pwc;
    Node fwc;
    boolean plain;
    List<String> queues;
  }

  private final Node root = new Node();
  private final List<String> entries;

  /**
   * @param entries permission subjects, each "subject" or "subject queue"
   * @throws IllegalArgumentException for an entry that is not a valid subject
   */
  PermissionFilter(List<String> entries) {
    this.entries = List.copyOf(entries);
    for (String e : entries) {
      String subject = e.trim();
      String queue = null;
      int sp = subject.indexOf(' ');
      if (sp >= 0) {
        queue = subject.substring(sp + 1).trim();
        subject = subject.substring(0, sp);
        if (queue.isEmpty() || queue.indexOf(' ') >= 0) {
          throw new IllegalArgumentException("permission \"" + e + "\": expected \"subject\" or \"subject queue\"");
        }
      }
      if (!Subjects.isValid(subject)) {
        throw new IllegalArgumentException("permission \"" + e + "\": not a valid subject");
      }
      insert(subject, queue);
    }
  }

  List<String> entries() {
    return entries;
  }

  /** Same entries, same filter: a reload that did not change a user's rights keeps its connection state. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PermissionFilter f && f.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  private void insert(String subject, String queue) {
    Node n = root;
    for (String t : subject.split("\\.", -1)) {
      if (t.equals("*")) {
        n = n.pwc == null ? (n.pwc = new Node()) : n.pwc;
      } else if (t.equals(">")) {
        n = n.fwc == null ? (n.fwc = new Node()) : n.fwc;
      } else {
        n = n.literals.computeIfAbsent(t, k -> new Node());
      }
    }
    if (queue == null) {
      n.plain = true;
    } else {
      if (n.queues == null) {
        n.queues = new ArrayList<>(1);
      }
      if (!n.queues.contains(queue)) {
        n.queues.add(queue);
      }
    }
  }

  /** Fills {@code r} (cleared first) with what {@code subject} matches; an empty token matches nothing. */
  void match(String subject, Result r) {
    r.clear();
    if (subject.isEmpty() || subject.charAt(0) == '.' || subject.charAt(subject.length() - 1) == '.'
        || subject.contains("..")) {
      return;
    }
    String[] tokens = subject.split("\\.", -1);
    matchLevel(root, tokens, 0, r);
  }

  /** True when a plain (non-queue) entry matches {@code subject}. */
  boolean matchesPlain(String subject) {
    Result r = new Result();
    match(subject, r);
    return r.plain;
  }

  private static void matchLevel(Node l, String[] toks, int from, Result r) {
    Node n = null;
    Node pwc = null;
    for (int i = from; i < toks.length; i++) {
      if (l == null) {
        return;
      }
      if (l.fwc != null) {
        add(l.fwc, r);
      }
      pwc = l.pwc;
      if (pwc != null) {
        matchLevel(pwc, toks, i + 1, r);
      }
      n = l.literals.get(toks[i]);
      l = n;
    }
    if (n != null) {
      add(n, r);
    }
    if (pwc != null) {
      add(pwc, r);
    }
  }

  private static void add(Node n, Result r) {
    if (n.plain) {
      r.plain = true;
    }
    if (n.queues != null) {
      for (String q : n.queues) {
        if (!r.queues.contains(q)) {
          r.queues.add(q);
        }
      }
    }
  }
}
