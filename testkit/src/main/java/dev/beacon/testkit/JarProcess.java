package dev.beacon.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A packaged jar run as users run it ({@code java [jvmArgs] -jar JAR [args]}), with its stdout and
 * stderr read line by line on two threads (so its pipes never fill) and kept for assertions.
 *
 * <pre>{@code
 * try (JarProcess p = JarProcess.start(Path.of("target/lookupd.jar"), "--tcp-address=127.0.0.1:0")) {
 *   int[] ports = p.awaitReady(Pattern.compile("lookupd: ready, tcp [^ ]+:(\\d+) http [^ ]+:(\\d+)"));
 *   ...
 *   assertEquals(0, p.stop(Duration.ofSeconds(10)));   // SIGTERM, then the exit code
 *   assertTrue(p.stderr().contains("..."));
 * }
 * }</pre>
 */
public final class JarProcess implements AutoCloseable {
  /** The wait of the overloads without one: generous, a 2-core box may start several JVMs at once. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** JVM flags of {@link #start(Path, String...)}: a small heap, quick start. */
  public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final Process process;
  private final Stream out;
  private final Stream err;
  private int[] readyPorts;

  private JarProcess(Process process) {
    this.process = process;
    this.out = new Stream(process.getInputStream(), "stdout of pid " + process.pid());
    this.err = new Stream(process.getErrorStream(), "stderr of pid " + process.pid());
  }

  /** Starts {@code jar} with {@link #DEFAULT_JVM_ARGS}; does not wait for anything. */
  public static JarProcess start(Path jar, String... args) throws IOException {
    return start(jar, DEFAULT_JVM_ARGS, List.of(args));
  }

  /** Starts {@code java jvmArgs -jar jar args} with this JVM's java; does not wait for anything. */
  public static JarProcess start(Path jar, List<String> jvmArgs, List<String> args) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar.toAbsolutePath() + " missing: run after package");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    return new JarProcess(new ProcessBuilder(cmd).start());
  }

  /**
   * Starts {@code pb} as configured (command, directory, environment), e.g. a distribution's
   * launcher script that execs {@code java -jar}; its output is read as for a jar. Do not redirect
   * its output: both streams are read here.
   */
  public static JarProcess start(ProcessBuilder pb) throws IOException {
    return new JarProcess(pb.start());
  }

  /**
   * Waits for the ready line on stdout ({@code ready} is searched in each line) and returns its
   * groups parsed as ints (the ports it reports), also kept for {@link #port(int)}. Fails with the
   * output so far when the process exits first or the time is up.
   */
  public int[] awaitReady(Pattern ready, Duration timeout) {
    Matcher m = awaitStdout(ready, timeout);
    int[] ports = new int[m.groupCount()];
    for (int i = 0; i < ports.length; i++) {
      ports[i] = Integer.parseInt(m.group(i + 1));
    }
    readyPorts = ports;
    return ports.clone();
  }

  public int[] awaitReady(Pattern ready) {
    return awaitReady(ready, DEFAULT_TIMEOUT);
  }

  /** Group {@code i} (0-based: the first group is 0) of the ready line. */
  public int port(int i) {
    if (readyPorts == null) {
      throw new IllegalStateException("awaitReady first");
    }
    return readyPorts[i];
  }

  /** The first stdout line (from the start of the output) in which {@code p} is found. */
  public Matcher awaitStdout(Pattern p, Duration timeout) {
    return out.await(p, timeout, this);
  }

  /** The first stderr line (from the start of the output) in which {@code p} is found. */
  public Matcher awaitStderr(Pattern p, Duration timeout) {
    return err.await(p, timeout, this);
  }

  /** Sends SIGTERM and returns the exit code once the process ended and its output is read. */
  public int stop(Duration timeout) throws InterruptedException {
    // Through the handle: Process.destroy() would also close our end of its pipes.
    process.toHandle().destroy();
    return awaitExit(timeout);
  }

  public int stop() throws InterruptedException {
    return stop(DEFAULT_TIMEOUT);
  }

  /** Sends SIGKILL and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    awaitExit(DEFAULT_TIMEOUT);
  }

  /** Waits for the process to exit by itself and for its output to be read; returns the exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new AssertionError("pid " + process.pid() + " did not exit within " + timeout.toMillis() + " ms\n" + describe());
    }
    out.awaitEnd(deadline);
    err.awaitEnd(deadline);
    return process.exitValue();
  }

  public int awaitExit() throws InterruptedException {
    return awaitExit(DEFAULT_TIMEOUT);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  public List<String> stdoutLines() {
    return out.lines();
  }

  public List<String> stderrLines() {
    return err.lines();
  }

  /** Everything read from stdout so far, one {@code \n} after each line. */
  public String stdout() {
    return String.join("\n", out.lines()) + (out.lines().isEmpty() ? "" : "\n");
  }

  /** Everything read from stderr so far, one {@code \n} after each line. */
  public String stderr() {
    return String.join("\n", err.lines()) + (err.lines().isEmpty() ? "" : "\n");
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.toHandle().destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private String describe() {
    return "--- stdout:\n" + stdout() + "--- stderr:\n" + stderr();
  }

  /** One output stream, read to its end on a daemon thread. */
  private static final class Stream {
    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    Stream(InputStream in, String name) {
      Thread t = new Thread(() -> read(in), name);
      t.setDaemon(true);
      t.start();
    }

    private void read(InputStream in) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (this) {
            lines.add(line);
            notifyAll();
          }
        }
      } catch (IOException e) {
        // the pipe closed under us: the end of the output
      } finally {
        synchronized (this) {
          ended = true;
          notifyAll();
        }
      }
    }

    synchronized List<String> lines() {
      return List.copyOf(lines);
    }

    Matcher await(Pattern p, Duration timeout, JarProcess owner) {
      long deadline = System.nanoTime() + timeout.toNanos();
      int next = 0;
      synchronized (this) {
        while (true) {
          for (; next < lines.size(); next++) {
            Matcher m = p.matcher(lines.get(next));
            if (m.find()) {
              return m;
            }
          }
          long left = deadline - System.nanoTime();
          if (ended || left <= 0) {
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for /" + p + "/", e);
          }
        }
      }
      String why = hasEnded() ? "the output ended" : "timed out after " + timeout.toMillis() + " ms";
      throw new AssertionError(why + " before a line matching /" + p + "/"
          + (owner.process.isAlive() ? "" : " (exited)") + "\n" + owner.describe());
    }

    private synchronized boolean hasEnded() {
      return ended;
    }

    void awaitEnd(long deadline) throws InterruptedException {
      synchronized (this) {
        while (!ended) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError("output not closed after the process exited");
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      }
    }
  }
}
