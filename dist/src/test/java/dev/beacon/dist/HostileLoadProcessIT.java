package dev.beacon.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.testkit.Await;
import dev.beacon.testkit.Canary;
import dev.beacon.testkit.JarProcess;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two hostile loads against the broker as shipped: started from the unpacked archive's
 * bin/broker with the launcher's JVM flags (-XX:+ExitOnOutOfMemoryError, so a heap that runs out
 * ends the process and fails this test). Hoarders (hundreds of connections that each declare a
 * 1 MiB PUB and send 1 KiB of it, declared bytes three times the heap), then never-readers (tens of
 * subscribers with a tiny receive buffer that never read, one publisher of 1 KiB messages flat out
 * to their subject for seconds), with the hoarders still connected. Throughout: a jnats canary pair
 * on its own subject that loses nothing and never stops for long, and /varz answering. After: the
 * never-readers cut as slow consumers (and nobody else), a fresh client served, the process alive
 * with no OutOfMemoryError in its output, and SIGTERM ending it.
 *
 * <p>The heap: the launcher sizes it from the memory available (a quarter, 256 MiB to 8 GiB); on a
 * large machine that heap would make hoarding of a few hundred MiB meaningless, so this test gives
 * the launcher's smallest heap, the one a machine with 1 GiB or less available gets, the way a
 * user would: a "broker: -Xmx256m" line in conf/jvm.options. Every other flag is the launcher's.
 */
@Timeout(180)
class HostileLoadProcessIT {
  /**
   * The launcher's floor (lib/launcher.sh), given through conf/jvm.options. {@code
   * -Dbeacon.hostile.heap=launcher} leaves the heap to the launcher (a quarter of the memory
   * available), for a manual run on a given machine; the hoarders are then capped at {@link
   * #MAX_HOARDERS}.
   */
  private static final String HEAP = "launcher".equals(System.getProperty("beacon.hostile.heap")) ? null : "-Xmx256m";
  /** Open files: the hoarders' sockets are open in this JVM and in the broker. */
  private static final int MAX_HOARDERS = 4_000;
  private static final int DECLARED = 1 << 20;
  private static final int SENT = 1024;
  /** Hoarders' declared bytes per MiB of heap. */
  private static final int HOARD_FACTOR = 3;
  private static final int NEVER_READERS = 30;
  private static final int NEVER_READER_RCVBUF = 4096;
  /** How long the publisher to the never-readers runs; {@code -Dbeacon.hostile.publish-seconds=N} for a manual run. */
  private static final long PUBLISH_MILLIS = Long.getLong("beacon.hostile.publish-seconds", 5) * 1000;
  private static final int MSG_SIZE = 1024;
  /** The canary's longest allowed pause between two arrivals (it publishes every 2 ms). */
  private static final long CANARY_MAX_GAP_MS = 2_000;
  /** /varz must answer each poll within this. */
  private static final Duration VARZ_TIMEOUT = Duration.ofSeconds(2);
  private static final Pattern FLAGS = Pattern.compile("^broker: JVM flags: (.*) \\(java: .*, memory available: (\\d+) MiB\\)");
  private static final Pattern OBJECT = Pattern.compile("\\{[^{}]*\\}");
  private static final Pattern OOM = Pattern.compile("java\\.lang\\.OutOfMemoryError.*|OutOfDirectMemoryError.*");
  private static final Pattern SLOW_CONSUMER = Pattern.compile("\"reason\"\\s*:\\s*\"Slow Consumer");

  @TempDir
  static Path dir;

