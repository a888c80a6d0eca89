package dev.beacon.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * NATS load rows against one server (or, for the cross-broker rows, a publisher on one node and
 * the subscriber or responder on another). Every row runs on fresh connections.
 */
final class NatsBench {
  /** Bytes of PUB frames written per socket write. */
  static final int BATCH_BYTES = 64 * 1024;
  /** Published-but-not-yet-received bytes allowed per subscriber, so no server cuts it off as a slow consumer. */
  static final int WINDOW_BYTES = 8 * 1024 * 1024;
  static final long DRAIN_TIMEOUT_MS = 20_000;
  static final long ROUTE_TIMEOUT_MS = 30_000;
  static final int MAX_SAMPLES = 1 << 21;

  /** The cross-broker route never carried a probe: the cluster is not formed. */
  static final class NoRouteException extends IOException {
    NoRouteException(String m) {
      super(m);
    }
  }

  /**
   * One measured run: its figure (and a second one for latency rows), how many messages were
   * published but never received, and how many operations the run counted (messages published or
   * delivered, round trips), which turns the server's CPU time into CPU per operation.
   * {@code clientCpu} is CPU time a load generator in another process used (0 for this one,
   * whose CPU the caller reads itself).
   */
  record Run(double value, double value2, long lost, long ops, double clientCpu) {
    Run(double value, double value2, long lost, long ops) {
      this(value, value2, lost, ops, 0);
    }
  }

  private final String host;
  private final int pubPort;
  private final int subPort;
  private final long routeTimeoutMs;

  NatsBench(String host, int pubPort, int subPort) {
    this(host, pubPort, subPort, ROUTE_TIMEOUT_MS);
  }

  NatsBench(String host, int pubPort, int subPort, long routeTimeoutMs) {
    this.host = host;
    this.pubPort = pubPort;
    this.subPort = subPort;
    this.routeTimeoutMs = routeTimeoutMs;
  }

  String host() {
    return host;
  }

  int pubPort() {
    return pubPort;
  }

  /** A PUB frame repeated to fill about {@link #BATCH_BYTES}; {@code count[0]} receives the number of frames. */
  static byte[] batch(String subject, int size, int[] count) {
    byte[] frame = frame(subject, null, size);
    int n = Math.max(1, BATCH_BYTES / frame.length);
    byte[] b = new byte[n * frame.length];
    for (int i = 0; i < n; i++) {
      System.arraycopy(frame, 0, b, i * frame.length, frame.length);
    }
    count[0] = n;
    return b;
  }

  static byte[] frame(String subject, String reply, int size) {
    String head = "PUB " + subject + (reply == null ? "" : " " + reply) + " " + size + "\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] f = new byte[h.length + size + 2];
    System.arraycopy(h, 0, f, 0, h.length);
    Arrays.fill(f, h.length, h.length + size, (byte) 'x');
    f[f.length - 2] = '\r';
    f[f.length - 1] = '\n';
    return f;
  }

  /** Publish-only: msgs/s, counted up to the PONG that proves the server has read them all. */
  Run publishOnly(int size, double seconds) throws IOException {
    int[] k = new int[1];
    byte[] batch = batch("bench.pub", size, k);
    try (NatsConn pub = NatsConn.open(host, pubPort)) {
      long sent = 0;
      long t0 = System.nanoTime();
      long deadline = t0 + (long) (seconds * 1e9);
      while (System.nanoTime() < deadline) {
        pub.write(batch, 0, batch.length);
        sent += k[0];
      }
      pub.ping(DRAIN_TIMEOUT_MS);
      return new Run(sent / ((System.nanoTime() - t0) / 1e9), 0, 0, sent);
    }
  }

  /**
   * One publisher, {@code subs} subscribers: deliveries/s. The publisher stays within
   * {@link #WINDOW_BYTES} of the slowest subscriber; the clock stops when every subscriber has
   * received every message (or the drain times out, which counts the rest as lost).
   */
  Run pubSub(int size, int subs, double seconds) throws IOException {
    String subject = "bench.sub." + size + "." + subs;
    List<NatsConn> conns = new ArrayList<>();
    List<Thread> readers = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try {
      for (int i = 0; i < subs; i++) {
        NatsConn s = NatsConn.open(host, subPort);
        conns.add(s);
        s.write("SUB " + subject + " 1\r\n");
        s.ping(DRAIN_TIMEOUT_MS);
        readers.add(reader(s, failure));
      }
      NatsConn pub = NatsConn.open(host, pubPort);
      conns.add(pub);
      awaitRoute(pub, subject, conns.subList(0, subs), failure);

      int[] k = new int[1];
      byte[] batch = batch(subject, size, k);
      long frameLen = batch.length / k[0];
      long window = Math.max(4L * k[0], WINDOW_BYTES / frameLen);
      long sent = 0;
      long t0 = System.nanoTime();
      long deadline = t0 + (long) (seconds * 1e9);
      while (System.nanoTime() < deadline && failure.get() == null) {
        while (sent - minReceived(conns, subs) > window && failure.get() == null) {
          LockSupport.parkNanos(20_000);
        }
        pub.write(batch, 0, batch.length);
        sent += k[0];
      }
      pub.ping(DRAIN_TIMEOUT_MS);
      long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT_MS * 1_000_000L;
      while (minReceived(conns, subs) < sent && System.nanoTime() < drainDeadline && failure.get() == null) {
        LockSupport.parkNanos(50_000);
      }
      long t1 = System.nanoTime();
      long delivered = 0;
      for (int i = 0; i < subs; i++) {
        delivered += Math.min(sent, conns.get(i).publishedMsgs);
      }
      long lost = sent * subs - delivered;
      if (failure.get() != null) {
        System.err.println("bench: a subscriber connection failed: " + failure.get().getMessage());
      }
      return new Run(delivered / ((t1 - t0) / 1e9), 0, lost, delivered);
    } finally {
      conns.forEach(NatsConn::close);
      join(readers);
    }
  }

