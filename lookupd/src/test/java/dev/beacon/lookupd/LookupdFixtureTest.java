package dev.beacon.lookupd;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture other modules use: in the caller's Vert.x, stopped and restarted on the same address. */
class LookupdFixtureTest {
  @Test
  void inTheCallersVertxAndRestartedOnTheSameAddress() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      int port;
      try (LookupdFixture first = new LookupdFixture(vertx, Map.of())) {
        port = first.tcpPort();
        assertEquals("127.0.0.1:" + port, first.tcpAddress());
        try (TestPeer p = first.connect()) {
          p.identify();
          assertEquals("OK", p.command("REGISTER t"));
          first.awaitGet("/lookup?topic=t", b -> b.contains("\"tcp_port\":5150"));
        }
        assertThrows(IllegalStateException.class, () -> first.advance(Duration.ofSeconds(1)), "wall clock");
      }
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "undeployed");
      try (LookupdFixture again = new LookupdFixture(vertx, Map.of("tcp-address", "127.0.0.1:" + port))) {
        assertEquals(port, again.tcpPort());
        assertEquals("{\"topics\":[]}", again.get("/topics").body(), "a new registry");
      }
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void awaitGetFailsWithTheLastBody() {
    try (LookupdFixture f = new LookupdFixture()) {
      AssertionError e = assertThrows(AssertionError.class, () -> f.awaitGet("/topics", Duration.ofMillis(300), b -> b.contains("never")));
      assertTrue(e.getMessage().contains("last value: {\"topics\":[]}"), e.getMessage());
    }
  }
}
