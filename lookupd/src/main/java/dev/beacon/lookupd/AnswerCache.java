package dev.beacon.lookupd;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

/**
 * The HTTP layer's serialized answers that do not change between requests: /lookup per topic,
 * /topics and /nodes. Each is kept with the registry version it was built from (see
 * {@link RegistrationDb#version}, {@link RegistrationDb#topicsVersion}, {@link RegistrationDb#nodesVersion})
 * and the instant it stops being valid (a producer going inactive, a tombstone expiring); it is
 * served while both hold. The per-topic entries are bounded by the topics that exist: every change
 * to a topic, including the one that removes it, drops its entry ({@link #topicChanged}). Confined
 * to the daemon's event loop.
 */
final class AnswerCache {
  private record Entry(Buffer body, long version, long validUntil) {}

  private final HashMap<String, Entry> lookups = new HashMap<>();
  private Entry topics;
  private Entry nodes;

  /** The cached /lookup answer for topic, or null when there is none for this version at this instant. */
  Buffer lookup(String topic, long version, long now) {
    return valid(lookups.get(topic), version, now);
  }

  /** Keeps and returns a /lookup answer. */
  Buffer putLookup(String topic, CharSequence json, long version, long validUntil) {
    Entry e = new Entry(direct(json), version, validUntil);
    lookups.put(topic, e);
    return e.body;
  }

  /** The topic's answer may have changed (or the topic is gone): its entry goes. */
  void topicChanged(String topic) {
    lookups.remove(topic);
  }

  Buffer topics(long version) {
    return valid(topics, version, Long.MIN_VALUE);
  }

  Buffer putTopics(CharSequence json, long version) {
    topics = new Entry(direct(json), version, Long.MAX_VALUE);
    return topics.body;
  }

  Buffer nodes(long version, long now) {
    return valid(nodes, version, now);
  }

  Buffer putNodes(CharSequence json, long version, long validUntil) {
    nodes = new Entry(direct(json), version, validUntil);
    return nodes.body;
  }

  /** Per-topic entries held (for tests: it must not outgrow the registry). */
  int lookupEntries() {
    return lookups.size();
  }

  private static Buffer valid(Entry e, long version, long now) {
    return e != null && e.version == version && now < e.validUntil ? e.body : null;
  }

  /**
   * An answer's bytes, off-heap. Netty writes a direct buffer to the socket as it is; a heap
   * buffer (what Buffer.buffer makes) is first copied into a direct one, on every request. The
   * memory is the JDK's, freed by the GC once no cache entry and no pending write holds it.
   */
  static Buffer direct(CharSequence json) {
    byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
    return BufferInternal.buffer(Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip()));
  }
}
