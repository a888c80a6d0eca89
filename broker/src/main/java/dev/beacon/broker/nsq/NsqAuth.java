package dev.beacon.broker.nsq;

import java.util.function.Consumer;

/**
 * Who may use the NSQ listener: the broker's own users, token and permissions, seen from the NSQ
 * side. With auth required, a client sends nsqd's AUTH command with a secret (the token, or
 * {@code user:password}) and every SUB, PUB, MPUB and DPUB is checked against what it was granted.
 * Every call and callback runs on the NSQ server's owner thread.
 */
public interface NsqAuth {

  /** No auth configured: AUTH is refused as by an nsqd without an auth server, everything else is allowed. */
  NsqAuth NONE = new NsqAuth() {
    @Override
    public boolean required() {
      return false;
    }

    @Override
    public void login(String secret, Consumer<Grant> done) {
      done.accept(null);
    }
  };

  /** True when clients must AUTH before SUB and PUB (the broker has a token or users). */
  boolean required();

  /**
   * Checks an AUTH secret (a bcrypt check runs off the event loop); {@code done} gets the grant,
   * or null when the secret is refused. {@code done} may run before this returns.
   */
  void login(String secret, Consumer<Grant> done);

  /** What one authenticated connection may do. */
  interface Grant {
    /** nsqd's AUTH answer field: the user name ("" for the shared token). */
    String identity();

    /** nsqd's AUTH answer field: entries in the user's publish and subscribe lists (1 when it has none: one grant of everything). */
    int permissionCount();

    /** PUB/MPUB/DPUB to the topic (its ASCII bytes): a NATS publish to that subject. */
    boolean canPublish(byte[] topic, int off, int len);

    /** SUB topic channel: a NATS subscription to the subject with the channel as queue group. */
    boolean canSubscribe(String topic, String channel);

    /**
     * The users were reloaded: {@code done} gets this grant (nothing changed), a new one (new
     * permissions), or null (the user is gone or the secret no longer passes).
     */
    void recheck(Consumer<Grant> done);
  }
}
