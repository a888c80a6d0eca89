package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.broker.BrokerJars;
import dev.beacon.testkit.FreePorts;
import dev.beacon.testkit.JarProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar with nsqd's flags: --nsq-listen serves NSQ and is /info's tcp_port; a bad NSQ setting exits 1. */
@Timeout(60)
class NsqProcessIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern READY = BrokerJars.READY;
  private final BrokerJars jars = new BrokerJars();

  private JarProcess start(String... flags) throws Exception {
    return jars.start(flags);
  }

  @AfterEach
  void killLeftovers() throws Exception {
    jars.killAll();
  }

  private static JsonNode info(int http) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + http + "/info")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return NsqHttpTest.JSON.readTree(r.body());
  }

  @Test
  void nsqListenServesNsqClientsAndIsTheTcpPort() throws Exception {
    int nsq = FreePorts.one();
    JarProcess p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0",
        "--nsq-listen=127.0.0.1:" + nsq, "--mem-queue-size=100", "--msg-timeout=5s");
    int[] ports = p.awaitReady(READY, WAIT);
    assertEquals(nsq, info(ports[1]).get("tcp_port").asInt());
    assertTrue((p.stdout() + p.stderr()).contains("nsq listener (nsqd V2 protocol) on 127.0.0.1:" + nsq), p.stdout() + p.stderr());
    try (RawNsq c = new RawNsq(nsq).consumer("proc", "c"); RawNsq pub = new RawNsq(nsq)) {
      c.send("RDY 1\n");
      pub.send("PUB proc\n", "hi");
      pub.expect("R:OK");
      assertTrue(c.frame().endsWith(":hi"));
    }
    p.stop();
  }

  @Test
  void withoutNsqListenTheClientPortIsTheTcpPortAndNothingElseListens() throws Exception {
    JarProcess p = start("--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    int[] ports = p.awaitReady(READY, WAIT);
    assertEquals(ports[0], info(ports[1]).get("tcp_port").asInt());
    String out = p.stdout() + p.stderr();
    assertTrue(out.contains("broker: ready") && !out.contains("nsq listener"), out);
    p.stop();
  }

  @Test
  void aBadNsqSettingExitsOne() throws Exception {
    JarProcess bad = start("--max-msg-size=2MiB", "--listen=127.0.0.1:0", "--http=127.0.0.1:0", "--cluster=127.0.0.1:0");
    int status = bad.awaitExit(WAIT);
    String out = bad.stdout() + bad.stderr();
    assertEquals(1, status, out);
    assertTrue(out.contains("max-msg-size"), out);
  }
}
