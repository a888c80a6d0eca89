package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.testkit.Await;
import dev.beacon.testkit.FreePorts;
import dev.beacon.testkit.JarProcess;
import dev.beacon.testkit.NatsServerProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write deadline side by side: the packaged broker with {@code --write-deadline=1s} and
 * nats-server with {@code write_deadline: "1s"}, one subscriber that never reads (small receive
 * buffer) and a publisher that sends about 10 MiB and stops, below the stall mark of the default
 * max-pending. Both cut the subscriber with the same log line, the same close reason in
 * /connz?state=closed and one slow consumer in /varz, which shows write_deadline in nanoseconds.
 */
@Timeout(120)
class WriteDeadlineProcessIT {
  private static final Path JAR = Path.of("target/broker.jar");
  private static final Pattern READY = Pattern.compile(
      "broker: ready, server_id N\\w+, clients on 127.0.0.1:(\\d+), monitoring on 127.0.0.1:(\\d+)");
  /** nats-server's own words (server/client.go handleWriteTimeout). */
  static final Pattern LOG_LINE = Pattern.compile(
      "Slow Consumer Detected: WriteDeadline of 1s exceeded with \\d+ chunks of \\d+ total bytes\\.");
  private static final int MESSAGES = 10_000;

  /** Never-reader, publisher, then the monitoring checks; returns the cut subscriber's closed entry. */
  private static JsonNode cutNeverReader(String server, int port, int http) throws Exception {
    Socket never = BackpressureTest.subscriber(port, "wdl", 4096);
    try {
      long t0 = System.nanoTime();
      BackpressureTest.publish(port, "wdl", MESSAGES).get(60, TimeUnit.SECONDS);
      JsonNode closed = Await.value(server + ": the never-reader in /connz?state=closed", Duration.ofSeconds(15),
          () -> {
            for (JsonNode c : WriteDeadlineTest.get(http, "/connz?state=closed").path("connections")) {
              if (c.path("port").asInt() == never.getLocalPort()) {
                return c;
              }
            }
            return null;
          }, c -> c != null);
      System.out.println(server + ": cut within " + (System.nanoTime() - t0) / 1_000_000 + " ms of the first publish: " + closed);
      JsonNode varz = WriteDeadlineTest.get(http, "/varz");
      assertEquals(1, varz.path("slow_consumers").asLong(), server + " " + varz);
      assertEquals(1_000_000_000L, varz.path("write_deadline").asLong(), server + " " + varz);
      // Still serving.
      try (RawConn fresh = RawConn.connect(port)) {
        fresh.send("SUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n").expect("MSG x 1 2\r\nhi\r\nPONG\r\n");
      }
      return closed;
    } finally {
      never.close();
    }
  }

  @Test
  void theBrokerCutsANeverReaderAsNatsServerDoes() throws Exception {
    try (JarProcess p = JarProcess.start(JAR, List.of("-Xmx256m"), List.of("--listen=127.0.0.1:0",
        "--http=127.0.0.1:0", "--write-deadline=1s"))) {
      int[] ports = p.awaitReady(READY, Duration.ofSeconds(30));
      JsonNode closed = cutNeverReader("broker", ports[0], ports[1]);
      assertEquals("Slow Consumer (Write Deadline)", closed.path("reason").asText(), closed.toString());
      p.awaitStderr(LOG_LINE, Duration.ofSeconds(5));
    }
  }

  @Test
  void natsServerCutsANeverReaderForItsWriteDeadline() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    Path log = Files.createTempFile("nats-server-wdl", ".log");
    int http = FreePorts.one();
    try (NatsServerProcess nats = new NatsServerProcess("write_deadline: \"1s\"\n", false,
        "-m", String.valueOf(http), "-l", log.toString())) {
      Await.until("nats-server monitoring", Duration.ofSeconds(10),
          () -> WriteDeadlineTest.get(http, "/varz").has("server_id"));
      JsonNode closed = cutNeverReader("nats-server", nats.port(), http);
      assertEquals("Slow Consumer (Write Deadline)", closed.path("reason").asText(), closed.toString());
      String text = Await.value("nats-server's slow consumer log line", Duration.ofSeconds(5),
          () -> Files.readString(log), t -> LOG_LINE.matcher(t).find());
      assertTrue(LOG_LINE.matcher(text).find(), text);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
