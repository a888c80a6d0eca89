package dev.beacon.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nats-server as a child process on 127.0.0.1 free ports, for differential and interop
 * tests. The constructor returns once the client port accepts connections.
 */
public final class NatsServerProcess implements AutoCloseable {
  /** Where Debian's nats-server package installs it. */
  public static final Path BINARY = Path.of("/usr/sbin/nats-server");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Process process;
  private final int port;
  private final int clusterPort;
  private final Path config;

  /** Whether the binary is there (tests skip themselves with an assumption otherwise). */
  public static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /**
   * Starts nats-server with {@code configText} (nats config syntax, may be empty) written to a
   * temporary file, a route listener on a free port when {@code cluster} (cluster name "beacon"),
   * and {@code flags} appended to the command line.
   */
  public NatsServerProcess(String configText, boolean cluster, String... flags) throws IOException {
    int[] ports = FreePorts.distinct(2);
    port = ports[0];
    clusterPort = cluster ? ports[1] : -1;
    config = Files.createTempFile("nats-server", ".conf");
    Files.writeString(config, configText);
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port),
        "-c", config.toString()));
    if (cluster) {
      cmd.addAll(List.of("--cluster", "nats://127.0.0.1:" + clusterPort, "--cluster_name", "beacon"));
    }
    cmd.addAll(List.of(flags));
    process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      Await.until("nats-server accepting on 127.0.0.1:" + port, START_TIMEOUT, () -> {
        if (!process.isAlive()) {
          throw new IllegalStateException("nats-server exited with " + process.exitValue());
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
          return true;
        }
      });
    } catch (AssertionError e) {
      close();
      throw e;
    }
  }

  /** A plain nats-server, no config, no cluster. */
  public NatsServerProcess() throws IOException {
    this("", false);
  }

  /** The client port. */
  public int port() {
    return port;
  }

  /** The route port, -1 without cluster. */
  public int clusterPort() {
    return clusterPort;
  }

  /** {@code nats://127.0.0.1:<port>}. */
  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  /** {@code nats-route://127.0.0.1:<clusterPort>}, for another server's routes. */
  public String routeUrl() {
    if (clusterPort < 0) {
      throw new IllegalStateException("started without cluster");
    }
    return "nats-route://127.0.0.1:" + clusterPort;
  }

  public Process process() {
    return process;
  }

  /** SIGTERM, SIGKILL after 5 s; removes the config file. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Files.deleteIfExists(config);
    } catch (IOException ignored) {
      // a temporary file
    }
  }
}
