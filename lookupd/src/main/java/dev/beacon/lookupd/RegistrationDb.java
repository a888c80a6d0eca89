package dev.beacon.lookupd;

import dev.beacon.common.NsqNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * All registrations (nsqlookupd's RegistrationDB) with indexes instead of scans: topic ->
 * its registration and channels, peer -> what it registered. Liveness (inactivity, tombstones)
 * is filtered at read time from an injected clock, as nsqlookupd does. Pure: no I/O, no Vert.x,
 * confined to the owning verticle's event loop, so no locks.
 *
 * <p>Every change to a topic's answer gives it a new {@code version} from one global sequence;
 * the HTTP layer caches answers by version and long polls wait for it to move.
 */
final class RegistrationDb {

  /** A topic name with its ("topic", t, "") registration, if any, and its ("channel", t, c) registrations. */
  static final class Topic {
    final String name;
    /** Whether ("topic", name, "") exists; a Topic with only channels has it false. */
    boolean registered;
    /** Producers of the topic registration by peer id, sorted. */
    final TreeMap<String, Producer> producers = new TreeMap<>();
    final TreeMap<String, Channel> channels = new TreeMap<>();
    /** Moves (from the one global sequence) whenever this topic's /lookup answer may change. */
    long version;

    Topic(String name) {
      this.name = name;
    }
  }

  /** A ("channel", topic, name) registration. */
  static final class Channel {
    final Topic topic;
    final String name;
    final TreeMap<String, Producer> producers = new TreeMap<>();

    Channel(Topic topic, String name) {
      this.topic = topic;
      this.name = name;
    }
  }

  /** Go's zero time.Time in UnixNano, what nsqlookupd reports as tombstoned_at for an untombstoned producer. */
  static final long GO_ZERO_TIME_NANOS = -6795364578871345152L;

  private final LongSupplier clock;
  private final long inactiveTimeout;
  private final long tombstoneLifetime;
  private final Consumer<String> topicChanged;
  private Runnable nodesListener = () -> { };

  private final HashMap<String, Topic> topics = new HashMap<>();
  /** The ("client", "", "") registration: every identified peer, sorted by id. */
  private final TreeMap<String, PeerInfo> clients = new TreeMap<>();
  private long sequence;
  private long topicsVersion;
  private long nodesVersion;
  private int topicRegistrations;
  private int channelRegistrations;
  private long topicProducers;
  private long channelProducers;

  /**
   * @param clock unix nanoseconds
   * @param topicChanged told the topic name whenever that topic's /lookup answer may have changed
   */
  RegistrationDb(LongSupplier clock, long inactiveTimeoutNanos, long tombstoneLifetimeNanos, Consumer<String> topicChanged) {
    this.clock = clock;
    this.inactiveTimeout = inactiveTimeoutNanos;
    this.tombstoneLifetime = tombstoneLifetimeNanos;
    this.topicChanged = topicChanged;
  }

  /** listener is told whenever the /nodes answer may have changed (its version moved). */
  void onNodesChanged(Runnable listener) {
    this.nodesListener = listener;
  }

  long now() {
    return clock.getAsLong();
  }

  // ---- TCP side ---------------------------------------------------------------------------

  /** IDENTIFY: the peer joins the client registration. */
  void identify(PeerInfo peer) {
    peer.lastUpdate = now();
    clients.put(peer.id, peer);
    nodesChanged();
  }

  /** PING after IDENTIFY: the heartbeat. A peer that was hidden as inactive reappears everywhere. */
  void ping(PeerInfo peer) {
    long now = now();
    boolean wasInactive = now - peer.lastUpdate > inactiveTimeout;
    peer.lastUpdate = now;
    if (wasInactive) {
      nodesChanged();
      for (String t : peer.topics.keySet()) {
        changed(topics.get(t));
      }
    }
  }

  /** REGISTER topic [channel]: idempotent; an existing entry keeps its tombstone. */
  void register(PeerInfo peer, String topicName, String channelName) {
    Topic topic = topic(topicName);
    boolean changed = false;
    if (channelName != null) {
      Channel channel = topic.channels.get(channelName);
      if (channel == null) {
        channel = new Channel(topic, channelName);
        topic.channels.put(channelName, channel);
        channelRegistrations++;
        changed = true;
      }
      if (!channel.producers.containsKey(peer.id)) {
        channel.producers.put(peer.id, new Producer(peer));
        peer.channels.add(channel);
        channelProducers++;
      }
    }
    changed |= registerTopic(topic);
    if (!topic.producers.containsKey(peer.id)) {
      Producer p = new Producer(peer);
      topic.producers.put(peer.id, p);
      peer.topics.put(topicName, p);
      topicProducers++;
      nodesChanged();
      changed = true;
    }
    if (changed) {
      changed(topic);
    }
  }

  /** How many entries REGISTER topic [channel] would add to peer's registrations: 0 (a repeat), 1 or 2. Changes nothing. */
  int newRegistrations(PeerInfo peer, String topicName, String channelName) {
    int n = peer.topics.containsKey(topicName) ? 0 : 1;
    if (channelName != null) {
      Topic topic = topics.get(topicName);
      Channel channel = topic == null ? null : topic.channels.get(channelName);
      if (channel == null || !channel.producers.containsKey(peer.id)) {
        n++;
      }
    }
    return n;
  }

  /**
   * UNREGISTER topic [channel]. As nsqlookupd: an ephemeral channel or topic left without producers
   * is deleted, a normal one stays. Ours: a topic UNREGISTER also deletes the ephemeral channels
   * it leaves empty (nsqlookupd leaves them as orphans).
   */
  void unregister(PeerInfo peer, String topicName, String channelName) {
    Topic topic = topics.get(topicName);
    if (topic == null) {
      return;
    }
    if (channelName != null) {
      Channel channel = topic.channels.get(channelName);
      if (channel != null) {
        removeProducer(peer, channel);
        changed(topic);
      }
    } else {
      for (Iterator<Channel> it = topic.channels.values().iterator(); it.hasNext(); ) {
        Channel channel = it.next();
        if (channel.producers.remove(peer.id) != null) {
          peer.channels.remove(channel);
          channelProducers--;
          if (channel.producers.isEmpty() && NsqNames.isEphemeral(channel.name)) {
            it.remove();
            channelRegistrations--;
          }
        }
      }
      removeTopicProducer(peer, topic);
      changed(topic);
    }
    dropIfEmpty(topic);
  }

  /** Connection gone: the peer leaves every registration it was in; ephemeral ones left empty go too (ours). */
  void disconnect(PeerInfo peer) {
    if (clients.remove(peer.id) == null) {
      return;
    }
    nodesChanged();
    for (Channel channel : List.copyOf(peer.channels)) {
      removeProducer(peer, channel);
      changed(channel.topic);
      dropIfEmpty(channel.topic);
    }
    for (String topicName : List.copyOf(peer.topics.keySet())) {
      Topic topic = topics.get(topicName);
      removeTopicProducer(peer, topic);
      changed(topic);
      dropIfEmpty(topic);
    }
  }

  private void removeProducer(PeerInfo peer, Channel channel) {
    if (channel.producers.remove(peer.id) != null) {
      peer.channels.remove(channel);
      channelProducers--;
    }
    if (channel.producers.isEmpty() && NsqNames.isEphemeral(channel.name)) {
      if (channel.topic.channels.remove(channel.name) != null) {
        channelRegistrations--;
      }
    }
  }

  private void removeTopicProducer(PeerInfo peer, Topic topic) {
    if (topic.producers.remove(peer.id) != null) {
      peer.topics.remove(topic.name);
      topicProducers--;
      nodesChanged();
    }
    if (topic.registered && topic.producers.isEmpty() && NsqNames.isEphemeral(topic.name)) {
      unregisterTopic(topic);
    }
  }

  // ---- HTTP mutations -----------------------------------------------------------------------

  /** POST /topic/create. */
  void createTopic(String topicName) {
    Topic topic = topic(topicName);
    if (registerTopic(topic)) {
      changed(topic);
    }
  }

  /** POST /topic/delete: the topic's channels, then the topic, producers and all. */
  void deleteTopic(String topicName) {
    Topic topic = topics.get(topicName);
    if (topic == null) {
      return;
    }
    for (Channel channel : topic.channels.values()) {
      for (Producer p : channel.producers.values()) {
        p.peer.channels.remove(channel);
        channelProducers--;
      }
      channelRegistrations--;
    }
    topic.channels.clear();
    for (Producer p : topic.producers.values()) {
      p.peer.topics.remove(topic.name);
      topicProducers--;
    }
    topic.producers.clear();
    nodesChanged();
    if (topic.registered) {
      unregisterTopic(topic);
    }
    changed(topic);
    dropIfEmpty(topic);
  }

  /** POST /channel/create: the channel registration and its topic's. */
  void createChannel(String topicName, String channelName) {
    Topic topic = topic(topicName);
    if (!topic.channels.containsKey(channelName)) {
      topic.channels.put(channelName, new Channel(topic, channelName));
      channelRegistrations++;
    }
    registerTopic(topic);
    changed(topic);
  }

  /** POST /channel/delete; false when there was no such channel registration. */
  boolean deleteChannel(String topicName, String channelName) {
    Topic topic = topics.get(topicName);
    Channel channel = topic == null ? null : topic.channels.remove(channelName);
    if (channel == null) {
      return false;
    }
    channelRegistrations--;
    for (Producer p : channel.producers.values()) {
      p.peer.channels.remove(channel);
      channelProducers--;
    }
    changed(topic);
    dropIfEmpty(topic);
    return true;
  }

  /** POST /topic/tombstone: tombstones every producer of the topic whose broadcast_address:http_port is node. */
  void tombstone(String topicName, String node) {
    Topic topic = topics.get(topicName);
    if (topic == null) {
      return;
    }
    long now = now();
    boolean any = false;
    for (Producer p : topic.producers.values()) {
      if (p.peer.isNode(node)) {
        p.tombstoned = true;
        p.tombstonedAt = now;
        any = true;
      }
    }
    if (any) {
      nodesChanged();
      changed(topic);
    }
  }

  // ---- Queries ------------------------------------------------------------------------------

  /** The topic (registered or holding only channels), or null. */
  Topic find(String topicName) {
    return topics.get(topicName);
  }

  /** The answer version for a topic; 0 when nothing of it exists. */
  long version(String topicName) {
    Topic t = topics.get(topicName);
    return t == null ? 0 : t.version;
  }

  /** Whether /lookup shows this producer now: PINGed within the timeout and not under a live tombstone. */
  boolean visible(Producer p, long now) {
    return active(p.peer, now) && !tombstoneLive(p, now);
  }

  boolean active(PeerInfo peer, long now) {
    return now - peer.lastUpdate <= inactiveTimeout;
  }

  boolean tombstoneLive(Producer p, long now) {
    return p.tombstoned && now - p.tombstonedAt < tombstoneLifetime;
  }

  /** The first instant after {@code now} at which {@link #visible} or {@link #tombstoneLive} may flip for p. */
  long nextFlip(Producer p, long now) {
    long next = Long.MAX_VALUE;
    if (active(p.peer, now)) {
      next = p.peer.lastUpdate + inactiveTimeout + 1;
    }
    if (tombstoneLive(p, now)) {
      next = Math.min(next, p.tombstonedAt + tombstoneLifetime);
    }
    return next;
  }

  /** Visible producers of topic t (sorted by peer id) into out; returns when that answer stops being valid. */
  long lookupProducers(Topic t, long now, List<PeerInfo> out) {
    long validUntil = Long.MAX_VALUE;
    for (Producer p : t.producers.values()) {
      if (visible(p, now)) {
        out.add(p.peer);
      }
      validUntil = Math.min(validUntil, nextFlip(p, now));
    }
    return validUntil;
  }

  /** nsqlookupd's "topic=*" read path: any topic registered, all channel names, all topic producers deduped by peer. */
  boolean lookupAll(long now, TreeSet<String> channelsOut, TreeMap<String, PeerInfo> producersOut) {
    boolean any = false;
    for (Topic t : topics.values()) {
      channelsOut.addAll(t.channels.keySet());
      if (t.registered) {
        any = true;
        for (Producer p : t.producers.values()) {
          if (!producersOut.containsKey(p.peer.id) && visible(p, now)) {
            producersOut.put(p.peer.id, p.peer);
          }
        }
      }
    }
    return any;
  }

  /** Registered topic names, sorted. */
  List<String> topicNames() {
    List<String> names = new ArrayList<>(topicRegistrations);
    for (Topic t : topics.values()) {
      if (t.registered) {
        names.add(t.name);
      }
    }
    names.sort(null);
    return names;
  }

  /** Every channel name of every topic, sorted, for "/channels?topic=*". */
  TreeSet<String> allChannelNames() {
    TreeSet<String> names = new TreeSet<>();
    for (Topic t : topics.values()) {
      names.addAll(t.channels.keySet());
    }
    return names;
  }

  /** Identified peers, sorted by id (the client registration). */
  Iterable<PeerInfo> clients() {
    return clients.values();
  }

  /** Every registration with its producers, for /debug: key "category:key:subkey" -> producers. */
  TreeMap<String, List<Producer>> dump() {
    TreeMap<String, List<Producer>> out = new TreeMap<>();
    if (!clients.isEmpty()) {
      List<Producer> ps = new ArrayList<>();
      for (PeerInfo p : clients.values()) {
        ps.add(new Producer(p));
      }
      out.put("client::", ps);
    }
    for (Topic t : topics.values()) {
      if (!t.producers.isEmpty()) {
        out.put("topic:" + t.name + ":", new ArrayList<>(t.producers.values()));
      }
      for (Channel c : t.channels.values()) {
        if (!c.producers.isEmpty()) {
          out.put("channel:" + t.name + ":" + c.name, new ArrayList<>(c.producers.values()));
        }
      }
    }
    return out;
  }

  long topicsVersion() {
    return topicsVersion;
  }

  long nodesVersion() {
    return nodesVersion;
  }

  int topicRegistrations() {
    return topicRegistrations;
  }

  int channelRegistrations() {
    return channelRegistrations;
  }

  int clientCount() {
    return clients.size();
  }

  long topicProducers() {
    return topicProducers;
  }

  long channelProducers() {
    return channelProducers;
  }

  // ---- internals ----------------------------------------------------------------------------

  private Topic topic(String name) {
    Topic t = topics.get(name);
    if (t == null) {
      t = new Topic(name);
      topics.put(name, t);
    }
    return t;
  }

  private boolean registerTopic(Topic topic) {
    if (topic.registered) {
      return false;
    }
    topic.registered = true;
    topicRegistrations++;
    topicsVersion = ++sequence;
    return true;
  }

  private void unregisterTopic(Topic topic) {
    topic.registered = false;
    topicRegistrations--;
    topicsVersion = ++sequence;
  }

  /** The /nodes answer may have changed: a new version, and the listener is told. */
  private void nodesChanged() {
    nodesVersion = ++sequence;
    nodesListener.run();
  }

  private void changed(Topic topic) {
    topic.version = ++sequence;
    topicChanged.accept(topic.name);
  }

  private void dropIfEmpty(Topic topic) {
    if (!topic.registered && topic.channels.isEmpty() && topic.producers.isEmpty()) {
      topics.remove(topic.name);
    }
  }
}
