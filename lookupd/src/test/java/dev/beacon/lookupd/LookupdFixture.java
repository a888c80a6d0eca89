package dev.beacon.lookupd;

import dev.beacon.testkit.Await;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The one in-process lookupd for tests, in this module and (through lookupd's test-jar) in the
 * broker's: a {@link Lookupd} deployed on 127.0.0.1:0 (broadcast address 127.0.0.1, log level warn,
 * any setting overridable) with a settable clock, plus HTTP and raw-TCP helpers.
 *
 * <pre>{@code
 * try (LookupdFixture lookupd = new LookupdFixture()) {
 *   String tcp = lookupd.tcpAddress();                      // "127.0.0.1:<port>" for the broker's lookupd-tcp-address
 *   lookupd.awaitGet("/nodes", body -> body.contains("\"tcp_port\":4222"));
 * }
 * }</pre>
 */
public final class LookupdFixture implements AutoCloseable {
  /** A fixed, realistic start time in unix nanoseconds; tests move it forward with {@link #advance}. */
  public static final long T0 = 1_795_292_540_000_000_000L;
  /** How long {@link #awaitGet} waits. */
  public static final Duration AWAIT = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final String deployment;
  private final AtomicLong clock;
  final Lookupd lookupd;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Its own Vert.x, the test clock starting at {@link #T0}. */
  public LookupdFixture() {
    this(Map.of());
  }

  /** Its own Vert.x, the test clock starting at {@link #T0}; {@code overrides} are settings by flag name. */
  public LookupdFixture(Map<String, ?> overrides) {
    this(Vertx.vertx(), true, overrides, new AtomicLong(T0));
  }

  /**
   * Deployed into the caller's {@code vertx} (closing the fixture undeploys it, the Vert.x stays),
   * with the wall clock: for tests that run brokers and lookupds side by side and restart a lookupd
   * on the same address ({@code Map.of("tcp-address", "127.0.0.1:" + port)}).
   */
  public LookupdFixture(Vertx vertx, Map<String, ?> overrides) {
    this(vertx, false, overrides, null);
  }

  private LookupdFixture(Vertx vertx, boolean ownsVertx, Map<String, ?> overrides, AtomicLong clock) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.clock = clock;
    Map<String, Object> o = new HashMap<>();
    o.put("tcp-address", "127.0.0.1:0");
    o.put("http-address", "127.0.0.1:0");
    o.put("broadcast-address", "127.0.0.1");
    o.put("log-level", "warn");
    o.putAll(overrides);
    LookupdOptions options = LookupdOptions.of(o);
    lookupd = clock == null ? new Lookupd(options) : new Lookupd(options, clock::get);
    try {
      deployment = vertx.deployVerticle(lookupd).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (ownsVertx) {
        vertx.close().await();
      }
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  public Lookupd lookupd() {
    return lookupd;
  }

  public int tcpPort() {
    return lookupd.tcpPort();
  }

  public int httpPort() {
    return lookupd.httpPort();
  }

  /** {@code 127.0.0.1:<tcp port>}, as a broker's lookupd-tcp-address. */
  public String tcpAddress() {
    return "127.0.0.1:" + tcpPort();
  }

  /** {@code 127.0.0.1:<http port>}. */
  public String httpAddress() {
    return "127.0.0.1:" + httpPort();
  }

  /** The fixture's HTTP client (connections pooled). */
  public HttpClient http() {
    return http;
  }

  /** A raw lookup-protocol peer connected to this lookupd, magic sent. */
  public TestPeer connect() throws IOException {
    return TestPeer.connect(tcpPort());
  }

  /** Moves the test clock forward (only with the fixture's own clock). */
  public void advance(Duration d) {
    if (clock == null) {
      throw new IllegalStateException("this fixture runs on the wall clock");
    }
    clock.addAndGet(d.toNanos());
  }

  public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return request("GET", pathAndQuery);
  }

  public HttpResponse<String> post(String pathAndQuery) throws IOException, InterruptedException {
    return request("POST", pathAndQuery);
  }

  public HttpResponse<String> request(String method, String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + pathAndQuery))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10))
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  /** Sends one raw HTTP/1.1 request (for what java.net.http refuses to send) and returns the raw response. */
  public String raw(String method, String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", httpPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write((method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** GETs until the body satisfies {@code accept} and returns it; an AssertionError with the last body after {@link #AWAIT}. */
  public String awaitGet(String pathAndQuery, Predicate<String> accept) {
    return awaitGet(pathAndQuery, AWAIT, accept);
  }

  /** GETs until the body satisfies {@code accept} and returns it; an AssertionError with the last body after {@code timeout}. */
  public String awaitGet(String pathAndQuery, Duration timeout, Predicate<String> accept) {
    return Await.value("GET " + pathAndQuery + " to give the expected body", timeout, () -> get(pathAndQuery).body(), accept);
  }

  /** Undeploys; closes the Vert.x too when the fixture made it. */
  @Override
  public void close() {
    try {
      if (ownsVertx) {
        vertx.close().await(30, TimeUnit.SECONDS);
      } else {
        vertx.undeploy(deployment).await(30, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("lookupd did not stop", e);
    }
  }

}
