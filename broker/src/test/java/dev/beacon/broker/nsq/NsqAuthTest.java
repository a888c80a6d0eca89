package dev.beacon.broker.nsq;

import dev.beacon.broker.Auth;
import dev.beacon.broker.Broker;
import dev.beacon.broker.BrokerOptions;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NSQ listener under the broker's users (raw sockets): nsqd's AUTH with the token or
 * user:password, nsqd's auth errors (each closes the connection), the users' NATS permissions on
 * PUB/MPUB/DPUB/SUB, a reload, and the NSQ HTTP writes.
 */
@Timeout(60)
class NsqAuthTest {
  /** bcrypt of "foo". */
  static final String FOO_BCRYPT = "$2a$10$UHR6GhotWhpLsKtVP0/i6.Nh9.fuY73cWjLoJjb2sKT8KISBcUW5q";

  static final String USERS = """
      broker.auth.users = [
        {user: alice, password: "pw:with:colons"}
        {user: hashed, password: "%s"}
        {user: narrow, password: n, permissions: {
          publish: {allow: "ok.>", deny: "ok.secret"}
          subscribe: {allow: ["jobs workers", "ok.>"], deny: "ok.secret"}
        }}
        {user: removed, password: r}
        {user: repassed, password: old}
        {user: narrowed, password: x}
      ]
      """.formatted(FOO_BCRYPT);

  NsqFixture f;

  @BeforeEach
  void setUp() {
    f = new NsqFixture();
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
  }

  private static String identifyJson() {
    return "{\"client_id\":\"raw\",\"hostname\":\"raw\",\"heartbeat_interval\":1000,\"feature_negotiation\":true}";
  }

  private static void assertClosedWith(RawNsq c, String error) throws Exception {
    c.expect("E:" + error);
    assertTrue(c.closedByServer(), "closed after " + error);
  }

