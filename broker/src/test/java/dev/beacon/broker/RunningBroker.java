package dev.beacon.broker;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** An in-process broker on 127.0.0.1 with ephemeral ports, for tests. */
final class RunningBroker implements AutoCloseable {
  final Vertx vertx;
  final Broker broker;

  private RunningBroker(Vertx vertx, Broker broker) {
    this.vertx = vertx;
    this.broker = broker;
  }

  static RunningBroker start(String overrides) {
    String conf = "broker.listen=\"127.0.0.1:0\"\nbroker.http=\"127.0.0.1:0\"\nbroker.cluster=\"127.0.0.1:0\"\n"
        + "broker.broadcast-address=\"127.0.0.1\"\n" + overrides;
    BrokerOptions options = BrokerOptions.of(conf);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()).setWorkerPoolSize(1));
    Broker broker = new Broker(options, Discovery.NONE);
    try {
      vertx.deployVerticle(broker).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException(e);
    }
    return new RunningBroker(vertx, broker);
  }

  static RunningBroker start() {
    return start("");
  }

  int port() {
    return broker.clientPort();
  }

  String url() {
    return "nats://127.0.0.1:" + port();
  }

  /** Runs {@code task} on the broker's context and waits for its result. */
  <T> T onContext(Callable<T> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    broker.context().runOnContext(v -> {
      try {
        f.complete(task.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    return f.get(5, TimeUnit.SECONDS);
  }

  /** Polls {@code condition} on the broker's context every 2 ms until it holds; fails after {@code within}. */
  void await(Duration within, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!onContext(condition)) {
      if (System.nanoTime() > deadline) {
        org.junit.jupiter.api.Assertions.fail("condition not met in time");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
