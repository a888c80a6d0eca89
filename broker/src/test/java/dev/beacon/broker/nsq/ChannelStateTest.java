package dev.beacon.broker.nsq;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The channel state driven by a hand-moved clock (nanoseconds). */
class ChannelStateTest {
  static final long MS = 1_000_000L;
  long now = 1_000 * MS;
  long nextId = 1;
  final List<String> sent = new ArrayList<>();
  final ChannelState.Sender sender = (c, m) -> sent.add(c.clientId + ":" + m.id + "#" + m.attempts);

  ChannelState channel(int memQueueSize) {
    return new ChannelState("t", "c", memQueueSize, 15 * 60_000 * MS, () -> 0);
  }

  NsqMessage msg() {
    return new NsqMessage(nextId++, new byte[] {'x'}, 0);
  }

  ConsumerState consumer(long id, long rdy) {
    ConsumerState c = new ConsumerState(id, 60_000 * MS);
    c.readyCount = rdy;
    return c;
  }

  @Test
  void messagesWaitForRdyCreditAndSpreadRoundRobin() {
    ChannelState ch = channel(100);
    ConsumerState a = consumer(1, 0);
    ConsumerState b = consumer(2, 2);
    ch.addConsumer(a);
    ch.addConsumer(b);
    for (int i = 0; i < 4; i++) {
      assertTrue(ch.put(msg()));
    }
    assertEquals(2, ch.dispatch(now, sender));
    assertEquals(List.of("2:1#1", "2:2#1"), sent);
    assertEquals(2, ch.depth());
    assertEquals(2, ch.inFlightCount());
    a.readyCount = 1;
    b.readyCount = 3;
    assertEquals(2, ch.dispatch(now, sender));
    assertEquals(List.of("2:1#1", "2:2#1", "1:3#1", "2:4#1"), sent);
    assertEquals(0, ch.depth());
  }

  @Test
  void finishNeedsTheOwnerAndAMessageInFlight() {
    ChannelState ch = channel(100);
    ConsumerState a = consumer(1, 5);
    ConsumerState b = consumer(2, 5);
    ch.addConsumer(a);
    ch.addConsumer(b);
    ch.put(msg());
    ch.dispatch(now, sender);
    assertEquals(ChannelState.NOT_OWNER, ch.finish(b, 1));
    assertEquals(ChannelState.NOT_IN_FLIGHT, ch.finish(a, 99));
    assertNull(ch.finish(a, 1));
    assertEquals(ChannelState.NOT_IN_FLIGHT, ch.finish(a, 1));
    assertEquals(1, a.finishCount);
    assertEquals(0, a.inFlightCount);
    assertFalse(ch.hasTimers());
  }

  @Test
  void timeoutRedeliversWithTheNextAttempt() {
    ChannelState ch = channel(100);
    ConsumerState a = consumer(1, 1);
    a.msgTimeoutNanos = 2_000 * MS;
    ch.addConsumer(a);
    ch.put(msg());
    ch.dispatch(now, sender);
    now += 1_999 * MS;
    assertFalse(ch.processTimeouts(now));
    now += MS;
    assertTrue(ch.processTimeouts(now));
    assertEquals(1, ch.timeoutCount);
    assertEquals(0, a.inFlightCount);
    ch.dispatch(now, sender);
    assertEquals(List.of("1:1#1", "1:1#2"), sent);
    assertNull(ch.finish(a, 1), "the redelivered attempt is in flight again");
  }

  @Test
  void touchMovesTheDeadlineButNotPastMaxMsgTimeout() {
    ChannelState ch = new ChannelState("t", "c", 100, 5_000 * MS, () -> 0);
    ConsumerState a = consumer(1, 1);
    a.msgTimeoutNanos = 2_000 * MS;
    ch.addConsumer(a);
    ch.put(msg());
    ch.dispatch(now, sender);
    for (int i = 0; i < 3; i++) {
      now += 1_500 * MS;
      assertNull(ch.touch(a, 1, now));
      assertFalse(ch.processTimeouts(now));
    }
    // delivered at t0, now t0+4.5s: the touch asked for t0+6.5s but max-msg-timeout caps it at t0+5s
    now += 499 * MS;
    assertFalse(ch.processTimeouts(now));
    now += MS;
    assertTrue(ch.processTimeouts(now));
    assertEquals(1, ch.timeoutCount);
  }

  @Test
  void requeueWithDelayWaitsDeferredThenComesBack() {
    ChannelState ch = channel(100);
    ConsumerState a = consumer(1, 1);
    ch.addConsumer(a);
    ch.put(msg());
    ch.dispatch(now, sender);
    assertNull(ch.requeue(a, 1, 3_000 * MS, now));
    assertEquals(1, ch.deferredCount());
    assertEquals(0, ch.dispatch(now, sender));
    now += 2_999 * MS;
    assertFalse(ch.processTimeouts(now));
    now += MS;
    assertTrue(ch.processTimeouts(now));
    ch.dispatch(now, sender);
    assertEquals(List.of("1:1#1", "1:1#2"), sent);
    assertEquals(1, ch.requeueCount);
    assertEquals(1, a.requeueCount);
    assertEquals(ChannelState.NOT_OWNER, ch.requeue(consumer(9, 1), 1, 0, now));
  }

  @Test
  void requeueWithoutDelayGoesToTheBackOfTheBacklog() {
    ChannelState ch = channel(100);
    ConsumerState a = consumer(1, 1);
    ch.addConsumer(a);
    ch.put(msg());
    ch.put(msg());
    ch.dispatch(now, sender);
    assertNull(ch.requeue(a, 1, 0, now));
    ch.dispatch(now, sender);
    assertNull(ch.finish(a, 2));
    ch.dispatch(now, sender);
    assertEquals(List.of("1:1#1", "1:2#1", "1:1#2"), sent);
  }

