package dev.beacon.broker;

import dev.beacon.testkit.Await;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The in-process broker of the tests: 127.0.0.1, ephemeral ports, in its own Vert.x. The
 * discovery tests deploy theirs with {@link #options} into a Vert.x shared with in-process lookupds.
 */
public final class RunningBroker implements AutoCloseable {
  final Vertx vertx;
  final Broker broker;

  private RunningBroker(Vertx vertx, Broker broker) {
    this.vertx = vertx;
    this.broker = broker;
  }

  /** Every listener on 127.0.0.1 port 0, advertised as 127.0.0.1; then {@code overrides} (HOCON). */
  public static BrokerOptions options(String overrides) {
    return BrokerOptions.of("broker.listen=\"127.0.0.1:0\"\nbroker.http=\"127.0.0.1:0\"\nbroker.cluster=\"127.0.0.1:0\"\n"
        + "broker.broadcast-address=\"127.0.0.1\"\n" + overrides);
  }

  static RunningBroker start(String overrides) {
    // event-loops > 1 with port 0 first probes a free port, then binds it from every loop: another
    // process on the machine can take it in between. That race is retried, nothing else.
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(overrides);
      } catch (IllegalStateException e) {
        if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
          throw e;
        }
      }
    }
  }

  private static RunningBroker startOnce(String overrides) {
    BrokerOptions options = options(overrides);
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

  /** Awaits {@code condition}, evaluated on the broker's context; fails after {@code within}. */
  void await(Duration within, Callable<Boolean> condition) {
    Await.until("condition on the broker's context", within, () -> onContext(condition));
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
