package dev.beacon.broker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One user's publish and subscribe rights, as nats-server's {@code permissions} block: each of
 * {@code publish} and {@code subscribe} is a subject, a list of subjects (the allow list) or
 * {@code {allow = [...], deny = [...]}}; {@code allow-responses} (true, or {@code {max, expires}})
 * lets the user publish to the reply subject of each request it received. Immutable; the
 * per-connection state (caches, reply subjects) is {@link ClientPermissions}.
 *
 * <p>Rules, as nats-server 2.9 applies them: a publish allow list allows only what it lists; allow-responses without one allows no publish but the replies; an
 * empty allow list (publish or subscribe) is no list. Deny wins over allow.
 *
 * @param pubAllow null: every subject allowed unless denied
 * @param pubDeny null: none denied
 * @param subAllow null: every subject allowed unless denied
 * @param subDeny null: none denied
 * @param subDenyEntries the subscribe deny entries, for the delivery-time check of wildcard subscriptions
 * @param responses null without allow-responses
 */
record Permissions(PermissionFilter pubAllow, PermissionFilter pubDeny, PermissionFilter subAllow,
                   PermissionFilter subDeny, List<String> subDenyEntries, Responses responses) {

  /**
   * allow-responses: how many replies (max, below 1 means no limit) a request's reply subject may
   * take, and for how long after the request was delivered (zero or negative: no limit).
   */
  record Responses(int max, Duration expires) {
    /** nats-server's defaults: one reply, within two minutes. */
    static final Responses DEFAULT = new Responses(1, Duration.ofMinutes(2));
  }

  private static final Set<String> KEYS = Set.of("publish", "subscribe", "allow-responses");

  /** A {@code permissions} block. */
  static Permissions parse(Config c) {
    for (String k : c.root().keySet()) {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException("unknown field \"" + k + "\" in permissions (expected: publish, subscribe, allow-responses)");
      }
    }
    List<String>[] pub = c.hasPath("publish") ? allowDeny(c.getValue("publish"), "publish") : null;
    List<String>[] sub = c.hasPath("subscribe") ? allowDeny(c.getValue("subscribe"), "subscribe") : null;
    Responses responses = c.hasPath("allow-responses") ? responses(c.getValue("allow-responses")) : null;
    // An empty list is no list, for publish as for subscribe (nats-server 2.9 answers so).
    List<String> pubAllow = pub == null || pub[0] == null || pub[0].isEmpty() ? null : pub[0];
    List<String> pubDeny = pub == null ? null : pub[1];
    if (responses != null && pubAllow == null) {
      pubAllow = List.of(); // responses only: the blanket publish allow is off
    }
    List<String> subAllow = sub == null || sub[0] == null || sub[0].isEmpty() ? null : sub[0];
    List<String> subDeny = sub == null || sub[1] == null || sub[1].isEmpty() ? null : sub[1];
    return new Permissions(
        pubAllow == null ? null : new PermissionFilter(pubAllow),
        pubDeny == null || pubDeny.isEmpty() ? null : new PermissionFilter(pubDeny),
        subAllow == null ? null : new PermissionFilter(subAllow),
        subDeny == null ? null : new PermissionFilter(subDeny),
        subDeny == null ? List.of() : List.copyOf(subDeny),
        responses);
  }

  /** [allow or null, deny or null] from a subject, a list, or {allow, deny}. */
  @SuppressWarnings("unchecked")
  private static List<String>[] allowDeny(ConfigValue v, String what) {
    if (v.valueType() == ConfigValueType.OBJECT) {
      Config o = ((com.typesafe.config.ConfigObject) v).toConfig();
      for (String k : o.root().keySet()) {
        if (!k.equals("allow") && !k.equals("deny")) {
          throw new IllegalArgumentException("unknown field \"" + k + "\" in " + what + " (expected: allow, deny)");
        }
      }
      return new List[] {
          o.hasPath("allow") ? subjects(o.getValue("allow"), what) : null,
          o.hasPath("deny") ? subjects(o.getValue("deny"), what) : null};
    }
    return new List[] {subjects(v, what), null};
  }

  private static List<String> subjects(ConfigValue v, String what) {
    if (v.valueType() == ConfigValueType.STRING) {
      return List.of((String) v.unwrapped());
    }
    if (v.valueType() == ConfigValueType.LIST) {
      List<?> raw = (List<?>) v.unwrapped();
      for (Object o : raw) {
        if (!(o instanceof String)) {
          throw new IllegalArgumentException(what + ": expected subjects (strings), got " + o);
        }
      }
      @SuppressWarnings("unchecked")
      List<String> list = (List<String>) raw;
      return List.copyOf(list);
    }
    throw new IllegalArgumentException(what + ": expected a subject, a list of subjects or {allow, deny}");
  }

  private static Responses responses(ConfigValue v) {
    if (v.valueType() == ConfigValueType.BOOLEAN) {
      return Boolean.TRUE.equals(v.unwrapped()) ? Responses.DEFAULT : null;
    }
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw new IllegalArgumentException("allow-responses: expected true, false or {max, expires}");
    }
    Config o = ((com.typesafe.config.ConfigObject) v).toConfig();
    for (String k : o.root().keySet()) {
      if (!k.equals("max") && !k.equals("expires")) {
        throw new IllegalArgumentException("unknown field \"" + k + "\" in allow-responses (expected: max, expires)");
      }
    }
    // As nats-server: 0 (or absent) means the default, a negative value means no limit.
    int max = o.hasPath("max") ? o.getInt("max") : 0;
    Duration expires = o.hasPath("expires") ? dev.beacon.common.Durations.get(o, "expires") : Duration.ZERO;
    return new Responses(max == 0 ? Responses.DEFAULT.max() : max,
        expires.isZero() ? Responses.DEFAULT.expires() : expires);
  }

  /** Publish allowed by the allow and deny lists alone (reply subjects of allow-responses not counted). */
  boolean publishListed(String subject) {
    boolean allowed = pubAllow == null || pubAllow.matchesPlain(subject);
    if (allowed && pubDeny != null) {
      allowed = !pubDeny.matchesPlain(subject);
    }
    return allowed;
  }

  /** True when any publish restriction exists (otherwise publishing is never checked). */
  boolean checksPublish() {
    return pubAllow != null || pubDeny != null;
  }

  /** nats-server's canSubscribe for a subject and an optional queue group (null). */
  boolean canSubscribe(String subject, String queue) {
    boolean allowed = true;
    PermissionFilter.Result r = new PermissionFilter.Result();
    if (subAllow != null) {
      subAllow.match(subject, r);
      allowed = r.plain;
      if (queue != null && !r.queues.isEmpty()) {
        allowed = queueMatches(queue, r.queues);
      }
    }
    if (allowed && subDeny != null) {
      subDeny.match(subject, r);
      allowed = !r.plain;
      if (queue != null && !r.queues.isEmpty()) {
        allowed = !queueMatches(queue, r.queues);
      }
    }
    return allowed;
  }

  /**
   * True when messages to this (allowed, wildcard) subscription must be checked against the
   * subscribe deny list at delivery: a deny entry lies within its subject.
   */
  boolean needsDeliveryCheck(String subject) {
    if (subDeny == null || !Subjects.hasWildcard(subject)) {
      return false;
    }
    for (String deny : subDenyEntries) {
      if (Subjects.isSubsetMatch(deny.trim(), subject)) {
        return true;
      }
    }
    return false;
  }

  /** A queue name against the queue names of matching entries; the entry's queue may itself hold wildcards. */
  private static boolean queueMatches(String queue, List<String> names) {
    for (String q : names) {
      if (queue.equals(q) || (Subjects.hasWildcard(q) && Subjects.isSubsetMatch(queue, q))) {
        return true;
      }
    }
    return false;
  }
}
