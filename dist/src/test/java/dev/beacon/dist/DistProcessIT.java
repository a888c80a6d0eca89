package dev.beacon.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as a user gets it: unpacked into a temporary directory, bin/lookupd and
 * bin/broker started from it (the broker registered with that lookupd), the JVM flags the launchers
 * chose, JAVA_OPTS taking over the heap, and SIGTERM ending each daemon with an exit status.
 */
@Timeout(120)
class DistProcessIT {
  private static final String VERSION = UnpackedDist.VERSION;
  private static final Pattern LOOKUPD_READY = Pattern.compile("lookupd: ready, tcp 127\\.0\\.0\\.1:(\\d+) http 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern BROKER_READY = UnpackedDist.BROKER_READY;

  @TempDir
  static Path dir;
  static Path home;

  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void unpack() throws Exception {
    home = UnpackedDist.unpack(dir);
  }

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A started launcher and every line it printed (stdout and stderr), read on a daemon thread. */
  private final class Daemon {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuilder all = new StringBuilder();

    Daemon(Map<String, String> env, String... cmd) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
      pb.environment().remove("JAVA_OPTS");
      pb.environment().remove("JDK_JAVA_OPTIONS");
      pb.environment().putAll(env);
      process = pb.start();
      started.add(process);
      InputStream in = process.getInputStream();
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            synchronized (all) {
              all.append(l).append('\n');
            }
            lines.add(l);
          }
        } catch (IOException e) {
          // the process ended
        }
      }, "dist-it-output");
      t.setDaemon(true);
      t.start();
    }

    /** The first line matching {@code p} within {@code seconds}; fails with the output otherwise. */
    Matcher await(Pattern p, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String l = lines.poll(100, TimeUnit.MILLISECONDS);
        if (l != null) {
          Matcher m = p.matcher(l);
          if (m.find()) {
            return m;
          }
        }
      }
      throw new AssertionError("no line matching " + p + " within " + seconds + " s; output:\n" + output());
    }

    String output() {
      synchronized (all) {
        return all.toString();
      }
    }

    /** SIGTERM, then the exit status, which must come within {@code seconds}. */
    int terminate(long seconds) throws InterruptedException {
      long t0 = System.nanoTime();
      process.toHandle().destroy(); // SIGTERM
      boolean ended = process.waitFor(seconds, TimeUnit.SECONDS);
      assertTrue(ended, "still running " + seconds + " s after SIGTERM; output:\n" + output());
      System.out.printf("%s ended %d ms after SIGTERM, exit status %d%n", process.pid(),
          (System.nanoTime() - t0) / 1_000_000, process.exitValue());
      return process.exitValue();
    }
  }

  private static List<String> flags(Matcher printed) {
    return List.of(printed.group(1).trim().split(" "));
  }

  private static final Pattern FLAGS = Pattern.compile("JVM flags: (.*) \\(java: ");

  @Test
  void launchersStartBothDaemonsWithTheirFlagsAndEndOnSigterm() throws Exception {
    Daemon lookupd = new Daemon(Map.of(), home.resolve("bin/lookupd").toString(), "--print-jvm-flags",
        "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--broadcast-address=127.0.0.1");
    List<String> lookupdFlags = flags(lookupd.await(Pattern.compile("^lookupd: " + FLAGS.pattern()), 30));
    Matcher lr = lookupd.await(LOOKUPD_READY, 60);
    int lookupdTcp = Integer.parseInt(lr.group(1));
    int lookupdHttp = Integer.parseInt(lr.group(2));

    Daemon broker = new Daemon(Map.of("BEACON_PRINT_JVM_FLAGS", "1"), home.resolve("bin/broker").toString(),
        "--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0",
        "--lookupd-tcp-address=127.0.0.1:" + lookupdTcp, "--broadcast-address=127.0.0.1", "--name=dist-it");
    List<String> brokerFlags = flags(broker.await(Pattern.compile("^broker: " + FLAGS.pattern()), 30));
    Matcher br = broker.await(BROKER_READY, 60);

    for (List<String> f : List.of(lookupdFlags, brokerFlags)) {
      assertTrue(f.contains("-XX:+ExitOnOutOfMemoryError"), f.toString());
      assertEquals(1, f.stream().filter(s -> s.startsWith("-Xmx")).count(), f.toString());
      assertTrue(f.contains("-Xms8m"), f.toString());
    }
    assertTrue(brokerFlags.contains("-Xss512k"), brokerFlags.toString());
    assertTrue(brokerFlags.contains("-XX:MaxNewSize=16m"), brokerFlags.toString());
    assertFalse(lookupdFlags.stream().anyMatch(s -> s.startsWith("-XX:MaxNewSize")), lookupdFlags.toString());
    assertFalse(broker.output().contains("--print-jvm-flags"), "the launcher's own flag reached the daemon");

    // The launcher replaced itself with the JVM: the process SIGTERM goes to is java.
    String command = broker.process.info().command().orElse("");
    assertTrue(command.endsWith("java"), "the broker's process is " + command + ", not the JVM");

    // The broker registered with the lookupd it was pointed at.
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest nodes = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lookupdHttp + "/nodes"))
        .timeout(Duration.ofSeconds(5)).build();
    String body = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && !body.contains("\"tcp_port\":" + br.group(2))) {
      body = http.send(nodes, HttpResponse.BodyHandlers.ofString()).body();
      if (!body.contains("\"tcp_port\":" + br.group(2))) {
        TimeUnit.MILLISECONDS.sleep(100); // polling a remote process's state: nothing to await in-process
      }
    }
    assertTrue(body.contains("\"tcp_port\":" + br.group(2)), "broker not in lookupd's /nodes: " + body);

    int brokerStatus = broker.terminate(20);
    int lookupdStatus = lookupd.terminate(20);
    // A JVM ended by SIGTERM reports 143 (128 + 15) after its shutdown hooks ran.
    assertTrue(brokerStatus == 143 || brokerStatus == 0, "broker exit status " + brokerStatus);
    assertTrue(lookupdStatus == 143 || lookupdStatus == 0, "lookupd exit status " + lookupdStatus);
  }

  @Test
  void javaOptsAndJvmOptionsOverrideTheChosenHeap() throws Exception {
    // -XX:+PrintFlagsFinal shows what the JVM really runs with, not what the launcher meant.
    Daemon broker = new Daemon(Map.of("JAVA_OPTS", "-Xmx200m -XX:+PrintFlagsFinal"),
        home.resolve("bin/broker").toString(), "--print-jvm-flags", "--version");
    List<String> f = flags(broker.await(Pattern.compile("^broker: " + FLAGS.pattern()), 30));
    assertTrue(broker.process.waitFor(60, TimeUnit.SECONDS), broker.output());
    assertEquals(0, broker.process.exitValue(), broker.output());
    assertTrue(f.contains("-Xmx200m") && f.stream().filter(s -> s.startsWith("-Xm")).count() == 1,
        "JAVA_OPTS' heap must replace the chosen one: " + f);
    String out = broker.output();
    assertTrue(Pattern.compile("MaxHeapSize\\s+= 209715200 ").matcher(out).find(), out);
    assertTrue(Pattern.compile("ExitOnOutOfMemoryError\\s+= true ").matcher(out).find(), out);
    assertTrue(out.contains("broker v" + VERSION), out);

    // conf/jvm.options, per daemon: a "lookupd:" line reaches lookupd only.
    Path options = home.resolve("conf/jvm.options");
    String original = Files.readString(options);
    try {
      Files.writeString(options, original + "lookupd: -Xmx96m\nbroker: -Xmx64m\n");
      Daemon lookupd = new Daemon(Map.of(), home.resolve("bin/lookupd").toString(), "--print-jvm-flags", "--version");
      List<String> lf = flags(lookupd.await(Pattern.compile("^lookupd: " + FLAGS.pattern()), 30));
      assertTrue(lookupd.process.waitFor(60, TimeUnit.SECONDS), lookupd.output());
      assertEquals(0, lookupd.process.exitValue(), lookupd.output());
      assertTrue(lf.contains("-Xmx96m") && !lf.contains("-Xmx64m") && !lf.contains("-Xms8m"), lf.toString());
    } finally {
      Files.writeString(options, original);
    }
  }

  @Test
  void theFirstStartMakesTheClassDataArchiveAndLaterStartsMapIt() throws Exception {
    Path lib = home.resolve("lib");
    try (var old = Files.list(lib)) {
      for (Path f : old.filter(f -> f.getFileName().toString().startsWith("broker.jsa")).toList()) {
        Files.delete(f);
      }
    }
    Daemon first = new Daemon(Map.of(), home.resolve("bin/broker").toString(), "--print-jvm-flags",
        "--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    List<String> f = flags(first.await(Pattern.compile("^broker: " + FLAGS.pattern()), 30));
    Path made = lib.resolve("broker.jsa.new-" + first.process.pid());
    assertTrue(f.contains("-XX:ArchiveClassesAtExit=" + made), f.toString());
    first.await(BROKER_READY, 60);
    first.terminate(30);
    assertTrue(Files.size(made) > 1_000_000, "no archive dumped at exit: " + made);

    // A broken archive left by a JVM that died while dumping is checked, found broken and removed.
    Path broken = lib.resolve("broker.jsa.new-" + Integer.MAX_VALUE);
    Files.write(broken, Arrays.copyOf(Files.readAllBytes(made), 4_000_000));
    Daemon second = new Daemon(Map.of(), home.resolve("bin/broker").toString(), "--print-jvm-flags", "--version");
    List<String> f2 = flags(second.await(Pattern.compile("^broker: " + FLAGS.pattern()), 30));
    assertTrue(second.process.waitFor(60, TimeUnit.SECONDS), second.output());
    assertEquals(0, second.process.exitValue(), second.output());
    Path archive = lib.resolve("broker.jsa");
    assertTrue(f2.contains("-XX:SharedArchiveFile=" + archive) && f2.contains("-Xshare:auto"), f2.toString());
    assertTrue(Files.isRegularFile(archive) && !Files.exists(made) && !Files.exists(broken));

    // Mapped for real: -Xshare:on fails the start when the archive cannot be used.
    Daemon third = new Daemon(Map.of(), home.resolve("bin/broker").toString(), "--listen=127.0.0.1:0",
        "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    third.await(BROKER_READY, 60);
    third.terminate(20);
    Process check = new ProcessBuilder("java", "-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-jar",
        lib.resolve("broker.jar").toString(), "--version").redirectErrorStream(true).start();
    assertTrue(check.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, check.exitValue(), new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void aMissingJavaIsOneLineAndExitOne() throws Exception {
    Daemon broker = new Daemon(Map.of("JAVA_HOME", dir.resolve("no-such-jdk").toString()),
        home.resolve("bin/broker").toString(), "--version");
    assertTrue(broker.process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, broker.process.exitValue(), broker.output());
    assertNotNull(broker.await(Pattern.compile("^broker: JAVA_HOME is set to '.*' but .* is not an executable$"), 5));
  }
}
