package dev.beacon.broker;

import dev.beacon.testkit.Await;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producer backpressure (nats-server's stall): a client publishing to a consumer past half of its
 * max-pending stops being read until the consumer drains below half or the stall time runs out.
 * Raw sockets; the consumer's receive buffer is small so its backlog builds in the broker.
 */
@Timeout(120)
class BackpressureTest {
  private static final int SIZE = 1024;
  private static final byte[] PAYLOAD = new byte[SIZE];

  static {
    java.util.Arrays.fill(PAYLOAD, (byte) 'p');
  }

  /** A raw client whose socket receive buffer is {@code rcvbuf} bytes, subscribed to {@code subject}. */
  static Socket subscriber(int port, String subject, int rcvbuf) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(rcvbuf);
    s.connect(new InetSocketAddress("127.0.0.1", port));
    s.setTcpNoDelay(true);
    s.getOutputStream().write(("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB " + subject + " 1\r\nPING\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    // INFO ... then PONG: read until PONG arrives.
    StringBuilder sb = new StringBuilder();
    byte[] b = new byte[4096];
    s.setSoTimeout(5000);
    while (!sb.toString().contains("PONG\r\n")) {
      int n = s.getInputStream().read(b);
      if (n < 0) {
        throw new IOException("closed before PONG: " + sb);
      }
      sb.append(new String(b, 0, n, StandardCharsets.US_ASCII));
    }
    s.setSoTimeout(0);
    return s;
  }

  /** One PUB frame of {@link #SIZE} bytes, written {@code n} times flat out, then PING; completes on PONG. */
  static CompletableFuture<Long> publish(int port, String subject, int n) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setTcpNoDelay(false);
        OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 65536);
        out.write("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] head = ("PUB " + subject + " " + SIZE + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] crlf = {'\r', '\n'};
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          out.write(head);
          out.write(PAYLOAD);
          out.write(crlf);
        }
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        byte[] b = new byte[4096];
        s.setSoTimeout(60_000);
        while (!sb.toString().contains("PONG\r\n")) {
          int r = in.read(b);
          if (r < 0) {
            throw new IOException("publisher closed: " + sb);
          }
          sb.append(new String(b, 0, r, StandardCharsets.US_ASCII));
        }
        return (System.nanoTime() - t0) / 1_000_000;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** Reads at about {@code bytesPerSecond} until {@code total} bytes of MSG frames arrived; returns the MSG count. */
  static int readThrottled(Socket s, long total, long bytesPerSecond) throws IOException {
    InputStream in = s.getInputStream();
    byte[] b = new byte[16 * 1024];
    long got = 0;
    int msgs = 0;
    int matched = 0;
    byte[] needle = "MSG ".getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    s.setSoTimeout(30_000);
    while (got < total) {
      int n = in.read(b);
      if (n < 0) {
        break;
      }
      got += n;
      for (int i = 0; i < n; i++) {
        matched = b[i] == needle[matched] ? matched + 1 : (b[i] == needle[0] ? 1 : 0);
        if (matched == needle.length) {
          msgs++;
          matched = 0;
        }
      }
      // Rate limit: the reader is slower than the publisher.
      long due = start + got * 1_000_000_000L / bytesPerSecond;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    return msgs;
  }

  private static long frameBytes(String subject) {
    return ("MSG " + subject + " 1 " + SIZE + "\r\n").length() + SIZE + 2;
  }

  @ParameterizedTest(name = "event-loops={0}")
  @ValueSource(ints = {1, 2})
  void aSlowReaderGetsEveryMessageBecauseThePublisherStalls(int loops) throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.max-pending=1MiB\nbroker.event-loops=" + loops)) {
      int n = 40_000;
      try (Socket sub = subscriber(b.port(), "slow", 4096)) {
        CompletableFuture<Long> pub = publish(b.port(), "slow", n);
        // ~40 MB at 20 MB/s: far slower than the publisher; kernel buffers hold a few MB at most.
        int got = readThrottled(sub, n * frameBytes("slow"), 20_000_000);
        pub.get(60, TimeUnit.SECONDS);
        assertEquals(n, got, "messages received");
        assertEquals(0L, (long) b.onContext(() -> b.broker.stats.slowConsumers), "slow consumers");
        assertTrue(b.onContext(() -> b.broker.stats.stalls) > 0, "the publisher was stalled");
      }
    }
  }

  @Test
  void aNeverReadingConsumerIsCutAndHoldsThePublisherForOneStallAtMost() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.max-pending=1MiB")) {
      int n = 20_000;
      try (Socket sub = subscriber(b.port(), "never", 4096)) {
        long ms = publish(b.port(), "never", n).get(60, TimeUnit.SECONDS);
        b.await(Duration.ofSeconds(10), () -> b.broker.stats.slowConsumers == 1);
        long stalls = b.onContext(() -> b.broker.stats.stalls);
        long stalledMs = b.onContext(() -> b.broker.stats.stallNanos) / 1_000_000;
        assertTrue(stalls >= 1, "stalls: " + stalls);
        // Stalls on a consumer that takes nothing stop once it took nothing for the longest stall
        // time (1 s); the one running then may last up to 1 s more.
        assertTrue(stalledMs <= 2 * ClientConnection.STALL_MAX_MILLIS + 100, "stalled " + stalledMs + " ms in " + stalls + " stalls");
        assertTrue(ms < stalledMs + 5000, "publisher took " + ms + " ms, stalled " + stalledMs + " ms");
        System.out.println("never-reader: publisher " + ms + " ms, " + stalls + " stalls, " + stalledMs + " ms stalled");
        assertEquals("Slow Consumer (Pending Bytes)", b.onContext(() -> {
          for (ClosedClient c : b.broker.closedClients()) {
            if (c.reason().startsWith("Slow")) {
              return c.reason();
            }
          }
          return "none";
        }));
      }
    }
  }

  @Test
  void stallDurationFollowsNatsServer() {
    long mp = 64L << 20;
    assertEquals(100, ClientConnection.stallMillis(mp / 2 + 1, mp));
    assertEquals(200, ClientConnection.stallMillis(mp / 2 + mp / 20, mp));
    assertEquals(600, ClientConnection.stallMillis(mp / 2 + 5 * (mp / 20), mp));
    assertEquals(1000, ClientConnection.stallMillis(mp - 1, mp));
    assertEquals(1000, ClientConnection.stallMillis(mp, mp));
    assertEquals(1000, ClientConnection.stallMillis(2 * mp, mp));
  }

  @Test
  void varzAndMetricsCountStalls() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.max-pending=1MiB")) {
      try (Socket sub = subscriber(b.port(), "v", 4096)) {
        publish(b.port(), "v", 5_000).get(60, TimeUnit.SECONDS);
        long stalls = b.onContext(() -> b.broker.stats.stalls);
        assertTrue(stalls >= 1, "stalls: " + stalls);
        String varz = http(b, "/varz");
        assertTrue(varz.matches("(?s).*\"stalls\"\\s*:\\s*" + stalls + "\\b.*"), varz);
        String metrics = http(b, "/metrics");
        assertTrue(metrics.contains("beacon_stalls_total " + stalls), metrics);
      }
    }
  }

  static String http(RunningBroker b, String path) throws Exception {
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
    return c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + b.broker.httpPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }
}
