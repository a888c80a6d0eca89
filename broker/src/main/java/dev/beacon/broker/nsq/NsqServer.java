package dev.beacon.broker.nsq;

import dev.beacon.common.NsqNames;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The NSQ side of the broker (nsqd's NSQD, without disks): topics and their channels, the NSQ
 * connections, DPUB's deferred publishes, and what nsqd's /stats and admin endpoints read and do.
 *
 * <p>Mapping. Topic {@code t} is the NATS subject {@code t}; channel {@code c} of {@code t} is the
 * queue group {@code c} on {@code t}. Each consumer of a channel on this broker holds one queue
 * subscription in the core (so a broker's share of the group is its number of consumers, as with
 * NATS queue subscribers), and each channel gets every message once, spread over all its
 * consumers in the cluster; here a message picked for any of them goes to the channel's backlog,
 * then to a consumer with RDY credit. A channel with no consumer left has no subscription (its
 * share would otherwise be stranded here) but keeps its backlog for the next consumer, unless it
 * is #ephemeral: then it is deleted, and so is an #ephemeral topic left with no channel. NSQ PUB/MPUB/DPUB publish to the subject, reaching NATS subscribers and channels alike.
 *
 * <p>Bounds. At most nsq-max-topics topics and nsq-max-channels-per-topic channels per topic (past
 * them the command or request that would create one is refused and counted); every message held
 * (backlogs, in flight, REQ-delayed, DPUB-held) is charged to one {@link NsqMemory} budget of
 * nsq-max-memory bytes, so the sum over all channels is bounded, not only each channel's count.
 *
 * <p>One owner thread (the broker's context): the core's deliveries, the connections' reads and
 * {@link #tick} all run on it.
 */
public final class NsqServer implements NsqConnection.Hub {

  /** One topic known on this broker. */
  static final class Topic {
    final String name;
    final TreeMap<String, Channel> channels = new TreeMap<>();
    /** Messages NSQ clients published to it through this broker. */
    long messageCount;
    long messageBytes;
    boolean paused;
    final PriorityQueue<Deferred> deferred = new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));

    Topic(String name) {
      this.name = name;
    }
  }

  /** A DPUB message waiting for its time. */
  private record Deferred(long due, long seq, byte[] body) {
  }

  /** One channel: its state, and what its consumers' queue subscriptions deliver to. */
  static final class Channel {
    final ChannelState state;
    final NsqCore.Delivery delivery;

    Channel(ChannelState state, NsqCore.Delivery delivery) {
      this.state = state;
      this.delivery = delivery;
    }
  }

  private final NsqSettings settings;
  private final NsqCore core;
  private final LongSupplier nanoClock;
  private final LongSupplier wallNanos;
  private final TreeMap<String, Topic> topics = new TreeMap<>();
  private final Map<Long, NsqConnection> connections = new LinkedHashMap<>();
  private final ChannelState.Sender sender = (c, m) -> c.connection.sendMessage(m);
  private long nextConnectionId = 1;
  private long nextMessageId = 1;
  private long deferredSeq;
  /** DPUB messages refused because a topic's deferred queue or the memory budget was full. */
  long deferredDropped;
  /** The budget of every message held here. */
  final NsqMemory memory;
  /** Topics and channels not created because of nsq-max-topics / nsq-max-channels-per-topic. */
  long topicsRefused;
  long channelsRefused;
  private Supplier<Collection<String>> otherTopics = Collections::emptyList;
  private NsqAuth auth = NsqAuth.NONE;

  public NsqServer(NsqSettings settings, NsqCore core, LongSupplier nanoClock, LongSupplier wallNanos) {
    this.settings = settings;
    this.core = core;
    this.nanoClock = nanoClock;
    this.wallNanos = wallNanos;
    this.memory = new NsqMemory(settings.maxMemory());
  }

  /** Topics this broker has that are not NSQ topics here (NATS subjects it registers), listed by /stats. */
  public void setOtherTopics(Supplier<Collection<String>> topics) {
    this.otherTopics = topics;
  }

  /** The broker's users, token and permissions as the NSQ listener applies them. */
  public void setAuth(NsqAuth auth) {
    this.auth = auth;
  }

  @Override
  public NsqAuth auth() {
    return auth;
  }

  /** The users were reloaded: every connection is checked again ({@link NsqConnection#reauthorize}). */
  public void reauthorize() {
    for (NsqConnection c : new ArrayList<>(connections.values())) {
      c.reauthorize();
    }
  }

  @Override
  public NsqSettings settings() {
    return settings;
  }

  @Override
  public long nanoTime() {
    return nanoClock.getAsLong();
  }

  // ---- connections ----

  /** A new client connection; feed it with {@link NsqConnection#read}. */
  NsqConnection accept(String remoteAddress, NsqConnection.Out out) {
    NsqConnection c = new NsqConnection(nextConnectionId++, remoteAddress, this, out);
    connections.put(c.id, c);
    return c;
  }

  @Override
  public void closed(NsqConnection conn) {
    connections.remove(conn.id);
  }

  public int connectionCount() {
    return connections.size();
  }

  /**
   * One closer per open NSQ connection, for lame duck mode: each closes its connection (what it had
   * in flight goes back to its channel for the other consumers) and returns false if it was closed
   * already. nsqd sends nothing before it closes a client on exit.
   */
  public List<BooleanSupplier> connectionClosers() {
    List<BooleanSupplier> out = new ArrayList<>(connections.size());
    for (NsqConnection c : connections.values()) {
      out.add(() -> {
        if (c.closed) {
          return false;
        }
        c.close();
        return true;
      });
    }
    return out;
  }

  /** Closes every NSQ connection (shutdown). */
  public void closeAll() {
    for (NsqConnection c : new ArrayList<>(connections.values())) {
      c.close();
    }
  }

  /**
   * Periodic work (every 100 ms, as nsqd's queue scan): heartbeats and read deadlines, in-flight
   * timeouts and due REQ delays with the deliveries they allow, due DPUB messages.
   */
  public void tick() {
    long now = nanoTime();
    for (NsqConnection c : new ArrayList<>(connections.values())) {
      c.tick(now);
    }
    for (Topic t : new ArrayList<>(topics.values())) {
      for (Channel ch : t.channels.values()) {
        if (ch.state.hasTimers() && ch.state.processTimeouts(now)) {
          ch.state.dispatch(now, sender);
        }
      }
      Deferred d;
      while ((d = t.deferred.peek()) != null && d.due - now <= 0) {
        t.deferred.poll();
        memory.release(d.body.length);
        core.publish(t.name, d.body, 0, d.body.length);
      }
    }
  }

  // ---- hub ----

  @Override
  public ChannelState subscribe(String topicName, String channelName, ConsumerState consumer, NsqConnection conn)
      throws NsqException {
    Topic t = topic(topicName, "SUB");
    Channel ch = channel(t, channelName, "SUB");
    consumer.connection = conn;
    boolean first = ch.state.consumers().isEmpty();
    ch.state.addConsumer(consumer);
    consumer.subscription = core.subscribe(t.name, channelName, ch.delivery);
    if (first) {
      core.registrationChanged(t.name, channelName);
    }
    return ch.state;
  }

  @Override
  public void unsubscribe(ChannelState state, ConsumerState consumer) {
    state.removeConsumer(consumer);
    if (consumer.subscription != null) {
      core.unsubscribe(consumer.subscription);
      consumer.subscription = null;
    }
    Topic t = topics.get(state.topic);
    Channel ch = t == null ? null : t.channels.get(state.name);
    if (ch == null || ch.state != state) {
      return;
    }
    if (state.consumers().isEmpty()) {
      core.registrationChanged(t.name, state.name);
      if (NsqNames.isEphemeral(state.name)) {
        t.channels.remove(state.name);
        state.empty();
        maybeDropEphemeralTopic(t);
      }
    } else {
      state.dispatch(nanoTime(), sender);
    }
  }

  private void maybeDropEphemeralTopic(Topic t) {
    if (NsqNames.isEphemeral(t.name) && t.channels.isEmpty() && topics.get(t.name) == t) {
      topics.remove(t.name);
      clearDeferred(t);
      core.registrationChanged(t.name, null);
    }
  }

  @Override
  public void dispatch(ChannelState state) {
    state.dispatch(nanoTime(), sender);
  }

  @Override
  public void ensureTopic(String topicName, String verb) throws NsqException {
    topic(topicName, verb);
  }

  @Override
  public void publish(String topicName, byte[] b, int off, int len) {
    Topic t = topics.get(topicName);
    if (t != null) {
      t.messageCount++;
      t.messageBytes += len;
    }
    core.publish(topicName, b, off, len);
  }

  @Override
  public void publishDeferred(String topicName, byte[] b, int off, int len, long delayMs) throws NsqException {
    Topic t = topic(topicName, "DPUB");
    if (delayMs == 0) {
      publish(topicName, b, off, len);
      return;
    }
    if (t.deferred.size() >= settings.memQueueSize()) {
      deferredDropped++;
      throw NsqException.fatal("E_DPUB_FAILED", "DPUB failed deferred queue full (mem-queue-size " + settings.memQueueSize() + ")");
    }
    if (!memory.reserve(len)) {
      deferredDropped++;
      throw NsqException.limit("E_DPUB_FAILED", "DPUB failed memory budget full (nsq-max-memory " + memory.limit + " bytes)",
          "MEMORY_LIMIT");
    }
    t.messageCount++;
    t.messageBytes += len;
    t.deferred.add(new Deferred(nanoTime() + delayMs * 1_000_000L, deferredSeq++, java.util.Arrays.copyOfRange(b, off, off + len)));
  }

  // ---- topics and channels (also the admin endpoints) ----

  /** The topic, created unless it exists; {@code verb} names the refusal past nsq-max-topics. */
  private Topic topic(String name, String verb) throws NsqException {
    Topic t = topics.get(name);
    if (t == null) {
      if (topics.size() >= settings.maxTopics()) {
        topicsRefused++;
        throw NsqException.limit("E_" + verb + "_FAILED", verb + " failed topic " + GoQuote.quote(name)
            + ": too many topics (nsq-max-topics " + settings.maxTopics() + ")", "TOO_MANY_TOPICS");
      }
      t = new Topic(name);
      topics.put(name, t);
      core.registrationChanged(name, null);
    }
    return t;
  }

  /** The channel, created unless it exists; {@code verb} names the refusal past nsq-max-channels-per-topic. */
  private Channel channel(Topic t, String name, String verb) throws NsqException {
    Channel ch = t.channels.get(name);
    if (ch == null) {
      if (t.channels.size() >= settings.maxChannelsPerTopic()) {
        channelsRefused++;
        throw NsqException.limit("E_" + verb + "_FAILED", verb + " failed channel " + GoQuote.quote(name) + " of topic "
            + GoQuote.quote(t.name) + ": too many channels (nsq-max-channels-per-topic " + settings.maxChannelsPerTopic() + ")",
            "TOO_MANY_CHANNELS");
      }
      ChannelState state = new ChannelState(t.name, name, settings.memQueueSize(), settings.maxMsgTimeoutMs() * 1_000_000L,
          () -> ThreadLocalRandom.current().nextInt(100), memory);
      ch = new Channel(state, (b, off, len) -> {
        // charged before the copy: a dropped message costs nothing
        if (state.admit(len)) {
          state.enqueue(new NsqMessage(nextMessageId++, java.util.Arrays.copyOfRange(b, off, off + len), wallNanos.getAsLong()));
          state.dispatch(nanoTime(), sender);
        }
      });
      ch.state.pause(t.paused);
      t.channels.put(name, ch);
    }
    return ch;
  }

  boolean hasTopic(String name) {
    return topics.containsKey(name);
  }

  /** /topic/create: the topic exists from now on (and is registered). */
  void createTopic(String name) throws NsqException {
    topic(name, "CREATE");
  }

  /** /channel/create: creates the topic too, as nsqd does. */
  void createChannel(String topic, String channel) throws NsqException {
    channel(topic(topic, "CREATE"), channel, "CREATE");
  }

  /** /topic/delete: closes every consumer of the topic and forgets it. False if there is no such topic. */
  boolean deleteTopic(String name) {
    Topic t = topics.get(name);
    if (t == null) {
      return false;
    }
    for (String c : new ArrayList<>(t.channels.keySet())) {
      deleteChannel(name, c);
    }
    topics.remove(name);
    clearDeferred(t);
    core.registrationChanged(name, null);
    return true;
  }

  /** /channel/delete: closes the channel's consumers (as nsqd) and forgets it. False if not found. */
  boolean deleteChannel(String topic, String channel) {
    Topic t = topics.get(topic);
    Channel ch = t == null ? null : t.channels.get(channel);
    if (ch == null) {
      return false;
    }
    t.channels.remove(channel);
    for (ConsumerState c : new ArrayList<>(ch.state.consumers())) {
      c.connection.close();
    }
    ch.state.empty();
    core.registrationChanged(topic, channel);
    return true;
  }

  /** /topic/empty: nsqd empties the topic's own queue; the deferred DPUB messages are that queue here. */
  boolean emptyTopic(String name) {
    Topic t = topics.get(name);
    if (t == null) {
      return false;
    }
    clearDeferred(t);
    return true;
  }

  private void clearDeferred(Topic t) {
    for (Deferred d : t.deferred) {
      memory.release(d.body.length);
    }
    t.deferred.clear();
  }

  /** /channel/empty. */
  boolean emptyChannel(String topic, String channel) {
    Topic t = topics.get(topic);
    Channel ch = t == null ? null : t.channels.get(channel);
    if (ch == null) {
      return false;
    }
    ch.state.empty();
    return true;
  }

  /** /topic/pause and /topic/unpause: a paused topic's channels deliver nothing. */
  boolean pauseTopic(String name, boolean paused) {
    Topic t = topics.get(name);
    if (t == null) {
      return false;
    }
    t.paused = paused;
    for (Channel ch : t.channels.values()) {
      ch.state.pause(paused);
      if (!paused) {
        ch.state.dispatch(nanoTime(), sender);
      }
    }
    return true;
  }

  /** /channel/pause and /channel/unpause. */
  boolean pauseChannel(String topic, String channel, boolean paused) {
    Topic t = topics.get(topic);
    Channel ch = t == null ? null : t.channels.get(channel);
    if (ch == null) {
      return false;
    }
    ch.state.pause(paused);
    if (!paused) {
      ch.state.dispatch(nanoTime(), sender);
    }
    return true;
  }

  // ---- registrations (what lookupd should know) ----

  /**
   * NSQ registrations: {@code (topic, null)} for every NSQ topic here, {@code (topic, channel)}
   * for every channel with a consumer on this broker. Channels without consumers are not
   * registered: an nsqd would create them and fill them with messages nobody reads.
   */
  public void forEachRegistration(BiConsumer<String, String> action) {
    for (Topic t : topics.values()) {
      action.accept(t.name, null);
      for (Channel ch : t.channels.values()) {
        if (!ch.state.consumers().isEmpty()) {
          action.accept(t.name, ch.state.name);
        }
      }
    }
  }

  /** A valid NSQ topic name that is also a NATS subject (what the NSQ listener accepts). */
  public static boolean isTopicName(String name) {
    return NsqConnection.isTopicName(name);
  }

  public boolean hasRegisteredTopic(String topic) {
    return topics.containsKey(topic);
  }

  public boolean hasRegisteredChannel(String topic, String channel) {
    Topic t = topics.get(topic);
    Channel ch = t == null ? null : t.channels.get(channel);
    return ch != null && !ch.state.consumers().isEmpty();
  }

  // ---- /stats ----

  /** nsqd's /stats topics (sorted by name, channels too), filtered as nsqd filters them. */
  List<Map<String, Object>> topicStats(String topicFilter, String channelFilter, boolean includeClients) {
    List<Map<String, Object>> out = new ArrayList<>();
    TreeMap<String, Topic> all = new TreeMap<>(topics);
    for (String other : otherTopics.get()) {
      all.putIfAbsent(other, new Topic(other));
    }
    for (Topic t : all.values()) {
      if (!topicFilter.isEmpty() && !topicFilter.equals(t.name)) {
        continue;
      }
      List<Map<String, Object>> channels = new ArrayList<>();
      for (Channel ch : t.channels.values()) {
        if (!channelFilter.isEmpty() && !channelFilter.equals(ch.state.name)) {
          continue;
        }
        channels.add(channelStats(ch.state, includeClients));
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic_name", t.name);
      m.put("channels", channels);
      m.put("depth", t.deferred.size());
      m.put("backend_depth", 0);
      m.put("message_count", t.messageCount);
      m.put("message_bytes", t.messageBytes);
      m.put("paused", t.paused);
      m.put("e2e_processing_latency", latency());
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> latency() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", 0);
    m.put("percentiles", null);
    return m;
  }

  private Map<String, Object> channelStats(ChannelState ch, boolean includeClients) {
    List<Map<String, Object>> clients = new ArrayList<>();
    if (includeClients) {
      for (ConsumerState c : ch.consumers()) {
        clients.add(clientStats(c.connection, null));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("channel_name", ch.name);
    m.put("depth", ch.depth());
    m.put("backend_depth", 0);
    m.put("in_flight_count", ch.inFlightCount());
    m.put("deferred_count", ch.deferredCount());
    m.put("message_count", ch.messageCount);
    m.put("requeue_count", ch.requeueCount);
    m.put("timeout_count", ch.timeoutCount);
    m.put("client_count", ch.consumers().size());
    m.put("clients", clients);
    m.put("paused", ch.isPaused());
    m.put("e2e_processing_latency", latency());
    // not nsqd's: messages dropped past mem-queue-size, and skipped by sample_rate
    m.put("dropped_count", ch.droppedCount);
    m.put("sampled_out_count", ch.sampledOutCount);
    return m;
  }

  /** This broker's NSQ limits and what they refused, as /metrics shows them ({@code beacon_nsq_*}). */
  public Map<String, Object> limitStats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nsq_memory_bytes", memory.used());
    m.put("nsq_memory_peak_bytes", memory.peak());
    m.put("nsq_max_memory", memory.limit);
    m.put("nsq_memory_dropped_count", memory.droppedCount);
    m.put("nsq_topic_count", topics.size());
    m.put("nsq_max_topics", settings.maxTopics());
    m.put("nsq_topics_refused_count", topicsRefused);
    m.put("nsq_max_channels_per_topic", settings.maxChannelsPerTopic());
    m.put("nsq_channels_refused_count", channelsRefused);
    return m;
  }

  /** nsqd's ClientV2Stats; {@code pubTopic} non-null limits pub_counts to that topic. */
  Map<String, Object> clientStats(NsqConnection c, String pubTopic) {
    ConsumerState s = c.consumer;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("client_id", c.ident.clientId);
    m.put("hostname", c.ident.hostname);
    m.put("version", "V2");
    m.put("remote_address", c.remoteAddress);
    m.put("state", c.state);
    m.put("ready_count", s == null ? 0 : s.readyCount);
    m.put("in_flight_count", s == null ? 0 : s.inFlightCount);
    m.put("message_count", s == null ? 0 : s.messageCount);
    m.put("finish_count", s == null ? 0 : s.finishCount);
    m.put("requeue_count", s == null ? 0 : s.requeueCount);
    m.put("connect_ts", c.connectTime);
    m.put("sample_rate", c.ident.sampleRate);
    m.put("deflate", false);
    m.put("snappy", false);
    m.put("user_agent", c.ident.userAgent);
    List<Map<String, Object>> pubs = new ArrayList<>();
    for (Map.Entry<String, long[]> e : c.pubCounts.entrySet()) {
      if (pubTopic == null || pubTopic.equals(e.getKey())) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("topic", e.getKey());
        p.put("count", e.getValue()[0]);
        pubs.add(p);
      }
    }
    if (!pubs.isEmpty()) {
      m.put("pub_counts", pubs);
    }
    m.put("tls", false);
    m.put("tls_cipher_suite", "");
    m.put("tls_version", "");
    m.put("tls_negotiated_protocol", "");
    m.put("tls_negotiated_protocol_is_mutual", false);
    return m;
  }

  /** nsqd's producers: the connections that published. */
  List<Map<String, Object>> producerStats() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (NsqConnection c : connections.values()) {
      if (!c.pubCounts.isEmpty()) {
        out.add(clientStats(c, null));
      }
    }
    return out;
  }

  Collection<Topic> topics() {
    return topics.values();
  }
}
