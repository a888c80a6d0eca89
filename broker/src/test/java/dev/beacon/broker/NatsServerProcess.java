package dev.beacon.broker;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Debian's nats-server 2.9 as a child process, for differential and interop tests. */
final class NatsServerProcess implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/nats-server");
  final Process process;
  final int port;
  final int clusterPort;
  private final Path config;

  static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Starts nats-server on 127.0.0.1 with {@code configText} (nats config syntax, may be empty) and
   * extra flags; waits until the client port accepts.
   */
  NatsServerProcess(String configText, boolean cluster, String... flags) throws Exception {
    port = freePort();
    clusterPort = cluster ? freePort() : -1;
    config = Files.createTempFile("nats-server", ".conf");
    Files.writeString(config, configText);
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "-a", "127.0.0.1", "-p", String.valueOf(port),
        "-c", config.toString()));
    if (cluster) {
      cmd.addAll(List.of("--cluster", "nats://127.0.0.1:" + clusterPort, "--cluster_name", "beacon"));
    }
    cmd.addAll(List.of(flags));
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          close();
          throw new IllegalStateException("nats-server did not start", e);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // poll interval
      }
    }
  }

  String url() {
    return "nats://127.0.0.1:" + port;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    Files.deleteIfExists(config);
  }
}
