package dev.beacon.broker.discovery;

import static dev.beacon.broker.discovery.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nats.client.Connection;
import io.nats.client.Subscription;
import io.vertx.core.json.JsonArray;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Brokers configured with two lookupds keep working while one of them is down, and use it once it is up. */
@Timeout(60)
class TwoLookupdsIT {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int nodes(TestCluster cluster, String lookupd) throws Exception {
    JsonArray p = cluster.get(cluster.lookupd(lookupd).httpPort(), "/nodes").getJsonArray("producers");
    return p == null ? -1 : p.size();
  }

  @Test
  void oneLookupdDownNeitherStopsTheClusterNorDelaysTheOther() throws Exception {
    try (TestCluster cluster = new TestCluster()) {
      cluster.startLookupd("l1", "127.0.0.1:0", "127.0.0.1:0");
      int downTcp = closedPort();
      int downHttp = closedPort();
      String l1 = cluster.lookupdTcp("l1");
      String l2 = "127.0.0.1:" + downTcp;
      cluster.startBroker("b1", l1, l2);
      cluster.startBroker("b2", l2, l1);
      // First mesh of a cold JVM: class loading dominates, so the 2 s join bound is checked for b3 below.
      await("mesh through l1 while l2 is down", WAIT, cluster::fullMesh);

      Connection c1 = cluster.connect("b1");
      Connection c2 = cluster.connect("b2");
      Subscription s = c2.subscribe("orders");
      c2.flush(WAIT);
      await("interest on b1", WAIT, () -> cluster.routesWithInterest("b1", "orders") == 1);
      c1.publish("orders", "1".getBytes(StandardCharsets.UTF_8));
      assertEquals("1", new String(s.nextMessage(WAIT).getData(), StandardCharsets.UTF_8));

      // l2 comes up: both brokers register with it (the reconnect backoff is capped below one ping interval).
      cluster.startLookupd("l2", "127.0.0.1:" + downTcp, "127.0.0.1:" + downHttp);
      await("both brokers on l2", Duration.ofSeconds(15), () -> nodes(cluster, "l2") == 2);

      // l1 goes away: discovery through l2 alone lets a third broker join, and no route is dropped.
      cluster.stop("l1");
      cluster.startBroker("b3", l2);
      await("b3 joins through l2", Duration.ofSeconds(2), cluster::fullMesh);
    }
  }
}
