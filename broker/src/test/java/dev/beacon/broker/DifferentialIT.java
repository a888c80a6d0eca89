package dev.beacon.broker;

import dev.beacon.testkit.NatsServerProcess;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same raw bytes sent to the broker and to Debian's nats-server 2.9: what comes back (INFO
 * lines aside) and whether the connection is closed must be identical.
 */
@Tag("conformance")
@Timeout(60)
class DifferentialIT {
  private static RunningBroker broker;
  private static NatsServerProcess nats;
  /** The same users and permissions on both: nats-server's own test roles (ADMIN, REQUESTOR, DEFAULT_PERMISSIONS, NEW_STYLE, BENCH_DENY) and more. */
  private static RunningBroker authBroker;
  private static NatsServerProcess authNats;

  /** bcrypt of "foo" at cost 10, the hash nats-server's own authorization tests use. */
  static final String FOO_BCRYPT = "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q";

  /** The users as nats-server's config; {@link #AUTH_HOCON} is the same in the broker's. */
  static final String AUTH_NATS = """
      authorization {
        default_permissions = { publish = "SANDBOX.*", subscribe = ["PUBLIC.>", "_INBOX.>"] }
        users = [
          {user: alice, password: foo, permissions: {publish: ">", subscribe: ">"}}
          {user: bob, password: "%s", permissions: {publish: ["req.foo", "req.bar"], subscribe: "_INBOX.*"}}
          {user: joe, password: foo}
          {user: ns, password: foo, permissions: {publish: {allow: "*.*", deny: ["SYS.*", "bar.baz", "foo.*"]}, subscribe: {allow: "foo.*", deny: "foo.baz"}}}
          {user: bd, password: foo, permissions: {subscribe: {allow: ["foo", "*"], deny: "foo.bar"}}}
          {user: wild, password: foo, permissions: {subscribe: {allow: ">", deny: ["foo.bar", "baz.>"]}}}
          {user: pubdeny, password: foo, permissions: {publish: {deny: ["secret.>", "x.*.y"]}}}
          {user: nopub, password: foo, permissions: {publish: [], subscribe: []}}
          {user: q, password: foo, permissions: {subscribe: {allow: ["foo.* bar", "baz", "v1.* v1.*"], deny: ["foo.x bad"]}}}
          {user: qdeny, password: foo, permissions: {subscribe: {deny: ["foo.* bad", "nope"]}}}
          {user: svc, password: foo, permissions: {subscribe: "svc.>", allow_responses: true}}
          {user: svc2, password: foo, permissions: {publish: "log.>", subscribe: "svc.>", allow_responses: {max: 2}}}
          {user: qa, password: foo, permissions: {subscribe: {allow: ["foo"]}}}
          {user: qb, password: foo, permissions: {subscribe: {allow: ["foo bar"]}}}
          {user: qc, password: foo, permissions: {subscribe: {allow: ["foo bar.*"]}}}
          {user: qd, password: foo, permissions: {subscribe: {allow: ["> bar.>"]}}}
          {user: qe, password: foo, permissions: {subscribe: {allow: [">"], deny: ["foo"]}}}
          {user: qf, password: foo, permissions: {subscribe: {allow: [">"], deny: [">"]}}}
          {user: qg, password: foo, permissions: {subscribe: {allow: ["> v1.>"]}}}
          {user: qh, password: foo, permissions: {subscribe: {allow: [">"], deny: ["> >"]}}}
          {user: qi, password: foo, permissions: {subscribe: {deny: ["> >"]}}}
          {user: qj, password: foo, permissions: {subscribe: {deny: ["> *.dev", "> *.stg"]}}}
          {user: qk, password: foo, permissions: {subscribe: {allow: ["> *.dev", "> *.stg"]}}}
          {user: ql, password: foo, permissions: {subscribe: {deny: ["foo >"]}}}
        ]
      }
      """.formatted(FOO_BCRYPT);

