package dev.beacon.lookupd;

import io.vertx.core.Vertx;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/** Lookupd deployed in-process on 127.0.0.1:0 with a settable clock, plus an HTTP helper. */
final class LookupdFixture implements AutoCloseable {
  /** A fixed, realistic start time in unix nanoseconds; tests move it forward. */
  static final long T0 = 1_795_292_540_000_000_000L;

  final Vertx vertx = Vertx.vertx();
  final AtomicLong clock = new AtomicLong(T0);
  final Lookupd lookupd;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  LookupdFixture(Map<String, ?> overrides) {
    Map<String, Object> o = new HashMap<>();
    o.put("tcp-address", "127.0.0.1:0");
    o.put("http-address", "127.0.0.1:0");
    o.put("broadcast-address", "127.0.0.1");
    o.put("log-level", "warn");
    o.putAll(overrides);
    lookupd = new Lookupd(LookupdOptions.of(o), clock::get);
    try {
      vertx.deployVerticle(lookupd).await();
    } catch (RuntimeException e) {
      vertx.close().await();
      throw e;
    }
  }

  LookupdFixture() {
    this(Map.of());
  }

  int tcpPort() {
    return lookupd.tcpPort();
  }

  TestPeer connect() throws IOException {
    return TestPeer.connect(tcpPort());
  }

  void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return request("GET", pathAndQuery);
  }

  HttpResponse<String> post(String pathAndQuery) throws IOException, InterruptedException {
    return request("POST", pathAndQuery);
  }

  HttpResponse<String> request(String method, String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lookupd.httpPort() + pathAndQuery))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10))
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  /** Sends one raw HTTP/1.1 request (for what java.net.http refuses to send) and returns the raw response. */
  String raw(String method, String target) throws IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", lookupd.httpPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write((method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  /** GETs until the body satisfies p or the deadline passes; returns the last body. */
  String pollGet(String pathAndQuery, Predicate<String> p) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    String body;
    do {
      body = get(pathAndQuery).body();
      if (p.test(body)) {
        return body;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    } while (System.nanoTime() < deadline);
    return body;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
