package dev.beacon.broker;

import dev.beacon.testkit.Await;
import dev.beacon.testkit.NatsServerProcess;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jnats with users and permissions (bcrypt password, allow-responses), run against the broker and
 * against nats-server 2.9 with the same users: same errors reported, connection kept, replies allowed.
 */
@Tag("conformance")
@Timeout(60)
class PermissionsClientIT {
  private static RunningBroker broker;
  private static NatsServerProcess nats;

  @BeforeAll
  static void start() throws Exception {
    broker = RunningBroker.start(DifferentialIT.AUTH_HOCON);
    if (NatsServerProcess.installed()) {
      nats = new NatsServerProcess(DifferentialIT.AUTH_NATS, false);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    broker.close();
    if (nats != null) {
      nats.close();
    }
  }

  private static Connection connect(String url, String user, List<String> errors) throws Exception {
    return Nats.connect(Options.builder().server(url).userInfo(user, "foo").maxReconnects(0)
        .connectionTimeout(Duration.ofSeconds(5))
        .errorListener(new ErrorListener() {
          @Override
          public void errorOccurred(Connection conn, String error) {
            errors.add(error);
          }
        }).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void requestReplyWithPermissionsAsNatsServer(String server) throws Exception {
    String url = server.equals("broker") ? broker.url() : null;
    if (url == null) {
      Assumptions.assumeTrue(nats != null, "nats-server not installed");
      url = nats.url();
    }
    List<String> svcErrors = new CopyOnWriteArrayList<>();
    List<String> bobErrors = new CopyOnWriteArrayList<>();
    try (Connection svc = connect(url, "svc", svcErrors); Connection bob = connect(url, "bob", bobErrors);
         Connection alice = connect(url, "alice", new CopyOnWriteArrayList<>())) {
      // svc may answer requests (allow-responses) and publish nothing else
      Subscription requests = svc.subscribe("svc.echo");
      svc.flush(Duration.ofSeconds(2));
      Thread responder = new Thread(() -> {
        try {
          Message m = requests.nextMessage(Duration.ofSeconds(5));
          if (m != null) {
            svc.publish(m.getReplyTo(), m.getData());
            svc.publish(m.getReplyTo(), "twice".getBytes(StandardCharsets.UTF_8)); // max 1: refused
            svc.publish("elsewhere", "x".getBytes(StandardCharsets.UTF_8)); // refused
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      responder.start();
      Message reply = alice.request("svc.echo", "ping".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
      assertNotNull(reply, server);
      assertEquals("ping", new String(reply.getData(), StandardCharsets.UTF_8));
      responder.join(10_000);
      Await.until("svc's two refusals reported", Duration.ofSeconds(5), () -> svcErrors.size() == 2);
      assertTrue(svcErrors.get(0).contains("Permissions Violation for Publish to \"_INBOX."), svcErrors.toString());
      assertEquals("Permissions Violation for Publish to \"elsewhere\"", svcErrors.get(1).replace("'", ""), svcErrors.toString());

      // bob (bcrypt password): a refused SUB and PUB are reported, the connection carries on
      Subscription denied = bob.subscribe("foo");
      bob.publish("foo", new byte[0]);
      bob.flush(Duration.ofSeconds(2));
      Await.until("bob's refusals reported", Duration.ofSeconds(5), () -> bobErrors.size() == 2);
      assertEquals(List.of("Permissions Violation for Subscription to \"foo\"", "Permissions Violation for Publish to \"foo\""),
          bobErrors.stream().map(e -> e.replace("'", "")).toList(), server);
      assertNull(denied.nextMessage(Duration.ofMillis(100)));
      assertEquals(Connection.Status.CONNECTED, bob.getStatus());
      Subscription inbox = bob.subscribe("_INBOX.bob");
      bob.flush(Duration.ofSeconds(2));
      alice.publish("_INBOX.bob", "hi".getBytes(StandardCharsets.UTF_8));
      Message m = inbox.nextMessage(Duration.ofSeconds(5));
      assertNotNull(m, server);
    }
  }
}
