package dev.beacon.broker.nsq;

import dev.beacon.broker.Broker;
import dev.beacon.broker.BrokerOptions;
import dev.beacon.broker.Discovery;
import dev.beacon.broker.discovery.LookupdDiscovery;
import dev.beacon.lookupd.Lookupd;
import dev.beacon.lookupd.LookupdOptions;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vertx.core.Vertx;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** In-process brokers with an NSQ listener (and optionally a lookupd) on 127.0.0.1 ephemeral ports, plus jnats clients. */
final class NsqFixture implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final Map<String, Broker> brokers = new LinkedHashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private final List<Connection> clients = new ArrayList<>();
  Lookupd lookupd;

  Lookupd startLookupd() throws Exception {
    lookupd = new Lookupd(LookupdOptions.of(Map.of("tcp-address", "127.0.0.1:0", "http-address", "127.0.0.1:0",
        "log-level", "warn")));
    deployments.add(vertx.deployVerticle(lookupd).await(10, TimeUnit.SECONDS));
    return lookupd;
  }

  /** A broker with an NSQ listener; registered with the fixture's lookupd if there is one. */
  Broker startBroker(String name, String extra) throws Exception {
    String conf = "broker.listen = \"127.0.0.1:0\"\nbroker.http = \"127.0.0.1:0\"\nbroker.cluster = \"127.0.0.1:0\"\n"
        + "broker.nsq-listen = \"127.0.0.1:0\"\nbroker.name = \"" + name + "\"\nbroker.broadcast-address = \"127.0.0.1\"\n"
        + "broker.discovery-peer-expiry = 3s\n"
        + (lookupd == null ? "" : "broker.lookupd-tcp-address = [\"127.0.0.1:" + lookupd.tcpPort() + "\"]\n") + extra;
    Broker b = new Broker(BrokerOptions.of(conf), lookupd == null ? Discovery.NONE : LookupdDiscovery::new);
    deployments.add(vertx.deployVerticle(b).await(10, TimeUnit.SECONDS));
    brokers.put(name, b);
    return b;
  }

  Connection nats(String broker) throws Exception {
    Connection c = Nats.connect(new Options.Builder().server("nats://127.0.0.1:" + brokers.get(broker).clientPort())
        .connectionTimeout(Duration.ofSeconds(5)).build());
    clients.add(c);
    return c;
  }

  /** {status, body, X-NSQ-Content-Type, Content-Type}. */
  String[] request(String method, int port, String pathAndQuery) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(5));
    b.method(method, HttpRequest.BodyPublishers.noBody());
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new String[] {String.valueOf(r.statusCode()), r.body(), r.headers().firstValue("X-NSQ-Content-Type").orElse(""),
        r.headers().firstValue("Content-Type").orElse("")};
  }

  static void await(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
    }
  }

  @Override
  public void close() throws Exception {
    for (Connection c : clients) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
