package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against the real nats-server (skipped where Debian's nats-server is missing). */
@Timeout(60)
class NatsBenchIT {
  static final Path NATS_SERVER = Path.of("/usr/sbin/nats-server");
  static Process server;
  static int port;

  @BeforeAll
  static void startNatsServer() throws Exception {
    assumeTrue(Files.isExecutable(NATS_SERVER), "nats-server not installed");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = new ProcessBuilder(NATS_SERVER.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !server.isAlive()) {
          throw e;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
      }
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (server != null) {
      server.destroy();
      server.waitFor();
    }
  }

  @Test
  void publishOnlyCountsWhatTheServerRead() throws IOException {
    NatsBench.Run r = new NatsBench("127.0.0.1", port, port).publishOnly(16, 0.2);
    assertTrue(r.value() > 1000, "msgs/s " + r.value());
  }

  @Test
  void fanOutDeliversEveryMessageToEverySubscriber() throws IOException {
    NatsBench.Run r = new NatsBench("127.0.0.1", port, port).pubSub(1024, 4, 0.2);
    assertEquals(0, r.lost());
    assertTrue(r.value() > 1000, "deliveries/s " + r.value());
  }

  @Test
  void requestReplyLatencyAndRequesters() throws IOException {
    NatsBench b = new NatsBench("127.0.0.1", port, port);
    NatsBench.Run lat = b.latency(0.2);
    assertTrue(lat.value() > 0 && lat.value() <= lat.value2(), "p50 " + lat.value() + " p99 " + lat.value2());
    assertTrue(b.requesters(4, 0.2).value() > 100);
  }

  @Test
  void subscriberOnAServerWithoutRouteIsReportedAsNoRoute() throws Exception {
    // The "cluster" here is two unconnected servers: probes published on one never reach the other.
    int other;
    try (ServerSocket s = new ServerSocket(0)) {
      other = s.getLocalPort();
    }
    Process second = new ProcessBuilder(NATS_SERVER.toString(), "-a", "127.0.0.1", "-p", Integer.toString(other))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (true) {
        try (Socket s = new Socket("127.0.0.1", other)) {
          break;
        } catch (IOException e) {
          assertTrue(System.nanoTime() < deadline && second.isAlive(), "second nats-server did not start");
          java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
      }
      NatsBench b = new NatsBench("127.0.0.1", port, other, 1_000);
      org.junit.jupiter.api.Assertions.assertThrows(NatsBench.NoRouteException.class, () -> b.pubSub(16, 1, 0.1));
    } finally {
      second.destroy();
      second.waitFor();
    }
  }
}