  @Test
  void aDisconnectPutsItsInFlightMessagesBackFirst() {
    ChannelState ch = channel(100);
    ConsumerState a = consumer(1, 2);
    ConsumerState b = consumer(2, 0);
    ch.addConsumer(a);
    ch.addConsumer(b);
    ch.put(msg());
    ch.put(msg());
    ch.put(msg());
    ch.dispatch(now, sender);
    assertEquals(2, ch.removeConsumer(a));
    b.readyCount = 3;
    ch.dispatch(now, sender);
    assertEquals(List.of("1:1#1", "1:2#1", "2:2#2", "2:1#2", "2:3#1"), sent);
    assertEquals(3, b.inFlightCount);
  }

  @Test
  void pastMemQueueSizeNewMessagesAreDroppedAndCountedButRequeuesAreKept() {
    ChannelState ch = channel(2);
    ConsumerState a = consumer(1, 1);
    ch.addConsumer(a);
    assertTrue(ch.put(msg()));
    ch.dispatch(now, sender);
    assertTrue(ch.put(msg()));
    assertTrue(ch.put(msg()));
    assertFalse(ch.put(msg()));
    assertEquals(1, ch.droppedCount);
    assertEquals(4, ch.messageCount);
    assertNull(ch.requeue(a, 1, 0, now));
    assertEquals(3, ch.depth(), "a message already accepted is never dropped");
    assertFalse(ch.put(msg()));
    assertEquals(2, ch.droppedCount);
  }

  @Test
  void pauseStopsDeliveryAndEmptyDropsEverything() {
    ChannelState ch = channel(10);
    ConsumerState a = consumer(1, 5);
    ch.addConsumer(a);
    ch.put(msg());
    ch.pause(true);
    assertEquals(0, ch.dispatch(now, sender));
    ch.pause(false);
    assertEquals(1, ch.dispatch(now, sender));
    ch.put(msg());
    ch.empty();
    assertEquals(0, ch.depth());
    assertEquals(0, ch.inFlightCount());
    assertEquals(0, a.inFlightCount);
    assertFalse(ch.processTimeouts(now + 3_600_000 * MS));
  }

  @Test
  void sampleRateSkipsMessagesAsNsqdDoes() {
    int[] next = {50, 5};
    int[] k = {0};
    ChannelState ch = new ChannelState("t", "c", 10, 15 * 60_000 * MS, () -> next[k[0]++ % 2]);
    ConsumerState a = consumer(1, 5);
    a.sampleRate = 10;
    ch.addConsumer(a);
    ch.put(msg());
    ch.put(msg());
    assertEquals(1, ch.dispatch(now, sender));
    assertEquals(List.of("1:2#1"), sent);
    assertEquals(1, ch.sampledOutCount);
  }

  @Test
  void staleTimeoutEntriesAreCompacted() {
    ChannelState ch = channel(100_000);
    ConsumerState a = consumer(1, 10);
    ch.addConsumer(a);
    for (int i = 0; i < 10_000; i++) {
      ch.put(msg());
      ch.dispatch(now, sender);
      assertNull(ch.finish(a, i + 1));
    }
    assertFalse(ch.hasTimers());
    // nothing left to time out, however far the clock moves
    assertFalse(ch.processTimeouts(now + 3_600_000 * MS));
  }

  @Test
  void theMemoryBudgetIsSharedChargedOnceAndReleasedWhenAMessageLeavesForGood() {
    long one = NsqMemory.cost(1);
    NsqMemory memory = new NsqMemory(3 * one);
    ChannelState a = new ChannelState("t", "a", 100, 15 * 60_000 * MS, () -> 0, memory);
    ChannelState b = new ChannelState("t", "b", 100, 15 * 60_000 * MS, () -> 0, memory);
    assertTrue(a.put(msg()));
    assertTrue(a.put(msg()));
    assertTrue(b.put(msg()));
    assertFalse(b.put(msg()), "the budget is for all channels together");
    assertFalse(a.put(msg()));
    assertEquals(3 * one, memory.used());
    assertEquals(2, memory.droppedCount);
    assertEquals(1, a.droppedCount);
    assertEquals(1, b.droppedCount);

    ConsumerState c = consumer(1, 2);
    a.addConsumer(c);
    assertEquals(2, a.dispatch(now, sender));
    assertEquals(3 * one, memory.used(), "in flight still holds its memory");
    assertNull(a.requeue(c, 1, 0, now));
    now += 60_001 * MS;
    assertTrue(a.processTimeouts(now));
    a.removeConsumer(c);
    assertEquals(2, a.depth(), "REQ, timeout and disconnect keep their place");
    assertEquals(3 * one, memory.used());

    ConsumerState d = consumer(2, 5);
    a.addConsumer(d);
    assertEquals(2, a.dispatch(now, sender));
    assertNull(a.finish(d, 1));
    assertEquals(2 * one, memory.used(), "FIN releases");
    assertTrue(b.put(msg()));
    a.empty();
    assertEquals(2 * one, memory.used(), "empty releases what was in flight");
    b.empty();
    assertEquals(0, memory.used());
    assertEquals(3 * one, memory.peak());
  }

  @Test
  void aMessageSkippedBySampleRateReleasesItsMemory() {
    NsqMemory memory = new NsqMemory(1000);
    ChannelState ch = new ChannelState("t", "c", 100, 15 * 60_000 * MS, () -> 99, memory);
    ConsumerState c = consumer(1, 5);
    c.sampleRate = 50;
    ch.addConsumer(c);
    assertTrue(ch.put(msg()));
    assertEquals(0, ch.dispatch(now, sender));
    assertEquals(1, ch.sampledOutCount);
    assertEquals(0, memory.used());
  }
}
