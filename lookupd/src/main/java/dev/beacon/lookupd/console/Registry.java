package dev.beacon.lookupd.console;

import java.util.List;

/**
 * What the console reads from, and changes in, the lookupd it is served by. Every call runs on
 * lookupd's event loop; the records are copies, safe to keep after the call.
 */
public interface Registry {

  /** One identified peer (a broker or an nsqd). {@code key} is broadcast_address:http_port, the tombstone node key. */
  record Node(String key, String id, String hostname, String broadcastAddress, int tcpPort, int httpPort,
      String version, long lastUpdateMillis, boolean active, List<NodeTopic> topics) {}

  /** A topic a node is a producer of, and whether that producer is under a live tombstone. */
  record NodeTopic(String topic, boolean tombstoned) {}

  /** A topic registration with its producers (node keys) and channels. */
  record Topic(String name, boolean registered, List<TopicProducer> producers, List<TopicChannel> channels) {}

  record TopicProducer(String node, boolean visible, boolean tombstoned) {}

  record TopicChannel(String name, List<String> nodes) {}

  /** This lookupd: identity and counters. */
  record Self(String version, String hostname, long startMillis,
      long tcpConnections, long httpConnections, int nodes, int topics, int channels) {}

  /** Identified peers, sorted by id, at most max. */
  List<Node> nodes(int max);

  /** Registered topics whose name contains filter (all when empty), sorted, at most max. */
  List<Topic> topics(String filter, int max);

  Self self();

  /** Tombstones node's producer entry of topic; false when the topic has no producer with that node key. */
  boolean tombstone(String topic, String node);

  /** Deletes the topic with its channels; false when it did not exist. */
  boolean deleteTopic(String topic);

  /** Deletes one channel registration; false when it did not exist. */
  boolean deleteChannel(String topic, String channel);

  /** Writes an INFO line to lookupd's log. */
  void log(String message);

  /** Writes a WARNING line to lookupd's log. */
  void warn(String message);
}