  @Test
  void hoardersAndNeverReadersLeaveTheShippedBrokerServing() throws Exception {
    long t0 = System.nanoTime();
    Path home = UnpackedDist.unpack(Files.createDirectories(dir.resolve("hostile")));
    Path jvmOptions = home.resolve("conf/jvm.options");
    if (HEAP != null) {
      Files.writeString(jvmOptions, Files.readString(jvmOptions)
          + "\n# HostileLoadProcessIT: the launcher's smallest heap, so hoarding can exceed it in CI time\nbroker: " + HEAP + "\n");
    }
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/broker").toString(), "--listen=127.0.0.1:0",
        "--http=127.0.0.1:0", "--cluster=127.0.0.1:0").directory(dir.toFile());
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    pb.environment().put("BEACON_PRINT_JVM_FLAGS", "1");

    List<Socket> sockets = new ArrayList<>();
    JarProcess broker = null;
    try {
      broker = JarProcess.start(pb);
      Matcher printed = broker.awaitStderr(FLAGS, Duration.ofSeconds(30));
      List<String> flags = List.of(printed.group(1).trim().split(" "));
      long available = Long.parseLong(printed.group(2));
      assertTrue(flags.contains("-XX:+ExitOnOutOfMemoryError"), flags.toString());
      List<String> xmx = flags.stream().filter(f -> f.startsWith("-Xmx")).toList();
      assertTrue(xmx.size() == 1 && (HEAP == null || xmx.get(0).equals(HEAP)), flags.toString());
      int heapMiB = Integer.parseInt(xmx.get(0).substring(4, xmx.get(0).length() - 1));
      long launcherChoice = Math.min(8192, Math.max(256, available / 4));
      Matcher ready = broker.awaitStdout(UnpackedDist.BROKER_READY, Duration.ofSeconds(60));
      int port = Integer.parseInt(ready.group(2));
      int http = Integer.parseInt(ready.group(3));
      long pid = broker.process().pid();
      String url = "nats://127.0.0.1:" + port;
      System.out.printf("broker pid %d: %s (memory available %d MiB: the launcher alone would give -Xmx%dm), ready %d ms after the start%n",
          pid, String.join(" ", flags), available, launcherChoice, (System.nanoTime() - t0) / 1_000_000);

      try (Monitoring varz = new Monitoring(http, pid); Canary canary = new Canary(url, "canary.hostile")) {
        // --- 1. hoarders ---------------------------------------------------------------------------
        long p1 = System.nanoTime();
        int hoarders = Math.min(MAX_HOARDERS, HOARD_FACTOR * heapMiB);
        byte[] head = ("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPUB hoard " + DECLARED + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        byte[] part = new byte[SENT];
        Arrays.fill(part, (byte) 'h');
        Set<Integer> hoarderPorts = new HashSet<>();
        for (int i = 0; i < hoarders; i++) {
          Socket s = new Socket();
          sockets.add(s);
          s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          OutputStream out = s.getOutputStream();
          out.write(head);
          out.write(part);
          out.flush();
          hoarderPorts.add(s.getLocalPort());
        }
        // Every hoarder's kilobyte has been read by the broker: /connz counts each one's bytes.
        int expected = head.length + SENT;
        Await.until(hoarders + " hoarders each with " + expected + " bytes read by the broker", Duration.ofSeconds(30),
            () -> countConnections(get(http, "/connz?limit=4096"),
                (p, c) -> hoarderPorts.contains(p) && field(c, "in_bytes") >= expected) == hoarders);
        assertTrue(broker.isAlive(), "the broker died under hoarding\n" + broker.stderr());
        long hoardRss = rssKiB(pid, "VmRSS") / 1024;
        long hoardMillis = (System.nanoTime() - p1) / 1_000_000;
        int varzDuringHoarding = varz.answered.get();
        System.out.printf("hoarders: %d connections x %d B sent of %d declared (%d MiB declared, heap %d MiB): all read in %d ms, "
            + "broker RSS %d MiB, /varz answered %d times%n", hoarders, SENT, DECLARED, (long) hoarders * DECLARED >> 20, heapMiB,
            hoardMillis, hoardRss, varzDuringHoarding);

        // --- 2. never-readers, the hoarders still connected ----------------------------------------
        long p2 = System.nanoTime();
        Set<Integer> neverPorts = new HashSet<>();
        for (int i = 0; i < NEVER_READERS; i++) {
          Socket s = subscriber(port, "fire");
          sockets.add(s);
          neverPorts.add(s.getLocalPort());
        }
        long published = publishFor(port, "fire", PUBLISH_MILLIS).get(PUBLISH_MILLIS + 60_000, TimeUnit.MILLISECONDS);
        long publishMillis = (System.nanoTime() - p2) / 1_000_000;
        long slow = Await.value("all " + NEVER_READERS + " never-readers cut as slow consumers (/varz slow_consumers)",
            Duration.ofSeconds(30), () -> field(get(http, "/varz"), "slow_consumers"), n -> n >= NEVER_READERS);
        String closed = get(http, "/connz?state=closed&limit=4096");
        Set<Integer> cut = new HashSet<>();
        countConnections(closed, (p, c) -> {
          if (SLOW_CONSUMER.matcher(c).find()) {
            cut.add(p);
          }
          return true;
        });
        assertEquals(neverPorts, cut, "cut as slow consumers (by /connz?state=closed): exactly the never-readers\n" + closed);
        assertEquals(NEVER_READERS, slow, "/varz slow_consumers: the never-readers and nobody else");
        String afterVarz = get(http, "/varz");
        long budget = field(afterVarz, "max_pending_total");
        long budgetCuts = field(afterVarz, "pending_total_cuts");
        assertTrue(varz.maxPendingTotal.get() <= budget, "pending_total " + varz.maxPendingTotal.get() + " past its budget " + budget);

        // --- after: the canary lost nothing, a fresh client is served, the process is sound -------
        Canary.Result r = canary.stop();
        long freshMillis = freshClientRoundTrip(url);
        assertTrue(get(http, "/varz").contains("\"server_id\""));
        varz.stop();
        long hwm = rssKiB(pid, "VmHWM") / 1024;
        System.out.printf("never-readers: %d subscribers (SO_RCVBUF %d), publisher %d msgs of %d B in %d ms; cut as slow consumers %d "
            + "(%d by max-pending-total %d B), pending_total peak seen %d B%n", NEVER_READERS, NEVER_READER_RCVBUF, published,
            MSG_SIZE, publishMillis, slow, budgetCuts, budget, varz.maxPendingTotal.get());
        System.out.printf("canary: sent %d, received %d, longest gap %d ms; /varz answered %d times, failed %d, slowest %d ms; "
            + "fresh client round trip %d ms; broker RSS peak (VmHWM) %d MiB%n", r.sent(), r.received(), r.maxGapMillis(),
            varz.answered.get(), varz.failures.get(), varz.slowestMillis.get(), freshMillis, hwm);

        assertEquals(0, varz.failures.get(), "/varz failed to answer within " + VARZ_TIMEOUT.toMillis() + " ms, first: " + varz.firstFailure.get());
        assertTrue(varzDuringHoarding > 0 && varz.answered.get() > varzDuringHoarding, "/varz was not polled in both phases");
        assertEquals(r.sent(), r.received(), "canary lost " + r.lost() + " messages");
        assertTrue(r.sent() > 1000, "the canary hardly ran: " + r.sent());
        assertTrue(r.maxGapMillis() < CANARY_MAX_GAP_MS, "canary gap " + r.maxGapMillis() + " ms");
        assertTrue(hwm < (long) hoarders * DECLARED >> 20, "resident memory " + hwm + " MiB follows the hoarders' declared sizes");
      }
      assertTrue(broker.isAlive(), "the broker is gone\n" + broker.stderr());
      // "java.lang.OutOfMemoryError" is both what the JVM prints when it exits for one and what an
      // allocation failure caught on an event loop logs; Netty's own is OutOfDirectMemoryError.
      Matcher oom = OOM.matcher(broker.stdout() + broker.stderr());
      boolean ranOut = oom.find();
      assertFalse(ranOut, ranOut ? "the broker ran out of memory: " + oom.group() : "");

      // SIGTERM ends it even with the hoarders still connected.
      long s0 = System.nanoTime();
      int status = broker.stop(Duration.ofSeconds(30));
      System.out.printf("SIGTERM: exit status %d after %d ms; whole test %d ms%n", status, (System.nanoTime() - s0) / 1_000_000,
          (System.nanoTime() - t0) / 1_000_000);
      assertTrue(status == 143 || status == 0, "exit status " + status + "\n" + broker.stderr());
    } catch (Throwable e) {
      System.out.println("--- the broker's output:\n" + (broker == null ? "" : tail(broker.stdout() + broker.stderr(), 60)));
      throw e;
    } finally {
      if (broker != null) {
        broker.close();
      }
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /**
   * An OutOfMemoryError the JVM does not throw itself (direct buffer memory, thrown by Java code)
   * ends the broker like -XX:+ExitOnOutOfMemoryError does, instead of leaving it up and failing
   * allocations for whoever comes next. Provoked with a direct memory limit far below what the
   * budget lets never-readers hold (the launcher's heap, -XX:MaxDirectMemorySize=16m in JAVA_OPTS).
   */
  @Test
  void anOutOfMemoryErrorOfDirectMemoryEndsTheProcess() throws Exception {
    Path home = UnpackedDist.unpack(Files.createDirectories(dir.resolve("oom")));
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/broker").toString(), "--listen=127.0.0.1:0",
        "--http=127.0.0.1:0", "--cluster=127.0.0.1:0").directory(dir.toFile());
    pb.environment().remove("JDK_JAVA_OPTIONS");
    pb.environment().put("JAVA_OPTS", "-XX:MaxDirectMemorySize=16m");
    List<Socket> sockets = new ArrayList<>();
    try (JarProcess broker = JarProcess.start(pb)) {
      Matcher ready = broker.awaitStdout(UnpackedDist.BROKER_READY, Duration.ofSeconds(60));
      int port = Integer.parseInt(ready.group(2));
      for (int i = 0; i < 4; i++) {
        sockets.add(subscriber(port, "fire"));
      }
      CompletableFuture<Long> publisher = publishFor(port, "fire", 20_000);
      int status = broker.awaitExit(Duration.ofSeconds(40));
      publisher.handle((n, e) -> n); // cut by the exit: its outcome is not the point
      System.out.println("direct memory exhausted: exit status " + status + ", " + broker.stderr().lines()
          .filter(l -> l.startsWith("Terminating due to")).findFirst().orElse("no 'Terminating' line"));
      assertEquals(3, status, "exit status (HotSpot's for -XX:+ExitOnOutOfMemoryError)\n" + tail(broker.stderr(), 40));
      assertTrue(broker.stderr().contains("Terminating due to java.lang.OutOfMemoryError"), tail(broker.stderr(), 40));
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** The last {@code n} lines of {@code text}. */
  static String tail(String text, int n) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  /** GET http://127.0.0.1:{port}{path}: the body of a 200 within {@link #VARZ_TIMEOUT}. */
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(VARZ_TIMEOUT).build();

  static String get(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(VARZ_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** The number {@code "name": N} in a JSON text; fails when it is missing. */
  static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(json);
    if (!m.find()) {
      throw new AssertionError("no " + name + " in " + json);
    }
    return Long.parseLong(m.group(1));
  }

  @FunctionalInterface
  interface ConnectionTest {
    boolean test(int port, String json);
  }

  /** How many connection objects of a /connz answer pass {@code test} (given the client's port and the object's text). */
  static int countConnections(String connz, ConnectionTest test) {
    int n = 0;
    Matcher m = OBJECT.matcher(connz);
    while (m.find()) {
      String c = m.group();
      if (c.contains("\"cid\"") && test.test((int) field(c, "port"), c)) {
        n++;
      }
    }
    return n;
  }

  /** A field of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: the peak). */
  static long rssKiB(long pid, String name) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith(name + ":")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no " + name + " for pid " + pid);
  }

  /** A raw subscriber to {@code subject} with a tiny receive buffer that, after its PONG, never reads. */
  static Socket subscriber(int port, String subject) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(NEVER_READER_RCVBUF);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.getOutputStream().write(("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB " + subject + " 1\r\nPING\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    awaitPong(s, 10_000);
    return s;
  }

  /** Reads (INFO, ...) until PONG arrives; fails after {@code millis} without a byte. */
  static void awaitPong(Socket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    StringBuilder seen = new StringBuilder();
    byte[] b = new byte[4096];
    InputStream in = s.getInputStream();
    while (seen.indexOf("PONG\r\n") < 0) {
      int n = in.read(b);
      if (n < 0) {
        throw new IOException("closed before PONG: " + seen);
      }
      seen.append(new String(b, 0, n, StandardCharsets.US_ASCII));
    }
  }

  /** One raw publisher writing 1 KiB PUBs flat out for {@code millis}, then PING; completes on PONG with the count. */
  static CompletableFuture<Long> publishFor(int port, String subject, long millis) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65_536);
        out.write("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] headBytes = ("PUB " + subject + " " + MSG_SIZE + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = Arrays.copyOf(headBytes, headBytes.length + MSG_SIZE + 2);
        Arrays.fill(frame, headBytes.length, headBytes.length + MSG_SIZE, (byte) 'f');
        frame[frame.length - 2] = '\r';
        frame[frame.length - 1] = '\n';
        long end = System.nanoTime() + millis * 1_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
          for (int i = 0; i < 64; i++) {
            out.write(frame);
          }
          n += 64;
        }
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        awaitPong(s, 30_000);
        return n;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** A new jnats client connects, subscribes, publishes and receives its message; returns how long it took. */
  static long freshClientRoundTrip(String url) throws Exception {
    long t = System.nanoTime();
    Options o = new Options.Builder().server(url).maxReconnects(0).connectionTimeout(Duration.ofSeconds(5)).build();
    try (Connection nc = Nats.connect(o)) {
      Subscription sub = nc.subscribe("fresh");
      nc.flush(Duration.ofSeconds(5));
      nc.publish("fresh", "hello".getBytes(StandardCharsets.US_ASCII));
      Message m = sub.nextMessage(Duration.ofSeconds(5));
      assertNotNull(m, "a fresh client got no message back");
      assertEquals("hello", new String(m.getData(), StandardCharsets.US_ASCII));
    }
    return (System.nanoTime() - t) / 1_000_000;
  }

  /**
   * Polls /varz every 50 ms on a thread of its own: counts answers and failures (no answer within
   * {@link #VARZ_TIMEOUT}), the slowest answer, and the largest pending_total seen.
   */
  static final class Monitoring implements AutoCloseable {
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    final AtomicLong slowestMillis = new AtomicLong();
    final AtomicLong maxPendingTotal = new AtomicLong();
    private volatile boolean running = true;
    private final Thread thread;

    Monitoring(int http, long pid) {
      thread = new Thread(() -> {
        while (running) {
          long t = System.nanoTime();
          try {
            String v = get(http, "/varz");
            maxPendingTotal.accumulateAndGet(field(v, "pending_total"), Math::max);
            answered.incrementAndGet();
          } catch (Exception | AssertionError e) {
            if (failures.incrementAndGet() == 1) {
              firstFailure.set(e);
            }
          }
          long took = System.nanoTime() - t;
          slowestMillis.accumulateAndGet(took / 1_000_000, Math::max);
          LockSupport.parkNanos(Math.max(0, 50_000_000L - took)); // the polling period, not a synchronisation
        }
      }, "varz-poller");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(VARZ_TIMEOUT.toMillis() + 5_000);
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
