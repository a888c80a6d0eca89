package dev.beacon.broker.discovery;

import dev.beacon.broker.DiscoveryHost;
import dev.beacon.broker.LocalInterest;
import dev.beacon.broker.LocalInterestView;
import dev.beacon.broker.NsqRegistrationsView;
import dev.beacon.common.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.concurrent.CopyOnWriteArrayList;

/** A broker stand-in for discovery tests: fixed ports, a real local-interest count, recorded route peers. */
final class FakeHost implements DiscoveryHost {
  private final Context context;
  private final int clientPort;
  private final int httpPort;
  private final String serverId;
  private final LocalInterest interest = new LocalInterest();
  private final List<InterestListener> listeners = new ArrayList<>();
  /** NSQ topics and their channels with consumers. */
  private final Map<String, Set<String>> nsq = new LinkedHashMap<>();
  private final List<BiConsumer<String, String>> nsqListeners = new ArrayList<>();
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
        interest.add(subject, queue);
      } else if (interest.remove(subject, queue) < 0) {
        return;
      }
      listeners.forEach(s -> s.onInterest(subject, queue, added));
    });
  }

  /** An NSQ topic ({@code channel} null) or a channel with consumers comes or goes, as the NSQ side would tell it. */
  void nsq(String topic, String channel, boolean added) {
    context.runOnContext(v -> {
      if (added) {
        Set<String> channels = nsq.computeIfAbsent(topic, t -> new HashSet<>());
        if (channel != null) {
          channels.add(channel);
        }
      } else if (channel == null) {
        nsq.remove(topic);
      } else if (nsq.containsKey(topic)) {
        nsq.get(topic).remove(channel);
      }
      nsqListeners.forEach(l -> l.accept(topic, channel));
    });
  }

  void subscribeBeforeStart(String subject, String queue) {
    interest.add(subject, queue);
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
  public int nsqPort() {
    return -1;
  }

  @Override
  public NsqRegistrationsView nsqRegistrations() {
    return new NsqRegistrationsView() {
      @Override
      public boolean hasTopic(String topic) {
        return nsq.containsKey(topic);
      }

      @Override
      public boolean hasChannel(String topic, String channel) {
        return nsq.containsKey(topic) && nsq.get(topic).contains(channel);
      }

      @Override
      public void forEachRegistration(BiConsumer<String, String> action) {
        nsq.forEach((topic, channels) -> {
          action.accept(topic, null);
          channels.forEach(c -> action.accept(topic, c));
        });
      }
    };
  }

  @Override
  public void addNsqListener(BiConsumer<String, String> listener) {
    nsqListeners.add(listener);
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
  public LocalInterestView localInterest() {
    return interest;
  }

  @Override
  public void addInterestListener(InterestListener listener) {
    listeners.add(listener);
  }

  @Override
  public void setRoutePeers(Set<HostPort> peers) {
    routePeers.add(peers);
  }
}
