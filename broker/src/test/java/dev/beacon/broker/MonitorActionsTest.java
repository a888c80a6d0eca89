package dev.beacon.broker;

import dev.beacon.testkit.Await;
import dev.beacon.common.CommandLine;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /lameduck on the monitoring port: off by default, guarded by a header, then lame duck mode and the stop. */
@Timeout(30)
class MonitorActionsTest {
  private static final String PROTO1 = "{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}";
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<RunningBroker> brokers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (RunningBroker b : brokers) {
      b.close();
    }
  }

  private RunningBroker start(String overrides) {
    RunningBroker b = RunningBroker.start(overrides);
    brokers.add(b);
    return b;
  }

  private HttpResponse<String> post(RunningBroker b, boolean confirmed) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.broker.httpPort() + "/lameduck"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5));
    if (confirmed) {
      r.header("X-Beacon-Confirm", "yes");
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void offByDefault() throws Exception {
    RunningBroker b = start("broker.lame-duck-duration=2s\nbroker.lame-duck-grace-period=500ms\n");
    HttpResponse<String> r = post(b, true);
    assertEquals(403, r.statusCode());
    assertEquals("monitoring actions are off (start the broker with --monitoring-actions)",
        new JsonObject(r.body()).getString("error"));
    assertTrue(!b.broker.lameDuck());
  }

  @Test
  void needsTheHeaderAndALameDuckDuration() throws Exception {
    RunningBroker b = start("broker.monitoring-actions=true\n");
    assertEquals(403, post(b, false).statusCode());
    HttpResponse<String> r = post(b, true);
    assertEquals(409, r.statusCode());
    assertEquals("lame duck mode is off (lame-duck-duration is 0s)", new JsonObject(r.body()).getString("error"));
    HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.broker.httpPort()
        + "/lameduck")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, get.statusCode());
    assertTrue(!b.broker.lameDuck());
  }

  @Test
  void entersLameDuckModeThenStops() throws Exception {
    RunningBroker b = start("broker.monitoring-actions=true\nbroker.lame-duck-duration=1s\nbroker.lame-duck-grace-period=300ms\n");
    try (RawConn c = RawConn.connect(b.port(), PROTO1)) {
      HttpResponse<String> r = post(b, true);
      assertEquals(202, r.statusCode(), r.body());
      assertTrue(new JsonObject(r.body()).getBoolean("ldm"));
      c.expect("INFO \\{.*\"ldm\":true.*\\} ?\r\n");
      assertTrue(b.broker.lameDuck());
      c.expectClosed();
    }
    Await.until("the broker undeployed after lame duck mode", Duration.ofSeconds(10), () -> b.vertx.deploymentIDs().isEmpty());
  }

  @Test
  void theFlagTurnsItOn() {
    CommandLine.Result r = new CommandLine("broker", "broker", "0").parse(new String[] {"--monitoring-actions"});
    assertTrue(BrokerOptions.from(((CommandLine.Run) r).config()).monitoringActions());
  }
}
