package dev.beacon.lookupd.console;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NodeMonitor's bounds: nodes monitored, nodes remembered after they leave the registry. */
@Timeout(30)
class NodeMonitorTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** A registry of the given nodes; nothing else is used by NodeMonitor. */
  private static final class FakeRegistry implements Registry {
    volatile List<Node> nodes = List.of();

    @Override
    public List<Node> nodes(int max) {
      return nodes.subList(0, Math.min(max, nodes.size()));
    }

    @Override
    public List<Topic> topics(String filter, int max) {
      return List.of();
    }

    @Override
    public Self self() {
      return new Self("1.3.0", "test", 0, 0, 0, nodes.size(), 0, 0);
    }

    @Override
    public boolean tombstone(String topic, String node) {
      return false;
    }

    @Override
    public boolean deleteTopic(String topic) {
      return false;
    }

    @Override
    public boolean deleteChannel(String topic, String channel) {
      return false;
    }

    @Override
    public void log(String message) {
    }

    @Override
    public void warn(String message) {
    }
  }

  /** Nodes on ports where nothing listens: every fetch is refused at once. */
  private static List<Registry.Node> deadNodes(int n) throws Exception {
    List<Registry.Node> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      out.add(new Registry.Node("127.0.0.1:" + port, "id" + i, "h" + i, "127.0.0.1", 4150, port, "1.3.0", 0, true, List.of()));
    }
    return out;
  }

  private <T> T on(Supplier<Future<T>> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(v -> task.get().onComplete(ar -> {
      if (ar.succeeded()) {
        f.complete(ar.result());
      } else {
        f.completeExceptionally(ar.cause());
      }
    }));
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void monitorsAtMostMaxNodesAndCountsTheRest() throws Exception {
    FakeRegistry reg = new FakeRegistry();
    reg.nodes = deadNodes(5);
    NodeMonitor m = on(() -> Future.succeededFuture(new NodeMonitor(vertx, reg,
        new NodeMonitor.Settings(500, 0, 3, 10, 60_000, 1 << 20, 100))));
    on(m::current);
    assertEquals(3, on(() -> Future.succeededFuture(m.nodes().size())));
    assertEquals(2, m.unmonitored);
    for (NodeMonitor.Node n : on(() -> Future.succeededFuture(m.nodes()))) {
      assertEquals("down", n.status);
      assertTrue(n.error.contains("refused"), n.error);
    }
  }

  @Test
  void aNodeThatLeftIsShownUntilForgottenAndGivesWayToRegisteredOnes() throws Exception {
    FakeRegistry reg = new FakeRegistry();
    List<Registry.Node> all = deadNodes(3);
    reg.nodes = all.subList(0, 2);
    NodeMonitor m = on(() -> Future.succeededFuture(new NodeMonitor(vertx, reg,
        new NodeMonitor.Settings(500, 0, 2, 10, 60_000, 1 << 20, 100))));
    on(m::current);
    reg.nodes = List.of(all.get(0));
    on(m::current);
    List<NodeMonitor.Node> nodes = on(() -> Future.succeededFuture(m.nodes()));
    assertEquals(2, nodes.size(), "the node that left is still shown");
    assertTrue(!nodes.get(1).registered && nodes.get(1).key.equals(all.get(1).key()));
    // A new registered node takes the place of the one that left (the limit is 2).
    reg.nodes = List.of(all.get(0), all.get(2));
    on(m::current);
    nodes = on(() -> Future.succeededFuture(m.nodes()));
    assertEquals(List.of(all.get(0).key(), all.get(2).key()), nodes.stream().map(n -> n.key).toList());
    assertEquals(0, m.unmonitored);
  }
}
