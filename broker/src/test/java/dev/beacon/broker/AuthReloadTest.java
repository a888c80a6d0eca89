package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;


/** Reloading users and permissions in process, through the entry point SIGHUP calls. */
@Timeout(60)
class AuthReloadTest {

  static final String BEFORE = """
      broker.auth.users = [
        {user: keep, password: k, permissions: {publish: ">", subscribe: ">"}}
        {user: narrowed, password: n, permissions: {publish: ">", subscribe: ">"}}
        {user: repassed, password: old}
        {user: removed, password: r}
        {user: hashed, password: "%s"}
      ]
      """.formatted(DifferentialIT.FOO_BCRYPT);

  static final String AFTER = """
      broker.auth.users = [
        {user: keep, password: k, permissions: {publish: ">", subscribe: ">"}}
        {user: narrowed, password: n, permissions: {publish: "ok.>", subscribe: {allow: ">", deny: "secret.>"}}}
        {user: repassed, password: new}
        {user: hashed, password: "%s"}
        {user: added, password: a}
      ]
      """.formatted(DifferentialIT.FOO_BCRYPT);

  static String login(String user, String pass) {
    return "{\"verbose\":false,\"pedantic\":false,\"user\":\"" + user + "\",\"pass\":\"" + pass + "\"}";
  }

  @Test
  void reloadKeepsClientsWhoseRightsDidNotChange() throws Exception {
    try (RunningBroker b = RunningBroker.start(BEFORE);
         RawConn keep = RawConn.connect(b.port(), login("keep", "k"));
         RawConn narrowed = RawConn.connect(b.port(), login("narrowed", "n"));
         RawConn repassed = RawConn.connect(b.port(), login("repassed", "old"));
         RawConn removed = RawConn.connect(b.port(), login("removed", "r"));
         RawConn hashed = RawConn.connect(b.port(), login("hashed", "foo"))) {
      keep.send("SUB secret.x 1\r\nPING\r\n").expect("PONG\r\n");
      narrowed.send("SUB secret.x 1\r\nSUB ok.x 2\r\nPING\r\n").expect("PONG\r\n");

      Object keepPerms = b.onContext(() -> permsOf(b, "keep"));
      Object narrowedPerms = b.onContext(() -> permsOf(b, "narrowed"));
      Auth next = BrokerOptions.of(AFTER).auth();
      b.onContext(() -> {
        b.broker.reloadAuth(next);
        return null;
      });

      repassed.expectErr("Authorization Violation");
      repassed.expectClosed();
      // Same rules: the same permission state (caches, reply permissions); changed rules: new state.
      org.junit.jupiter.api.Assertions.assertSame(keepPerms, b.onContext(() -> permsOf(b, "keep")));
      org.junit.jupiter.api.Assertions.assertNotSame(narrowedPerms, b.onContext(() -> permsOf(b, "narrowed")));
      removed.expectErr("Authorization Violation");
      removed.expectClosed();
      // Lost the subscription the new permissions refuse, with nats-server's reload error; still connected.
      narrowed.expectErr("Permissions Violation for Subscription to \"secret.x\" (sid \"1\")");
      narrowed.send("PUB secret.x 1\r\nx\r\nPING\r\n");
      narrowed.expectErr("Permissions Violation for Publish to \"secret.x\"");
      narrowed.expect("PONG\r\n");
      // Unchanged rights: same connection, same subscription.
      keep.send("PUB secret.x 2\r\nhi\r\n").expect("MSG secret.x 1 2\r\nhi\r\n");
      narrowed.send("PUB ok.x 2\r\nhi\r\n").expect("MSG ok.x 2 2\r\nhi\r\n");
      hashed.send("PING\r\n").expect("PONG\r\n");
      keep.expectNothing(Duration.ofMillis(200));
      // New logins are checked against the new users.
      try (RawConn again = RawConn.connect(b.port(), login("repassed", "new"));
           RawConn added = RawConn.connect(b.port(), login("added", "a"));
           RawConn gone = new RawConn(b.port())) {
        again.send("PING\r\n").expect("PONG\r\n");
        added.send("PING\r\n").expect("PONG\r\n");
        gone.expect("INFO \\{.*\\} ?\r\n");
        gone.send("CONNECT " + login("removed", "r") + "\r\n");
        gone.expectErr("Authorization Violation");
        gone.expectClosed();
      }
    }
  }

  private static ClientPermissions permsOf(RunningBroker b, String user) {
    return b.broker.clients.values().stream().filter(c -> c.user.equals(user)).findFirst().orElseThrow().perms;
  }
}
