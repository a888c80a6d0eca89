package dev.beacon.testkit;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A jnats publisher and subscriber on a subject of their own, one message every 2 ms, while a test
 * loads the server: {@link #stop} reports how many were sent and received and the longest gap
 * between two arrivals. Needs jnats on the test classpath (testkit has it as an optional dependency).
 */
public final class Canary implements AutoCloseable {
  private final Connection pub;
  private final Connection sub;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong lastArrival = new AtomicLong();
  private final AtomicLong maxGapNanos = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean running = true;
  private final Thread publisher;

  /** What the canary saw. */
  public record Result(long sent, long received, long maxGapMillis) {
    public long lost() {
      return sent - received;
    }
  }

  public Canary(String url, String subject) throws Exception {
    Options o = new Options.Builder().server(url).maxReconnects(0).connectionTimeout(Duration.ofSeconds(5)).build();
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
        sent.incrementAndGet();
        next += 2_000_000L;
        LockSupport.parkNanos(Math.max(0, next - System.nanoTime())); // the canary's pace
      }
    }, "canary-" + subject);
    publisher.setDaemon(true);
    publisher.start();
  }

  /** Stops publishing, waits (at most 10 s) until what was sent arrived, returns the figures. */
  public Result stop() throws Exception {
    running = false;
    publisher.join(5_000);
    pub.flush(Duration.ofSeconds(5));
    long total = sent.get();
    try {
      Await.until("the canary's messages to arrive", Duration.ofSeconds(10), () -> received.get() >= total);
    } catch (AssertionError e) {
      // reported as lost by the caller
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