  @Test
  void identifySaysAuthRequiredAndSubAndPublishesNeedAuthFirst() throws Exception {
    Broker b = f.startBroker("b1", USERS);
    int port = b.nsqPort();
    try (RawNsq c = new RawNsq(port)) {
      c.send("IDENTIFY\n", identifyJson());
      String answer = c.frame();
      assertTrue(answer.contains("\"auth_required\":true"), answer);
      c.send("NOP\n");
      c.send("SUB t ch\n");
      assertClosedWith(c, "E_AUTH_FIRST AUTH required before SUB");
    }
    try (RawNsq c = new RawNsq(port)) {
      c.send("PUB t\n", "x");
      assertClosedWith(c, "E_AUTH_FIRST AUTH required before PUB");
    }
    try (RawNsq c = new RawNsq(port)) {
      c.send("MPUB t\n", new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 'a'});
      assertClosedWith(c, "E_AUTH_FIRST AUTH required before MPUB");
    }
    try (RawNsq c = new RawNsq(port)) {
      c.send("DPUB t 10\n", "x");
      assertClosedWith(c, "E_AUTH_FIRST AUTH required before DPUB");
    }
    // nsqd's state checks come first for the consumer commands (they need a SUB, which needs AUTH)
    try (RawNsq c = new RawNsq(port)) {
      c.send("RDY 1\n");
      assertClosedWith(c, "E_INVALID cannot RDY in current state");
    }
  }

  @Test
  void badSecretsFail() throws Exception {
    Broker b = f.startBroker("b1", USERS);
    for (String secret : new String[] {"alice:wrong", "alice", "nobody:pw", "hashed:bar", ":", "pw:with:colons"}) {
      try (RawNsq c = new RawNsq(b.nsqPort())) {
        c.send("AUTH\n", secret);
        assertClosedWith(c, "E_AUTH_FAILED AUTH failed");
      }
    }
  }

  @Test
  void goodUserPublishesToNatsAndConsumes() throws Exception {
    Broker b = f.startBroker("b1", USERS);
    Connection nats = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + b.clientPort())
        .userInfo("alice", "pw:with:colons").connectionTimeout(Duration.ofSeconds(5)).build());
    try {
      Subscription sub = nats.subscribe("orders");
      nats.flush(Duration.ofSeconds(5));
      try (RawNsq c = new RawNsq(b.nsqPort()); RawNsq consumer = new RawNsq(b.nsqPort())) {
        c.send("IDENTIFY\n", identifyJson());
        c.frame();
        c.send("AUTH\n", "alice:pw:with:colons");
        c.expect("R:{\"identity\":\"alice\",\"identity_url\":\"\",\"permission_count\":1}");
        c.send("PUB orders\n", "hello");
        c.expect("R:OK");
        Message m = sub.nextMessage(Duration.ofSeconds(5));
        assertNotNull(m);
        assertEquals("hello", new String(m.getData(), StandardCharsets.UTF_8));

        consumer.send("AUTH\n", "alice:pw:with:colons");
        consumer.frame();
        consumer.consumer("orders", "ch");
        consumer.send("RDY 1\n");
        c.send("PUB orders\n", "again");
        c.expect("R:OK");
        assertTrue(consumer.frame().endsWith(":again"));

        c.send("AUTH\n", "alice:pw:with:colons");
        assertClosedWith(c, "E_INVALID AUTH already set");
      }
    } finally {
      nats.close();
    }
  }

  @Test
  void bcryptUserWithPipelinedCommands() throws Exception {
    Broker b = f.startBroker("b1", USERS);
    Connection nats = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + b.clientPort())
        .userInfo("hashed", "foo").connectionTimeout(Duration.ofSeconds(5)).build());
    try {
      Subscription sub = nats.subscribe("piped");
      nats.flush(Duration.ofSeconds(5));
      try (RawNsq c = new RawNsq(b.nsqPort())) {
        // AUTH and two PUBs in one write: the PUBs wait for the bcrypt check, then run in order
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(cmd("AUTH\n", "hashed:foo"));
        w.writeBytes(cmd("PUB piped\n", "one"));
        w.writeBytes(cmd("PUB piped\n", "two"));
        c.socket.getOutputStream().write(w.toByteArray());
        c.expect("R:{\"identity\":\"hashed\",\"identity_url\":\"\",\"permission_count\":1}");
        c.expect("R:OK");
        c.expect("R:OK");
        assertEquals("one", new String(sub.nextMessage(Duration.ofSeconds(5)).getData(), StandardCharsets.UTF_8));
        assertEquals("two", new String(sub.nextMessage(Duration.ofSeconds(5)).getData(), StandardCharsets.UTF_8));
      }
      try (RawNsq c = new RawNsq(b.nsqPort())) {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(cmd("AUTH\n", "hashed:wrong"));
        w.writeBytes(cmd("PUB piped\n", "never"));
        c.socket.getOutputStream().write(w.toByteArray());
        assertClosedWith(c, "E_AUTH_FAILED AUTH failed");
      }
      assertEquals(null, sub.nextMessage(Duration.ofMillis(300)));
    } finally {
      nats.close();
    }
  }

  @Test
  void tokenIsTheSecret() throws Exception {
    Broker b = f.startBroker("b1", "broker.auth.token = \"s3cret\"\n");
    try (RawNsq c = new RawNsq(b.nsqPort())) {
      c.send("AUTH\n", "s3cret");
      c.expect("R:{\"identity\":\"\",\"identity_url\":\"\",\"permission_count\":1}");
      c.send("PUB t\n", "x");
      c.expect("R:OK");
    }
    try (RawNsq c = new RawNsq(b.nsqPort())) {
      c.send("AUTH\n", "user:s3cret");
      assertClosedWith(c, "E_AUTH_FAILED AUTH failed");
    }
  }

  @Test
  void withoutAuthAuthIsDisabledAndEverythingOpen() throws Exception {
    Broker b = f.startBroker("b1", "");
    try (RawNsq c = new RawNsq(b.nsqPort())) {
      c.send("IDENTIFY\n", identifyJson());
      assertTrue(c.frame().contains("\"auth_required\":false"));
      c.send("PUB t\n", "x");
      c.expect("R:OK");
      c.send("AUTH\n", "anything");
      assertClosedWith(c, "E_AUTH_DISABLED AUTH disabled");
    }
  }

  @Test
  void permissionsApplyToPublishesAndSubscriptions() throws Exception {
    Broker b = f.startBroker("b1", USERS);
    int port = b.nsqPort();
    try (RawNsq c = narrow(port)) {
      c.send("PUB ok.x\n", "1");
      c.expect("R:OK");
      c.send("MPUB ok.x\n", new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 'a'});
      c.expect("R:OK");
      c.send("DPUB ok.x 0\n", "1");
      c.expect("R:OK");
      c.send("PUB ok.secret\n", "1");
      assertClosedWith(c, "E_UNAUTHORIZED AUTH failed for PUB on \"ok.secret\" \"\"");
    }
    try (RawNsq c = narrow(port)) {
      c.send("MPUB other\n", new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 'a'});
      assertClosedWith(c, "E_UNAUTHORIZED AUTH failed for MPUB on \"other\" \"\"");
    }
    try (RawNsq c = narrow(port)) {
      c.send("DPUB other 100\n", "1");
      assertClosedWith(c, "E_UNAUTHORIZED AUTH failed for DPUB on \"other\" \"\"");
    }
    // queue entries: "jobs" only in queue group "workers"
    try (RawNsq c = narrow(port)) {
      c.consumer("jobs", "workers");
    }
    try (RawNsq c = narrow(port)) {
      c.send("IDENTIFY\n", "{\"heartbeat_interval\":1000}");
      c.expect("R:OK");
      c.send("SUB jobs others\n");
      assertClosedWith(c, "E_UNAUTHORIZED AUTH failed for SUB on \"jobs\" \"others\"");
    }
    try (RawNsq c = narrow(port)) {
      c.consumer("ok.any", "ch");
    }
    try (RawNsq c = narrow(port)) {
      c.send("IDENTIFY\n", "{\"heartbeat_interval\":1000}");
      c.expect("R:OK");
      c.send("SUB ok.secret ch\n");
      assertClosedWith(c, "E_UNAUTHORIZED AUTH failed for SUB on \"ok.secret\" \"ch\"");
    }
  }

  private static RawNsq narrow(int port) throws Exception {
    RawNsq c = new RawNsq(port);
    c.send("AUTH\n", "narrow:n");
    // publish allow 1 + deny 1, subscribe allow 2 + deny 1
    c.expect("R:{\"identity\":\"narrow\",\"identity_url\":\"\",\"permission_count\":5}");
    return c;
  }

  @Test
  void reloadClosesWhatNoLongerPasses() throws Exception {
    Broker b = f.startBroker("b1", USERS);
    int port = b.nsqPort();
    try (RawNsq keep = login(port, "alice:pw:with:colons").consumer("t", "ch");
         RawNsq removed = login(port, "removed:r");
         RawNsq repassed = login(port, "repassed:old");
         RawNsq narrowed = login(port, "narrowed:x").consumer("secret", "ch");
         RawNsq hashed = login(port, "hashed:foo").consumer("t", "other")) {
      String after = USERS.replace("{user: removed, password: r}\n", "")
          .replace("{user: repassed, password: old}", "{user: repassed, password: new}")
          .replace("{user: narrowed, password: x}", "{user: narrowed, password: x, permissions: {subscribe: {deny: \"secret\"}}}");
      Auth next = BrokerOptions.of(after).auth();
      CompletableFuture<Void> done = new CompletableFuture<>();
      b.context().runOnContext(v -> {
        b.reloadAuth(next);
        done.complete(null);
      });
      done.get(10, TimeUnit.SECONDS);

      assertClosedWith(removed, "E_AUTH_FAILED AUTH failed");
      assertClosedWith(repassed, "E_AUTH_FAILED AUTH failed");
      assertClosedWith(narrowed, "E_UNAUTHORIZED AUTH failed for SUB on \"secret\" \"ch\"");
      // unchanged rights: still consuming
      try (RawNsq p = login(port, "alice:pw:with:colons")) {
        keep.send("RDY 1\n");
        hashed.send("RDY 1\n");
        p.send("PUB t\n", "after");
        p.expect("R:OK");
        assertTrue(keep.frame().endsWith(":after"));
        assertTrue(hashed.frame().endsWith(":after"));
      }
      // new logins are checked against the new users
      try (RawNsq again = new RawNsq(port)) {
        again.send("AUTH\n", "repassed:old");
        assertClosedWith(again, "E_AUTH_FAILED AUTH failed");
      }
      login(port, "repassed:new").close();
    }
  }

  @Test
  void reloadThatTurnsAuthOnClosesUnauthenticatedConsumers() throws Exception {
    Broker b = f.startBroker("b1", "");
    try (RawNsq consumer = new RawNsq(b.nsqPort()).consumer("t", "ch"); RawNsq producer = new RawNsq(b.nsqPort())) {
      producer.send("PUB t\n", "x");
      producer.expect("R:OK");
      Auth next = BrokerOptions.of(USERS).auth();
      CompletableFuture<Void> done = new CompletableFuture<>();
      b.context().runOnContext(v -> {
        b.reloadAuth(next);
        done.complete(null);
      });
      done.get(10, TimeUnit.SECONDS);
      assertClosedWith(consumer, "E_AUTH_FAILED AUTH failed");
      producer.send("PUB t\n", "x");
      assertClosedWith(producer, "E_AUTH_FIRST AUTH required before PUB");
    }
  }

  @Test
  void httpWritesNeedMonitoringActionsWhenAuthIsOn() throws Exception {
    Broker locked = f.startBroker("b1", USERS);
    String[] r = f.request("POST", locked.httpPort(), "/pub?topic=t");
    assertEquals("403", r[0]);
    assertEquals("{\"message\":\"FORBIDDEN\"}", r[1]);
    for (String path : new String[] {"/topic/create?topic=t", "/topic/delete?topic=t", "/channel/create?topic=t&channel=c",
        "/channel/delete?topic=t&channel=c", "/topic/pause?topic=t", "/channel/empty?topic=t&channel=c"}) {
      assertEquals("403", f.request("POST", locked.httpPort(), path)[0], path);
    }
    String[] stats = f.request("GET", locked.httpPort(), "/stats?format=json");
    assertEquals("200", stats[0]);
    assertFalse(stats[1].contains("\"topic_name\":\"t\""), stats[1]);

    Broker open = f.startBroker("b2", USERS + "broker.monitoring-actions = true\n");
    assertEquals("200", f.request("POST", open.httpPort(), "/topic/create?topic=t")[0]);
    Broker noAuth = f.startBroker("b3", "");
    assertEquals("200", f.request("POST", noAuth.httpPort(), "/topic/create?topic=t")[0]);
  }

  private static RawNsq login(int port, String secret) throws Exception {
    RawNsq c = new RawNsq(port);
    c.send("AUTH\n", secret);
    String f = c.frame();
    assertTrue(f.startsWith("R:{\"identity\":"), f);
    return c;
  }

  private static byte[] cmd(String line, String body) {
    byte[] l = line.getBytes(StandardCharsets.US_ASCII);
    byte[] bb = body.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[l.length + 4 + bb.length];
    System.arraycopy(l, 0, out, 0, l.length);
    V2Frames.putInt(out, l.length, bb.length);
    System.arraycopy(bb, 0, out, l.length + 4, bb.length);
    return out;
  }
}
