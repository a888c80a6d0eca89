package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.common.HostPort;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Scratch: nsqjs against the NSQ listener over a fake core. */
@Timeout(60)
class NsqLoopbackTest {
  Vertx vertx;
  int port;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    CompletableFuture<Integer> p = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      NsqConnectionTest.FakeCore core = new NsqConnectionTest.FakeCore();
      NsqServer server = new NsqServer(NsqSettings.defaults("0.1.0"), core, System::nanoTime, () -> System.currentTimeMillis() * 1_000_000L);
      new NsqListener(vertx, server, new HostPort("127.0.0.1", 0), 1 << 20, 100, Runnable::run).listen().onComplete(ar -> {
        if (ar.succeeded()) {
          p.complete(ar.result());
        } else {
          p.completeExceptionally(ar.cause());
        }
      });
    });
    port = p.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void readerAndWriter() throws Exception {
    assumeTrue(NodeScript.available());
    try (NodeScript reader = new NodeScript("reader", "nsqd", "127.0.0.1:" + port, "t", "c", "2", "req")) {
      reader.next("ready", 10_000);
      try (NodeScript writer = new NodeScript("writer", "127.0.0.1:" + port, "pub", "t", "one", "two")) {
        writer.next("published", 10_000);
      }
      JsonNode m = reader.next("body", 10_000);
      assertEquals(1, m.get("attempts").asInt());
      reader.next("body", 10_000);
      reader.next("body", 10_000);
      reader.next("body", 10_000);
      assertEquals(0, reader.waitFor(10_000), reader.seen.toString());
    }
  }
}
