package dev.beacon.broker;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import com.typesafe.config.Config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Client authentication and authorization, the {@code broker.auth} section: a shared token, or
 * users with passwords and optional permissions, and the default permissions of users that have
 * none. Immutable: a reload (SIGHUP) builds a new one. A password or token that looks like a bcrypt
 * hash ({@code $2a$}, {@code $2b$}, {@code $2x$} or {@code $2y$}, two cost digits, {@code $}: the
 * pattern nats-server uses) is compared as bcrypt, any other in constant time as clear text.
 *
 * @param token "" without token auth
 * @param users user name -> user; empty without user auth
 * @param defaultPermissions for users configured without permissions; null: such users may do anything
 */
public record Auth(String token, Map<String, User> users, Permissions defaultPermissions) {

  /** One configured user; {@code permissions} null means everything is allowed. */
  public record User(String name, String password, Permissions permissions) {
  }

  /** nats-server's isBcrypt: {@code ^\$2[abxy]\$\d{2}\$.*}. */
  private static final Pattern BCRYPT = Pattern.compile("^\\$2[abxy]\\$\\d{2}\\$.*", Pattern.DOTALL);
  private static final Set<String> USER_KEYS = Set.of("user", "password", "permissions");
  /** Verifies every bcrypt version; a password over bcrypt's 72 bytes never matches (Go's bcrypt refuses it too). */
  private static final BCrypt.Verifyer VERIFYER = BCrypt.verifyer(null, LongPasswordStrategies.strict(BCrypt.Version.VERSION_2A));

  static final Auth NONE = new Auth("", Map.of(), null);

  /** Reads {@code broker.auth} (the section itself). */
  static Auth from(Config a) {
    Permissions defaults = a.getObject("default-permissions").isEmpty() ? null
        : Permissions.parse(a.getConfig("default-permissions"));
    Map<String, User> users = new LinkedHashMap<>();
    for (Config u : a.getConfigList("users")) {
      for (String k : u.root().keySet()) {
        if (!USER_KEYS.contains(k)) {
          throw new IllegalArgumentException("auth.users: unknown field \"" + k + "\" (expected: user, password, permissions)");
        }
      }
      String name = u.getString("user");
      if (users.containsKey(name)) {
        throw new IllegalArgumentException("auth.users: user \"" + name + "\" is listed twice");
      }
      Permissions p;
      try {
        p = u.hasPath("permissions") ? Permissions.parse(u.getConfig("permissions")) : defaults;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("auth.users: user \"" + name + "\": " + e.getMessage(), e);
      }
      users.put(name, new User(name, u.hasPath("password") ? u.getString("password") : "", p));
    }
    String token = a.getString("token");
    if (!token.isEmpty() && !users.isEmpty()) {
      throw new IllegalArgumentException("broker.auth: token and users are exclusive");
    }
    return new Auth(token, Map.copyOf(users), defaults);
  }

  /** Clients must authenticate. */
  public boolean required() {
    return !token.isEmpty() || !users.isEmpty();
  }

  /** True when this secret is stored as a bcrypt hash (checking it costs milliseconds: not on an event loop). */
  static boolean isBcrypt(String stored) {
    return stored.startsWith("$") && BCRYPT.matcher(stored).matches();
  }

  /** nats-server's comparePasswords: bcrypt when the stored value is a hash, else constant-time equality. */
  static boolean matches(String stored, String presented) {
    byte[] p = presented.getBytes(StandardCharsets.UTF_8);
    if (isBcrypt(stored)) {
      try {
        return VERIFYER.verify(p, stored.getBytes(StandardCharsets.UTF_8)).verified;
      } catch (RuntimeException e) {
        return false; // malformed hash or a password bcrypt cannot take
      }
    }
    return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), p);
  }

  /** The stored secret a CONNECT is checked against: the token, or the user's password (null: no such user). */
  String storedSecret(String user) {
    if (!token.isEmpty()) {
      return token;
    }
    User u = users.get(user);
    return u == null ? null : u.password;
  }
}
