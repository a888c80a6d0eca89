package dev.beacon.lookupd;

import dev.beacon.common.Log;
import dev.beacon.lookupd.console.Registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The console's view of this lookupd's {@link RegistrationDb}: copies out, and the HTTP API's own mutation paths in. */
final class ConsoleRegistry implements Registry {
  private final RegistrationDb db;
  private final Metrics metrics;
  private final Log log;
  private final long startMillis = System.currentTimeMillis();
  private final String hostname;

  ConsoleRegistry(RegistrationDb db, Metrics metrics, Log log, String hostname) {
    this.db = db;
    this.metrics = metrics;
    this.log = log;
    this.hostname = hostname;
  }

  static String key(PeerInfo p) {
    return Lookupd.hostPort(p.broadcastAddress, p.httpPort);
  }

  @Override
  public List<Node> nodes(int max) {
    long now = db.now();
    List<Node> out = new ArrayList<>();
    for (PeerInfo p : db.clients()) {
      if (out.size() >= max) {
        break;
      }
      List<NodeTopic> topics = new ArrayList<>(p.topics.size());
      for (Map.Entry<String, Producer> e : p.topics.entrySet()) {
        topics.add(new NodeTopic(e.getKey(), db.tombstoneLive(e.getValue(), now)));
      }
      out.add(new Node(key(p), p.id, p.hostname, p.broadcastAddress, p.tcpPort, p.httpPort, p.version,
          p.lastUpdate / 1_000_000, db.active(p, now), topics));
    }
    return out;
  }

  @Override
  public List<Topic> topics(String filter, int max) {
    long now = db.now();
    List<Topic> out = new ArrayList<>();
    for (String name : db.topicNames()) {
      if (out.size() >= max) {
        break;
      }
      if (!filter.isEmpty() && !name.contains(filter)) {
        continue;
      }
      RegistrationDb.Topic t = db.find(name);
      if (t == null) {
        continue;
      }
      List<TopicProducer> producers = new ArrayList<>(t.producers.size());
      for (Producer p : t.producers.values()) {
        producers.add(new TopicProducer(key(p.peer), db.visible(p, now), db.tombstoneLive(p, now)));
      }
      List<TopicChannel> channels = new ArrayList<>(t.channels.size());
      for (RegistrationDb.Channel c : t.channels.values()) {
        List<String> nodes = new ArrayList<>(c.producers.size());
        for (Producer p : c.producers.values()) {
          nodes.add(key(p.peer));
        }
        channels.add(new TopicChannel(c.name, nodes));
      }
      out.add(new Topic(name, t.registered, producers, channels));
    }
    return out;
  }

  @Override
  public Self self() {
    return new Self(HttpApi.VERSION, hostname, startMillis, metrics.tcpConnections, metrics.httpConnections, db.clientCount(), db.topicRegistrations(),
        db.channelRegistrations());
  }

  @Override
  public boolean tombstone(String topic, String node) {
    RegistrationDb.Topic t = db.find(topic);
    if (t == null || t.producers.values().stream().noneMatch(p -> p.peer.isNode(node))) {
      return false;
    }
    db.tombstone(topic, node);
    return true;
  }

  @Override
  public boolean deleteTopic(String topic) {
    if (db.find(topic) == null) {
      return false;
    }
    db.deleteTopic(topic);
    return true;
  }

  @Override
  public boolean deleteChannel(String topic, String channel) {
    return db.deleteChannel(topic, channel);
  }

  @Override
  public void log(String message) {
    log.info(message);
  }

  @Override
  public void warn(String message) {
    log.warn(message);
  }
}
