package dev.beacon.broker;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.beacon.testkit.Await;

/**
 * A jnats publisher and subscriber on a subject of their own, one message every 2 ms, while a test
 * loads the server: {@link #stop} reports how many were lost and the longest gap between arrivals.
 */
final class Canary implements AutoCloseable {
  private final Connection pub;
  private final Connection sub;
  private final String subject;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong lastArrival = new AtomicLong();
  private final AtomicLong maxGapNanos = new AtomicLong();
  private volatile boolean running = true;
  private long sent;
  private final Thread publisher;

  record Result(long sent, long received, long maxGapMillis) {
    long lost() {
      return sent - received;
    }
  }

  Canary(String url, String subject) throws Exception {
    this.subject = subject;
    Options o = new Options.Builder().server(url).maxReconnects(0).build();
    pub = Nats.connect(o);
    sub = Nats.connect(o);
    Dispatcher d = sub.createDispatcher(m -> {
      long now = System.nanoTime();
      long prev = lastArrival.getAndSet(now);
      if (prev != 0) {
        maxGapNanos.accumulateAndGet(now - prev, Math::max);
      }
      received.incrementAndGet();
    });
    d.subscribe(subject);
    sub.flush(Duration.ofSeconds(5));
    byte[] body = "canary".getBytes(StandardCharsets.US_ASCII);
    publisher = new Thread(() -> {
      long next = System.nanoTime();
      while (running) {
        pub.publish(subject, body);
        sent++;
        next += 2_000_000L;
        LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
      }
    }, "canary-" + subject);
    publisher.setDaemon(true);
    publisher.start();
  }

  /** Stops publishing, waits until what was sent arrived (or 10 s), returns the figures. */
  Result stop() throws Exception {
    running = false;
    publisher.join(5000);
    pub.flush(Duration.ofSeconds(5));
    long total = sent;
    try {
      Await.until("canary messages arrived", Duration.ofSeconds(10), () -> received.get() >= total);
    } catch (AssertionError e) {
      // Reported as lost below.
    }
    return new Result(total, received.get(), maxGapNanos.get() / 1_000_000);
  }

  @Override
  public void close() throws Exception {
    running = false;
    pub.close();
    sub.close();
  }
}
