package dev.beacon.broker;

import dev.beacon.testkit.JarProcess;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The packaged broker jars a process test starts ({@code -Xmx256m}); {@link #killAll} in its
 * {@code @AfterEach} ends whatever a failed test left running.
 */
public final class BrokerJars {
  public static final Path JAR = Path.of("target/broker.jar");
  /** The ready line of a broker with a route listener: groups are the client, monitoring and route ports. */
  public static final Pattern READY = Pattern.compile(
      "broker: ready, server_id N\\w+, clients on 127.0.0.1:(\\d+), monitoring on 127.0.0.1:(\\d+), routes on 127.0.0.1:(\\d+)");

  private final List<JarProcess> started = new ArrayList<>();

  /** Starts {@link #JAR} with {@code flags}. */
  public JarProcess start(String... flags) throws Exception {
    JarProcess p = JarProcess.start(JAR, List.of("-Xmx256m"), List.of(flags));
    started.add(p);
    return p;
  }

  /** Kills every started process still alive. */
  public void killAll() throws Exception {
    for (JarProcess p : started) {
      if (p.isAlive()) {
        p.kill();
      }
    }
  }
}
