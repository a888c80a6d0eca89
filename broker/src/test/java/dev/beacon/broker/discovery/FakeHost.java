package dev.beacon.broker.discovery;

import dev.beacon.common.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/** A broker stand-in for membership tests: fixed ports, a list of local subscriptions, recorded route peers. */
final class FakeHost implements ClusterHost {
  private final Context context;
  private final int clientPort;
  private final int httpPort;
  private final String serverId;
  private final List<String[]> subscriptions = new ArrayList<>();
  private final List<InterestSink> sinks = new ArrayList<>();
  final List<Set<HostPort>> routePeers = new CopyOnWriteArrayList<>();

  FakeHost(Vertx vertx, int clientPort, int httpPort, String serverId) {
    this.context = vertx.getOrCreateContext();
    this.clientPort = clientPort;
    this.httpPort = httpPort;
    this.serverId = serverId;
  }

  /** Adds or removes a local subscription on the host's context, as the broker would. */
  void subscription(String subject, String queue, boolean added) {
    context.runOnContext(v -> {
      if (added) {
        subscriptions.add(new String[] {subject, queue});
      }
      sinks.forEach(s -> s.onInterest(subject, queue, added));
    });
  }

  void subscribeBeforeStart(String subject, String queue) {
    subscriptions.add(new String[] {subject, queue});
  }

  Set<HostPort> lastRoutePeers() {
    return routePeers.isEmpty() ? Set.of() : routePeers.get(routePeers.size() - 1);
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public int clientPort() {
    return clientPort;
  }

  @Override
  public int httpPort() {
    return httpPort;
  }

  @Override
  public String serverId() {
    return serverId;
  }

  @Override
  public void addInterestListener(InterestSink sink) {
    sinks.add(sink);
  }

  @Override
  public void forEachLocalSubscription(BiConsumer<String, String> action) {
    subscriptions.forEach(s -> action.accept(s[0], s[1]));
  }

  @Override
  public void setRoutePeers(Set<HostPort> peers) {
    routePeers.add(peers);
  }
}
