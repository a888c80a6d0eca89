package dev.beacon.broker;

import dev.beacon.broker.nsq.NsqAuth;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The broker's users, token and permissions for the NSQ listener. An AUTH secret is the token, or
 * {@code user:password} (split at the first ':'; the password may contain more). It is checked
 * exactly as a NATS CONNECT's credentials are (bcrypt hashes on the auth workers, never on the
 * event loop), and the user's NATS permissions apply to the NSQ commands: PUB, MPUB and DPUB to
 * topic {@code t} are publishes to subject {@code t}; SUB {@code t c} is a subscription to
 * {@code t} in queue group {@code c}. Runs on the broker's context.
 */
final class NsqLogins implements NsqAuth {
  private final Broker broker;
  private final Consumer<Runnable> batch;

  /** {@code batch} runs an answer that comes back from a worker, so what it publishes is flushed once. */
  NsqLogins(Broker broker, Consumer<Runnable> batch) {
    this.broker = broker;
    this.batch = batch;
  }

  @Override
  public boolean required() {
    return broker.auth().required();
  }

  @Override
  public void login(String secret, Consumer<Grant> done) {
    Auth auth = broker.auth();
    String user = "";
    String presented = secret;
    if (auth.token().isEmpty()) {
      int colon = secret.indexOf(':');
      if (colon < 0) {
        done.accept(null);
        return;
      }
      user = secret.substring(0, colon);
      presented = secret.substring(colon + 1);
    }
    check(auth, user, presented, null, done);
  }

  /**
   * Checks {@code presented} against {@code auth}; {@code old}, when rechecking after a reload, is
   * kept as the answer if neither the stored secret nor the permissions changed.
   */
  private void check(Auth auth, String user, String presented, Login old, Consumer<Grant> done) {
    String stored = auth.storedSecret(user);
    if (stored == null) {
      done.accept(null);
      return;
    }
    if (old != null && stored.equals(old.stored)) {
      done.accept(grant(auth, user, presented, stored, old));
      return;
    }
    if (!Auth.isBcrypt(stored)) {
      done.accept(Auth.matches(stored, presented) ? grant(auth, user, presented, stored, old) : null);
      return;
    }
    broker.authWorkers().<Boolean>executeBlocking(() -> Auth.matches(stored, presented), false)
        .onComplete(ar -> batch.accept(() -> {
          // the users may have been reloaded meanwhile: the check stands only if the stored secret is still in force
          Auth now = broker.auth();
          boolean ok = ar.succeeded() && ar.result() && Objects.equals(now.storedSecret(user), stored)
              && now.token().equals(auth.token());
          done.accept(ok ? grant(now, user, presented, stored, old) : null);
        }));
  }

  private Login grant(Auth auth, String user, String presented, String stored, Login old) {
    Auth.User u = auth.users().get(user);
    Permissions p = u == null ? null : u.permissions();
    if (old != null && Objects.equals(old.perms == null ? null : old.perms.perms, p)) {
      // rights unchanged: same state
      return old.stored.equals(stored) ? old : new Login(user, presented, stored, old.perms);
    }
    return new Login(user, presented, stored, p == null ? null : new ClientPermissions(p));
  }

  /** One NSQ connection's login. */
  private final class Login implements Grant {
    final String user;
    final String presented;
    final String stored;
    /** null: everything allowed. */
    final ClientPermissions perms;

    Login(String user, String presented, String stored, ClientPermissions perms) {
      this.user = user;
      this.presented = presented;
      this.stored = stored;
      this.perms = perms;
    }

    @Override
    public String identity() {
      return user;
    }

    @Override
    public int permissionCount() {
      if (perms == null) {
        return 1;
      }
      Permissions p = perms.perms;
      int n = count(p.pubAllow()) + count(p.pubDeny()) + count(p.subAllow()) + count(p.subDeny());
      return Math.max(1, n);
    }

    private static int count(PermissionFilter f) {
      return f == null ? 0 : f.entries().size();
    }

    @Override
    public boolean canPublish(byte[] topic, int off, int len) {
      return perms == null || perms.canPublish(topic, off, len);
    }

    @Override
    public boolean canSubscribe(String topic, String channel) {
      return perms == null || perms.canSubscribe(topic, channel);
    }

    @Override
    public void recheck(Consumer<Grant> done) {
      Auth next = broker.auth();
      if (!next.required()) {
        done.accept(this);
        return;
      }
      // a token login under users, or a user login under a token, no longer passes
      if (next.token().isEmpty() == user.isEmpty()) {
        done.accept(null);
        return;
      }
      check(next, user, presented, this, done);
    }
  }
}
