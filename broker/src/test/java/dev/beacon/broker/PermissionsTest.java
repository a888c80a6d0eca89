package dev.beacon.broker;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The permission rules without sockets (the same rules are compared with nats-server in DifferentialIT). */
class PermissionsTest {

  static Permissions perms(String hocon) {
    return Permissions.parse(ConfigFactory.parseString(hocon));
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void filterMatchesAsNatsSublist() {
    PermissionFilter f = new PermissionFilter(List.of("foo.*", "bar.>", "baz"));
    assertTrue(f.matchesPlain("foo.x"));
    assertFalse(f.matchesPlain("foo.x.y"));
    assertTrue(f.matchesPlain("bar.x.y"));
    assertFalse(f.matchesPlain("bar"));
    assertTrue(f.matchesPlain("baz"));
    // wildcards in the checked subject meet only wildcards
    assertTrue(f.matchesPlain("foo.*"));
    assertTrue(f.matchesPlain("foo.>")); // foo.* covers the last token of foo.>, as in nats-server
    assertTrue(f.matchesPlain("bar.*.>"));
    assertFalse(new PermissionFilter(List.of("foo.bar")).matchesPlain("foo.*"));
    assertFalse(f.matchesPlain("foo..x"));
    assertFalse(f.matchesPlain(""));
  }

  @Test
  void badEntriesRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PermissionFilter(List.of("foo..bar")));
    assertThrows(IllegalArgumentException.class, () -> new PermissionFilter(List.of("a.>.b")));
    assertThrows(IllegalArgumentException.class, () -> perms("publish = {allow = a, nope = b}"));
    assertThrows(IllegalArgumentException.class, () -> perms("publsh = a"));
    assertThrows(IllegalArgumentException.class, () -> perms("allow-responses = {max = 1, ttl = 2s}"));
  }

  @Test
  void publishCacheAndResponses() {
    ClientPermissions c = new ClientPermissions(perms("subscribe = \"svc.>\", allow-responses = {max = 2, expires = 1m}"));
    assertFalse(c.canPublish(b("x"), 0, 1));
    assertFalse(c.canPublish(b("x"), 0, 1));
    c.delivered(b("_INBOX.1"), 0, 8);
    assertTrue(c.canPublish(b("_INBOX.1"), 0, 8));
    assertTrue(c.canPublish(b("_INBOX.1"), 0, 8));
    assertFalse(c.canPublish(b("_INBOX.1"), 0, 8));
    assertFalse(c.canPublish(b("_INBOX.2"), 0, 8));
    for (int i = 0; i < ClientPermissions.REPLY_LIMIT * 2; i++) {
      byte[] r = b("r." + i);
      c.delivered(r, 0, r.length);
    }
    assertTrue(c.replies() <= ClientPermissions.REPLY_LIMIT, "bounded: " + c.replies());
    byte[] last = b("r." + (ClientPermissions.REPLY_LIMIT * 2 - 1));
    assertTrue(c.canPublish(last, 0, last.length));
  }

  @Test
  void expiredResponseRefused() {
    ClientPermissions c = new ClientPermissions(perms("allow-responses = {max = -1, expires = 1ms}"));
    c.delivered(b("_INBOX.1"), 0, 8);
    long until = System.nanoTime() + 5_000_000;
    while (System.nanoTime() < until) {
      Thread.onSpinWait(); // let the 1 ms expire (a bound on elapsed time, not a synchronisation)
    }
    assertFalse(c.canPublish(b("_INBOX.1"), 0, 8));
  }

  @Test
  void subjectCacheStaysBounded() {
    ClientPermissions.SubjectCache cache = new ClientPermissions.SubjectCache();
    for (int i = 0; i < 10_000; i++) {
      byte[] k = b("s." + i);
      cache.put(k, 0, k.length, i % 2 == 0);
      assertEquals(i % 2 == 0 ? 1 : 0, cache.get(k, 0, k.length));
    }
    assertTrue(cache.size() <= ClientPermissions.SubjectCache.MAX);
  }

  @Test
  void deliveryCheckOnlyForOverlappingWildcards() {
    ClientPermissions c = new ClientPermissions(perms("subscribe = {allow = \">\", deny = [\"foo.bar\"]}"));
    assertTrue(c.canSubscribe("baz.*", null));
    assertFalse(c.deniedAtDelivery(b("foo.bar"), 0, 7)); // no overlapping wildcard subscription yet
    assertTrue(c.canSubscribe("foo.*", null));
    assertTrue(c.deniedAtDelivery(b("foo.bar"), 0, 7));
    assertFalse(c.deniedAtDelivery(b("foo.baz"), 0, 7));
    assertFalse(c.canSubscribe("foo.bar", null));
  }

  @Test
  void bcryptAsNatsServer() {
    assertTrue(Auth.isBcrypt(DifferentialIT.FOO_BCRYPT));
    assertTrue(Auth.isBcrypt("$2b$12$abc"));
    assertTrue(Auth.isBcrypt("$2y$04$abc"));
    assertFalse(Auth.isBcrypt("$2$10$abc"));
    assertFalse(Auth.isBcrypt("$2a$1$abc"));
    assertFalse(Auth.isBcrypt("plain"));
    assertTrue(Auth.matches(DifferentialIT.FOO_BCRYPT, "foo"));
    assertFalse(Auth.matches(DifferentialIT.FOO_BCRYPT, "bar"));
    assertFalse(Auth.matches("$2a$10$broken", "foo"));
    assertTrue(Auth.matches("clear", "clear"));
    assertFalse(Auth.matches("clear", "Clear"));
    // $2b$ and $2y$ hashes of "foo" (same salt and digest; only the version differs)
    assertTrue(Auth.matches(DifferentialIT.FOO_BCRYPT.replace("$2a$", "$2b$"), "foo"));
    assertTrue(Auth.matches(DifferentialIT.FOO_BCRYPT.replace("$2a$", "$2y$"), "foo"));
  }

  @Test
  void authSection() {
    Auth a = BrokerOptions.of("broker.auth { default-permissions { publish = \"a.>\" }, users = ["
        + "{user = u, password = p}, {user = v, password = q, permissions { subscribe = x }}] }").auth();
    assertTrue(a.required());
    assertTrue(a.users().get("u").permissions().publishListed("a.b"));
    assertFalse(a.users().get("u").permissions().publishListed("b"));
    assertTrue(a.users().get("v").permissions().publishListed("b"));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.auth.users = [{user = u, pasword = p}]"));
    assertThrows(IllegalArgumentException.class, () -> BrokerOptions.of("broker.auth.users = [{user = u}, {user = u}]"));
  }

  @Test
  void sameRulesAreEqualSoAReloadKeepsClientState() {
    String rules = "publish = {allow = [\"a.>\"], deny = \"a.b\"}, subscribe = x, allow-responses = true";
    assertEquals(perms(rules), perms(rules));
    assertFalse(perms(rules).equals(perms("publish = \"a.>\"")));
  }
}