  /** Request/reply round trips from one requester: p50 and p99 in microseconds. */
  Run latency(double seconds) throws IOException {
    List<Thread> readers = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (NatsConn responder = NatsConn.open(host, subPort, payload(16));
         NatsConn req = NatsConn.open(host, pubPort)) {
      responder.write("SUB bench.req 1\r\n");
      responder.ping(DRAIN_TIMEOUT_MS);
      readers.add(reader(responder, failure));
      req.write("SUB bench.inbox.0 1\r\n");
      req.ping(DRAIN_TIMEOUT_MS);
      byte[] request = frame("bench.req", "bench.inbox.0", 16);
      awaitReply(req, request, failure, routeTimeoutMs);
      long[] samples = new long[MAX_SAMPLES];
      int n = 0;
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      long t;
      while ((t = System.nanoTime()) < deadline && n < samples.length) {
        long want = req.msgs() + 1;
        req.write(request, 0, request.length);
        req.awaitMsgs(want);
        samples[n++] = System.nanoTime() - t;
      }
      check(failure);
      Arrays.sort(samples, 0, n);
      return new Run(percentile(samples, n, 0.50) / 1e3, percentile(samples, n, 0.99) / 1e3, 0, n);
    } finally {
      join(readers);
    }
  }

  /** {@code requesters} connections each doing synchronous request/reply against one responder: req/s. */
  Run requesters(int requesters, double seconds) throws IOException {
    List<Thread> readers = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (NatsConn responder = NatsConn.open(host, subPort, payload(16));
         Requesters reqs = new Requesters(host, pubPort, requesters, "bench.req", "bench.inbox.", 16)) {
      responder.write("SUB bench.req 1\r\n");
      responder.ping(DRAIN_TIMEOUT_MS);
      readers.add(reader(responder, failure));
      reqs.awaitReplies(routeTimeoutMs);
      double[] rateAndCount = reqs.run(seconds);
      check(failure);
      return new Run(rateAndCount[0], 0, 0, (long) rateAndCount[1]);
    } finally {
      join(readers);
    }
  }

  /** Publishes empty probes until every subscriber has seen one: interest has reached the publisher's server. */
  private void awaitRoute(NatsConn pub, String subject, List<NatsConn> subs, AtomicReference<Throwable> failure)
      throws IOException {
    byte[] probe = frame(subject, null, 0);
    long deadline = System.nanoTime() + routeTimeoutMs * 1_000_000L;
    while (true) {
      boolean all = true;
      for (NatsConn s : subs) {
        all &= s.publishedProbes > 0;
      }
      if (all) {
        return;
      }
      check(failure);
      if (System.nanoTime() > deadline) {
        throw new NoRouteException("no probe on " + subject + " reached the subscriber within " + routeTimeoutMs + " ms");
      }
      pub.write(probe, 0, probe.length);
      pub.ping(DRAIN_TIMEOUT_MS);
      LockSupport.parkNanos(20_000_000);
    }
  }

  /** Sends requests until one is answered (across a cluster, interest for both subjects has to propagate first). */
  private static void awaitReply(NatsConn req, byte[] request, AtomicReference<Throwable> failure, long timeoutMs)
      throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      check(failure);
      long want = req.msgs() + 1;
      req.write(request, 0, request.length);
      try {
        req.awaitMsgs(want, 200);
        req.ping(DRAIN_TIMEOUT_MS);
        return;
      } catch (SocketTimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new NoRouteException("no reply to a request within " + timeoutMs + " ms");
        }
      }
    }
  }

  private static Thread reader(NatsConn c, AtomicReference<Throwable> failure) {
    Thread t = new Thread(() -> {
      try {
        while (c.readOnce() >= 0) {
          // counting happens in the scanner callbacks
        }
      } catch (IOException e) {
        // closed by us at the end of the row, or by the server: the latter shows up as lost messages
        if (!"Socket closed".equals(e.getMessage())) {
          failure.compareAndSet(null, e);
        }
      }
    }, "reader");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static long minReceived(List<NatsConn> conns, int subs) {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < subs; i++) {
      min = Math.min(min, conns.get(i).publishedMsgs);
    }
    return min;
  }

  private static void check(AtomicReference<Throwable> failure) throws IOException {
    Throwable t = failure.get();
    if (t != null) {
      throw new IOException("connection failed: " + t.getMessage(), t);
    }
  }

  private static void join(List<Thread> threads) {
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static byte[] payload(int size) {
    byte[] p = new byte[size];
    Arrays.fill(p, (byte) 'r');
    return p;
  }

  /** Nearest-rank percentile of the first n sorted samples. */
  static double percentile(long[] sorted, int n, double q) {
    if (n == 0) {
      throw new IllegalStateException("no samples");
    }
    int idx = (int) Math.ceil(q * n) - 1;
    return sorted[Math.max(0, Math.min(n - 1, idx))];
  }
}