  static final String AUTH_HOCON = """
      broker.auth {
        default-permissions = { publish = "SANDBOX.*", subscribe = ["PUBLIC.>", "_INBOX.>"] }
        users = [
          {user: alice, password: foo, permissions: {publish: ">", subscribe: ">"}}
          {user: bob, password: "%s", permissions: {publish: ["req.foo", "req.bar"], subscribe: "_INBOX.*"}}
          {user: joe, password: foo}
          {user: ns, password: foo, permissions: {publish: {allow: "*.*", deny: ["SYS.*", "bar.baz", "foo.*"]}, subscribe: {allow: "foo.*", deny: "foo.baz"}}}
          {user: bd, password: foo, permissions: {subscribe: {allow: ["foo", "*"], deny: "foo.bar"}}}
          {user: wild, password: foo, permissions: {subscribe: {allow: ">", deny: ["foo.bar", "baz.>"]}}}
          {user: pubdeny, password: foo, permissions: {publish: {deny: ["secret.>", "x.*.y"]}}}
          {user: nopub, password: foo, permissions: {publish: [], subscribe: []}}
          {user: q, password: foo, permissions: {subscribe: {allow: ["foo.* bar", "baz", "v1.* v1.*"], deny: ["foo.x bad"]}}}
          {user: qdeny, password: foo, permissions: {subscribe: {deny: ["foo.* bad", "nope"]}}}
          {user: svc, password: foo, permissions: {subscribe: "svc.>", allow-responses: true}}
          {user: svc2, password: foo, permissions: {publish: "log.>", subscribe: "svc.>", allow-responses: {max: 2}}}
          {user: qa, password: foo, permissions: {subscribe: {allow: ["foo"]}}}
          {user: qb, password: foo, permissions: {subscribe: {allow: ["foo bar"]}}}
          {user: qc, password: foo, permissions: {subscribe: {allow: ["foo bar.*"]}}}
          {user: qd, password: foo, permissions: {subscribe: {allow: ["> bar.>"]}}}
          {user: qe, password: foo, permissions: {subscribe: {allow: [">"], deny: ["foo"]}}}
          {user: qf, password: foo, permissions: {subscribe: {allow: [">"], deny: [">"]}}}
          {user: qg, password: foo, permissions: {subscribe: {allow: ["> v1.>"]}}}
          {user: qh, password: foo, permissions: {subscribe: {allow: [">"], deny: ["> >"]}}}
          {user: qi, password: foo, permissions: {subscribe: {deny: ["> >"]}}}
          {user: qj, password: foo, permissions: {subscribe: {deny: ["> *.dev", "> *.stg"]}}}
          {user: qk, password: foo, permissions: {subscribe: {allow: ["> *.dev", "> *.stg"]}}}
          {user: ql, password: foo, permissions: {subscribe: {deny: ["foo >"]}}}
        ]
      }
      """.formatted(FOO_BCRYPT);

