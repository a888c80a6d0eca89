package dev.beacon.lookupd;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerCacheTest {
  private final AnswerCache cache = new AnswerCache();

  @Test
  void aLookupAnswerHoldsForItsVersionUntilItsInstant() {
    assertNull(cache.lookup("t", 1, 0));
    Buffer body = cache.putLookup("t", "{\"channels\":[]}", 7, 100);
    assertEquals("{\"channels\":[]}", body.toString());
    assertSame(body, cache.lookup("t", 7, 99));
    assertNull(cache.lookup("t", 7, 100), "a producer went inactive or a tombstone expired at 100");
    assertNull(cache.lookup("t", 8, 0), "the registry moved the topic's version");
    assertNull(cache.lookup("u", 7, 0));
  }

  @Test
  void aChangedTopicLosesItsEntrySoTheCacheIsBoundedByTheRegistry() {
    for (int i = 0; i < 1000; i++) {
      cache.putLookup("t" + i, "{}", 1, Long.MAX_VALUE);
      cache.topicChanged("t" + i);
    }
    assertEquals(0, cache.lookupEntries());
    cache.putLookup("kept", "{}", 1, Long.MAX_VALUE);
    assertEquals(1, cache.lookupEntries());
  }

  @Test
  void topicsByVersionNodesByVersionAndInstant() {
    assertNull(cache.topics(0));
    Buffer topics = cache.putTopics("{\"topics\":[\"a\"]}", 3);
    assertSame(topics, cache.topics(3));
    assertNull(cache.topics(4));
    Buffer nodes = cache.putNodes("{\"producers\":[]}", 5, 50);
    assertSame(nodes, cache.nodes(5, 49));
    assertNull(cache.nodes(5, 50));
    assertNull(cache.nodes(6, 0));
  }

  @Test
  void answersAreOffHeap() {
    Buffer b = AnswerCache.direct("{\"x\":\"\u00e9\"}");
    assertTrue(((io.vertx.core.internal.buffer.BufferInternal) b).getByteBuf().isDirect());
    assertEquals("{\"x\":\"\u00e9\"}", b.toString());
  }
}