  @BeforeAll
  static void start() throws Exception {
    broker = RunningBroker.start("");
    authBroker = RunningBroker.start(AUTH_HOCON);
    if (NatsServerProcess.installed()) {
      nats = new NatsServerProcess("", false);
      authNats = new NatsServerProcess(AUTH_NATS, false);
    }
    // Warm both up (class loading, JIT) so timing does not decide an answer.
    for (int i = 0; i < 20; i++) {
      exchange(broker.port(), "CONNECT {}\r\n", "PING\r\n");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    broker.close();
    authBroker.close();
    if (nats != null) {
      nats.close();
      authNats.close();
    }
  }

  /** Sends CONNECT then {@code input}; returns everything received (INFO dropped) plus "<closed>" or "<open>". */
  private static String exchange(int port, String connect, String input) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setTcpNoDelay(true);
      s.getOutputStream().write((connect + input).getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[65536];
      boolean closed = false;
      long deadline = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < deadline) {
        // Quiet for 400 ms after an answer (1.5 s before any) means the server is done.
        boolean answered = sb.toString().replaceAll("INFO \\{[^\r\n]*\\} ?\r\n", "").length() > 0;
        s.setSoTimeout(answered ? 400 : 1500);
        try {
          int n = in.read(buf);
          if (n < 0) {
            closed = true;
            break;
          }
          sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException e) {
          break;
        } catch (IOException e) {
          closed = true;
          break;
        }
      }
      String out = sb.toString().replaceAll("INFO \\{[^\r\n]*\\} ?\r\n", "");
      return out.replace("\r", "\\r").replace("\n", "\\n") + (closed ? "<closed>" : "<open>");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "PING\r\n",
      "ping\nPiNg\r\n",
      "PING extra\r\n",
      "SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n",
      "sub foo 1\npub foo 2\nhi\r\nping\n",
      "SUB foo 1\r\nPUB   foo\t reply  2\r\nhi\r\nPING\r\n",
      "SUB foo 1\r\nPUB foo 0\r\n\r\nPING\r\n",
      "PUB foo\r\n",
      "PUB foo x\r\n",
      "PUB foo -1\r\n",
      "PUB foo 1 2 3\r\n",
      "SUB\r\n",
      "SUB foo\r\n",
      "SUB a b c d\r\n",
      "UNSUB\r\n",
      "UNSUB 1 x\r\n",
      "UNSUB 99\r\nPING\r\n",
      "PUBX foo 1\r\n",
      "XYZ\r\n",
      "\r\n",
      "MSG foo 1 1\r\nx\r\n",
      "RS+ $G foo\r\n",
      "PUB foo 2\r\nabc\r\n",
      "PUB foo 2\r\nab\n\n",
      "PUB foo 1048577\r\n",
      "SUB foo..bar 1\r\nPING\r\n",
      "SUB foo.>.bar 1\r\nPING\r\n",
      "SUB foo q.x 1\r\nPING\r\n",
      "SUB foo 1\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\nPING\r\n",
      "SUB foo 1\r\nUNSUB 1 1\r\nPUB foo 1\r\nx\r\nPUB foo 1\r\ny\r\nPING\r\n",
      "SUB foo 1\r\nUNSUB 1 0\r\nPUB foo 1\r\nx\r\nPING\r\n",
      "SUB _INBOX.a.* 1\r\nPUB nobody _INBOX.a.b 0\r\n\r\nPING\r\n",
      "+OK\r\nPING\r\n",
      "INFO {}\r\nPING\r\n",
      "-ERR 'bye'\r\n",
      "CONNECT {\"verbose\":true}\r\nSUB x 1\r\nPING\r\n",
      "CONNECT {\"protocol\":2}\r\n",
      "CONNECT {\"no_responders\":true}\r\n",
      "CONNECT {bad\r\n",
      "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n",
  })
  void sameBytesSameAnswer(String input) throws Exception {
    Assumptions.assumeTrue(nats != null, "nats-server not installed");
    String connect = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    assertEquals(exchange(nats.port(), connect, input), exchange(broker.port(), connect, input), "input: " + input.replace("\r", "\\r").replace("\n", "\\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SUB foo.* 1\r\nPUB foo.* 1\r\nx\r\nPING\r\n",
      "SUB foo 1\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n",
      "SUB _INBOX.a.* 1\r\nPUB nobody _INBOX.a.b 0\r\n\r\nPING\r\n",
  })
  void sameAnswerForPedanticHeaderClients(String input) throws Exception {
    Assumptions.assumeTrue(nats != null, "nats-server not installed");
    String connect = "CONNECT {\"verbose\":false,\"pedantic\":true,\"headers\":true,\"no_responders\":true}\r\n";
    assertEquals(exchange(nats.port(), connect, input), exchange(broker.port(), connect, input), "input: " + input.replace("\r", "\\r").replace("\n", "\\n"));
  }

  private static String login(String user, String pass) {
    return "CONNECT {\"verbose\":true,\"pedantic\":false,\"user\":\"" + user + "\",\"pass\":\"" + pass + "\"}\r\n";
  }

  /**
   * Every allow/deny combination of nats-server's permission tests that applies to core NATS (its
   * test roles and more: queue entries, deny inside wildcard subscriptions, empty lists, default
   * permissions, bcrypt password), one user per case: "user|input". Same bytes to both servers, same answer.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      // ADMIN: anything; "_" and "_SYS.HB" as in TestUserAuthorizationProto
      "alice|PUB foo 2\r\nok\r\nSUB foo 1\r\nPUB _ 2\r\nok\r\nPUB _SYS.HB 2\r\nok\r\nPING\r\n",
      // REQUESTOR (bcrypt password): publish req.foo/req.bar only, subscribe _INBOX.* only
      "bob|SUB foo 1\r\nPUB foo 2\r\nok\r\nSUB _INBOX.abcd 1\r\nPUB req.foo 2\r\nok\r\nPUB req.bar 2\r\nok\r\nPING\r\n",
      "bob|SUB _INBOX.a.b 1\r\nSUB _INBOX.* 2\r\nSUB _INBOX.> 3\r\nPUB req.* 2\r\nok\r\nPUB req 0\r\n\r\nPING\r\n",
      // DEFAULT_PERMISSIONS for a user without its own
      "joe|SUB foo.bar.* 1\r\nPUB foo.bar.baz 2\r\nok\r\nSUB _INBOX.abcd 1\r\nSUB PUBLIC.abcd 1\r\nPUB SANDBOX.foo 2\r\nok\r\nPUB SANDBOX.bar 2\r\nok\r\nPUB SANDBOX.foo.bar 2\r\nok\r\nPING\r\n",
      "joe|SUB PUBLIC.> 1\r\nSUB PUBLIC.* 2\r\nSUB PUBLIC 3\r\nSUB > 4\r\nSUB *.abcd 5\r\nPING\r\n",
      // NEW_STYLE: allow and deny together
      "ns|PUB foo.bar 1\r\nx\r\nPUB bar.baz 1\r\nx\r\nPUB bar.qux 1\r\nx\r\nPUB SYS.x 1\r\nx\r\nPUB a.b.c 1\r\nx\r\nPUB a 1\r\nx\r\nPING\r\n",
      "ns|SUB foo.bar 1\r\nSUB foo.baz 2\r\nSUB foo.* 3\r\nSUB foo.> 4\r\nSUB bar.x 5\r\nPING\r\n",
      // a wildcard subscription the deny list overlaps: checked again at delivery
      "ns|SUB foo.* 1\r\nPUB a.b 0\r\n\r\nPING\r\n",
      "wild|SUB > 1\r\nPUB foo.bar 1\r\nx\r\nPUB foo.baz 1\r\ny\r\nPUB baz.q 1\r\nz\r\nPUB baz 1\r\nw\r\nPING\r\n",
      "wild|SUB foo.* 1\r\nSUB foo.bar 2\r\nSUB baz.* 3\r\nSUB baz.> 4\r\nSUB *.> 5\r\nPUB foo.bar 1\r\nx\r\nPUB foo.qux 1\r\ny\r\nPING\r\n",
      // BENCH_DENY
      "bd|SUB foo 1\r\nSUB bar 2\r\nSUB foo.bar 3\r\nSUB foo.baz 4\r\nSUB * 5\r\nSUB > 6\r\nSUB foo.* 7\r\nPING\r\n",
      // deny only (publish)
      "pubdeny|PUB secret 1\r\nx\r\nPUB secret.a 1\r\nx\r\nPUB secret.a.b 1\r\nx\r\nPUB x.1.y 1\r\nx\r\nPUB x.1.z 1\r\nx\r\nSUB secret.> 1\r\nPING\r\n",
      // empty lists
      "nopub|PUB a 1\r\nx\r\nSUB a 1\r\nSUB > 2\r\nPING\r\n",
      // queue entries
      "q|SUB foo.a 1\r\nSUB foo.a bar 2\r\nSUB foo.a baz 3\r\nSUB baz 4\r\nSUB baz any 5\r\nSUB v1.x v1.y 6\r\nSUB v1.x v2 7\r\nSUB foo.x bar 8\r\nPING\r\n",
      "qdeny|SUB foo.a 1\r\nSUB foo.a bad 2\r\nSUB foo.a good 3\r\nSUB nope 4\r\nSUB nope q 5\r\nSUB foo.* bad 6\r\nPING\r\n",
      // odd subjects with permissions in place
      "bob|SUB _INBOX..x 1\r\nSUB _INBOX.\"x\" 2\r\nPUB req.foo.. 0\r\n\r\nPING\r\n",
      // allow-responses without a request: nothing may be published
      "svc|PUB _INBOX.x 1\r\nx\r\nSUB svc.a 1\r\nSUB other 2\r\nPING\r\n",
      // nats-server's TestQueueSubscribePermissions, one user per permission set
      "qa|SUB foo 1\r\nSUB foo bar 2\r\nPING\r\n",
      "qb|SUB foo bar 1\r\nSUB foo fizz 2\r\nSUB foo 3\r\nPING\r\n",
      "qc|SUB foo bar.fizz 1\r\nSUB foo bar 2\r\nPING\r\n",
      "qd|SUB whizz bar.bang 1\r\nSUB whizz 2\r\nPING\r\n",
      "qe|SUB foo bar 1\r\nSUB bar 2\r\nSUB foo 3\r\nPING\r\n",
      "qf|SUB foo bar 1\r\nSUB foo 2\r\nPING\r\n",
      "qg|SUB foo v1.prod 1\r\nSUB foo v2 2\r\nPING\r\n",
      "qh|SUB foo 1\r\nSUB foo bar 2\r\nPING\r\n",
      "qi|SUB foo bar 1\r\nSUB foo 2\r\nPING\r\n",
      "qj|SUB foo bar 1\r\nSUB foo x.dev 2\r\nPING\r\n",
      "qk|SUB foo bar 1\r\nSUB foo x.stg 2\r\nSUB foo 3\r\nPING\r\n",
      "ql|SUB foo bar 1\r\nSUB foo 2\r\nSUB bar q 3\r\nPING\r\n",
      // a user that does not exist, a wrong password, a wrong bcrypt password
      "mallory|PING\r\n",
      "alice:bar|PING\r\n",
      "bob:bar|PING\r\n",
  })
  void samePermissionAnswers(String c) throws Exception {
    Assumptions.assumeTrue(authNats != null, "nats-server not installed");
    String user = c.substring(0, c.indexOf('|'));
    String input = c.substring(c.indexOf('|') + 1);
    String pass = "foo";
    if (user.contains(":")) {
      pass = user.substring(user.indexOf(':') + 1);
      user = user.substring(0, user.indexOf(':'));
    }
    String connect = login(user, pass);
    String expected = exchange(authNats.port(), connect, input);
    // The case is about what it names: a login that fails is only expected where the case says so.
    boolean badLogin = user.equals("mallory") || !pass.equals("foo");
    org.junit.jupiter.api.Assertions.assertEquals(badLogin, expected.contains("Authorization Violation"), expected);
    assertEquals(expected, exchange(authBroker.port(), connect, input),
        "user " + user + ", input: " + input.replace("\r", "\\r").replace("\n", "\\n"));
  }

  /** Raw connections driven in turn; each step ends with a PING answered, so the order holds on both servers. */
  private static final class Script implements AutoCloseable {
    private final Socket[] sockets;
    private final StringBuilder[] seen;

    Script(int port, String... connects) throws IOException {
      sockets = new Socket[connects.length];
      seen = new StringBuilder[connects.length];
      for (int i = 0; i < connects.length; i++) {
        sockets[i] = new Socket("127.0.0.1", port);
        sockets[i].setTcpNoDelay(true);
        seen[i] = new StringBuilder();
        step(i, connects[i]);
      }
    }

    /** Sends {@code input} plus PING on connection i and reads until its PONG. */
    void step(int i, String input) throws IOException {
      Socket s = sockets[i];
      s.getOutputStream().write((input + "PING\r\n").getBytes(StandardCharsets.UTF_8));
      s.setSoTimeout(3000);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      StringBuilder sb = seen[i];
      int from = sb.length();
      while (sb.indexOf("PONG\r\n", from) < 0) {
        int n;
        try {
          n = in.read(buf);
        } catch (IOException e) {
          sb.append("<closed>");
          return;
        }
        if (n < 0) {
          sb.append("<closed>");
          return;
        }
        sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
    }

    String transcript() {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < seen.length; i++) {
        all.append(i).append(": ").append(seen[i].toString().replaceAll("INFO \\{[^\r\n]*\\} ?\r\n", "")
            .replace("\r", "\\r").replace("\n", "\\n")).append('\n');
      }
      return all.toString();
    }

    @Override
    public void close() throws IOException {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** allow-responses: a service answers each request once (svc) or twice (svc2, max 2), and nothing else. */
  private static String responses(int port) throws IOException {
    try (Script s = new Script(port, login("alice", "foo"), login("svc", "foo"), login("svc2", "foo"))) {
      s.step(0, "SUB _INBOX.> 1\r\n");
      s.step(1, "SUB svc.a 1\r\n");
      s.step(2, "SUB svc.b 1\r\n");
      s.step(0, "PUB svc.a _INBOX.r1 3\r\nreq\r\nPUB svc.b _INBOX.r2 3\r\nreq\r\n");
      s.step(1, "PUB _INBOX.r1 2\r\nok\r\nPUB _INBOX.r1 5\r\nagain\r\nPUB _INBOX.r2 3\r\nnot\r\n");
      s.step(2, "PUB _INBOX.r2 2\r\nok\r\nPUB _INBOX.r2 3\r\nok2\r\nPUB _INBOX.r2 3\r\nok3\r\nPUB log.x 1\r\nl\r\n");
      s.step(0, "");
      return s.transcript();
    }
  }

  @Test
  void sameAllowResponses() throws Exception {
    Assumptions.assumeTrue(authNats != null, "nats-server not installed");
    String nats = responses(authNats.port());
    assertEquals(nats, responses(authBroker.port()));
    // The scenario did what it is about: one reply passed for svc, two for svc2, the rest refused.
    org.junit.jupiter.api.Assertions.assertTrue(nats.contains("MSG _INBOX.r1 1 2\\r\\nok") && nats.contains("MSG _INBOX.r2 1 3\\r\\nok2")
        && nats.contains("Permissions Violation for Publish to \"_INBOX.r1\"") && !nats.contains("ok3"), nats);
  }

  /** A message from another client on a denied subject never reaches a wildcard subscriber. */
  private static String deliveryDeny(int port) throws IOException {
    try (Script s = new Script(port, login("alice", "foo"), login("wild", "foo"), login("ns", "foo"))) {
      s.step(1, "SUB foo.* 1\r\nSUB baz.> 2\r\nSUB > 3\r\n");
      s.step(2, "SUB foo.* 1\r\n");
      s.step(0, "PUB foo.bar 1\r\na\r\nPUB foo.baz 1\r\nb\r\nPUB baz.x.y 1\r\nc\r\nPUB other 1\r\nd\r\n");
      s.step(1, "");
      s.step(2, "");
      return s.transcript();
    }
  }

  @Test
  void sameDeliveryTimeDeny() throws Exception {
    Assumptions.assumeTrue(authNats != null, "nats-server not installed");
    String nats = deliveryDeny(authNats.port());
    assertEquals(nats, deliveryDeny(authBroker.port()));
    // wild (deny foo.bar) got foo.baz only; ns (deny foo.baz) got foo.bar only
    String[] lines = nats.split("\n");
    org.junit.jupiter.api.Assertions.assertTrue(lines[1].contains("MSG foo.baz") && !lines[1].contains("MSG foo.bar")
        && lines[2].contains("MSG foo.bar") && !lines[2].contains("MSG foo.baz"), nats);
  }

  /** A queue group whose member's deny list covers the subject: every message goes to the other member. */
  private static String queueDeny(int port) throws IOException {
    try (Script s = new Script(port, login("alice", "foo"), login("wild", "foo"))) {
      s.step(0, "SUB foo.* q 1\r\n");
      s.step(1, "SUB foo.* q 1\r\n");
      StringBuilder pubs = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        pubs.append("PUB foo.bar 1\r\n").append(i).append("\r\n");
      }
      s.step(0, pubs.toString());
      s.step(1, "");
      s.step(0, "");
      return s.transcript();
    }
  }

  @Test
  void sameQueueGroupDeliveryWithADenyingMember() throws Exception {
    Assumptions.assumeTrue(authNats != null, "nats-server not installed");
    String nats = queueDeny(authNats.port());
    assertEquals(nats, queueDeny(authBroker.port()));
    org.junit.jupiter.api.Assertions.assertTrue(nats.contains("MSG foo.bar 1 1\\r\\n7"), nats);
  }
}
