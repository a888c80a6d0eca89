package dev.beacon.broker.nsq;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.IntSupplier;

/**
 * One NSQ channel on this broker (nsqd's Channel without its disk queue): the backlog of messages
 * waiting for a consumer with RDY credit, the messages in flight by id (attempts, msg-timeout
 * deadline, owner) and those deferred by REQ with a delay.
 *
 * <p>Bounds. The backlog plus the deferred messages hold at most {@code memQueueSize} new messages
 * (nsqd's --mem-queue-size: how many a channel keeps in memory). nsqd writes what is past it to
 * disk; there is no disk here, so a new message arriving at a full channel is dropped and counted
 * in {@link #droppedCount} (what nsqd does for #ephemeral channels). Messages already accepted are
 * never dropped: a REQ, a timeout or a consumer's disconnect puts them back even when the backlog is
 * full (they only move out of flight, which RDY credit bounds). Every message is also charged to
 * the broker's {@link NsqMemory} budget from the moment it is accepted until it leaves for good
 * (FIN, sampled out, emptied, channel deleted); a new message that does not fit in it is dropped and
 * counted the same way.
 *
 * <p>Pure: no I/O, no clock; times are monotonic nanoseconds passed in. One owner thread.
 */
final class ChannelState {

  /** Writes a message frame to a consumer. */
  interface Sender {
    void send(ConsumerState consumer, NsqMessage message);
  }

  /** One entry of the timeout queue; stale when the message's generation moved on. */
  private record Timeout(long deadline, NsqMessage message, int generation) {
  }

  static final String NOT_IN_FLIGHT = "ID not in flight";
  static final String NOT_OWNER = "client does not own message";

  final String topic;
  final String name;
  private final int memQueueSize;
  private final long maxMsgTimeoutNanos;
  private final IntSupplier percent;
  private final NsqMemory memory;

  private final ArrayDeque<NsqMessage> backlog = new ArrayDeque<>();
  private final HashMap<Long, NsqMessage> inFlight = new HashMap<>();
  private final PriorityQueue<Timeout> timeouts = new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
  private final PriorityQueue<NsqMessage> deferred = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
  private final List<ConsumerState> consumers = new ArrayList<>();
  private int next;
  private boolean paused;

  long messageCount;
  long requeueCount;
  long timeoutCount;
  long droppedCount;
  /** Messages a consumer's sample_rate skipped (nsqd drops them too). */
  long sampledOutCount;

  /**
   * @param percent 0-99 at random, for sample_rate (nsqd: rand.Int31n(100))
   */
  ChannelState(String topic, String name, int memQueueSize, long maxMsgTimeoutNanos, IntSupplier percent, NsqMemory memory) {
    this.topic = topic;
    this.name = name;
    this.memQueueSize = memQueueSize;
    this.maxMsgTimeoutNanos = maxMsgTimeoutNanos;
    this.percent = percent;
    this.memory = memory;
  }

  /** With a budget of its own that never runs out (tests). */
  ChannelState(String topic, String name, int memQueueSize, long maxMsgTimeoutNanos, IntSupplier percent) {
    this(topic, name, memQueueSize, maxMsgTimeoutNanos, percent, new NsqMemory(Long.MAX_VALUE));
  }

  void addConsumer(ConsumerState c) {
    consumers.add(c);
  }

  /**
   * The consumer is gone: what it had in flight goes back to the front of the backlog at once
   * (nsqd leaves it to time out); returns how many.
   */
  int removeConsumer(ConsumerState c) {
    consumers.remove(c);
    if (next >= consumers.size()) {
      next = 0;
    }
    int n = 0;
    for (Iterator<NsqMessage> it = inFlight.values().iterator(); it.hasNext(); ) {
      NsqMessage m = it.next();
      if (m.owner == c) {
        it.remove();
        m.owner = null;
        m.generation++;
        backlog.addFirst(m);
        requeueCount++;
        n++;
      }
    }
    c.inFlightCount = 0;
    return n;
  }

  List<ConsumerState> consumers() {
    return consumers;
  }

  /** A new message for this channel; false if the channel or the memory budget was full and it was dropped. */
  boolean put(NsqMessage m) {
    if (!admit(m.body.length)) {
      return false;
    }
    backlog.addLast(m);
    return true;
  }

  /**
   * First half of {@link #put}, before the body is copied: counts the message and charges it, or
   * drops it (false). After true, {@link #enqueue} must follow.
   */
  boolean admit(int bodyLength) {
    messageCount++;
    if (backlog.size() + deferred.size() >= memQueueSize || !memory.reserve(bodyLength)) {
      droppedCount++;
      return false;
    }
    return true;
  }

  /** Second half of {@link #put}: the admitted message joins the backlog. */
  void enqueue(NsqMessage m) {
    backlog.addLast(m);
  }

  /** Sends backlog messages to consumers with RDY credit, round robin; returns how many were sent. */
  int dispatch(long now, Sender sender) {
    if (paused || consumers.isEmpty()) {
      return 0;
    }
    int sent = 0;
    while (!backlog.isEmpty()) {
      ConsumerState c = nextReady();
      if (c == null) {
        break;
      }
      NsqMessage m = backlog.pollFirst();
      if (c.sampleRate > 0 && percent.getAsInt() > c.sampleRate) {
        sampledOutCount++;
        memory.release(m.body.length);
        continue;
      }
      if (m.attempts < 0xffff) {
        m.attempts++;
      }
      m.owner = c;
      m.deliveredAt = now;
      m.deadline = now + c.msgTimeoutNanos;
      m.generation++;
      inFlight.put(m.id, m);
      timeouts.add(new Timeout(m.deadline, m, m.generation));
      c.inFlightCount++;
      c.messageCount++;
      sender.send(c, m);
      sent++;
    }
    return sent;
  }

  private ConsumerState nextReady() {
    int n = consumers.size();
    for (int k = 0; k < n; k++) {
      ConsumerState c = consumers.get((next + k) % n);
      if (c.isReady()) {
        next = (next + k + 1) % n;
        return c;
      }
    }
    return null;
  }

  /** FIN: null, or nsqd's reason ({@link #NOT_IN_FLIGHT}, {@link #NOT_OWNER}). */
  String finish(ConsumerState c, long id) {
    NsqMessage m = inFlight.get(id);
    if (m == null) {
      return NOT_IN_FLIGHT;
    }
    if (m.owner != c) {
      return NOT_OWNER;
    }
    inFlight.remove(id);
    m.owner = null;
    m.generation++;
    c.inFlightCount--;
    c.finishCount++;
    memory.release(m.body.length);
    compactTimeouts();
    return null;
  }

  /** REQ: back to the backlog now, or after {@code delayNanos}; null or nsqd's reason. */
  String requeue(ConsumerState c, long id, long delayNanos, long now) {
    NsqMessage m = inFlight.get(id);
    if (m == null) {
      return NOT_IN_FLIGHT;
    }
    if (m.owner != c) {
      return NOT_OWNER;
    }
    inFlight.remove(id);
    m.owner = null;
    m.generation++;
    c.inFlightCount--;
    c.requeueCount++;
    requeueCount++;
    compactTimeouts();
    if (delayNanos <= 0) {
      backlog.addLast(m);
    } else {
      m.due = now + delayNanos;
      deferred.add(m);
    }
    return null;
  }

  /**
   * TOUCH: the deadline moves to now + the consumer's msg-timeout, but never past max-msg-timeout
   * after the delivery (nsqd's TouchMessage).
   */
  String touch(ConsumerState c, long id, long now) {
    NsqMessage m = inFlight.get(id);
    if (m == null) {
      return NOT_IN_FLIGHT;
    }
    if (m.owner != c) {
      return NOT_OWNER;
    }
    long deadline = now + c.msgTimeoutNanos;
    if (deadline - m.deliveredAt >= maxMsgTimeoutNanos) {
      deadline = m.deliveredAt + maxMsgTimeoutNanos;
    }
    m.deadline = deadline;
    m.generation++;
    timeouts.add(new Timeout(deadline, m, m.generation));
    compactTimeouts();
    return null;
  }

  /** FIN, REQ and TOUCH leave stale entries behind; drop them once they outnumber the live ones. */
  private void compactTimeouts() {
    if (timeouts.size() > 2 * inFlight.size() + 64) {
      timeouts.removeIf(t -> t.message.owner == null || t.generation != t.message.generation);
    }
  }

  /**
   * In-flight messages past their deadline go back to the backlog (counted as timeouts); deferred
   * messages that are due join the backlog. Returns true if the backlog grew.
   */
  boolean processTimeouts(long now) {
    boolean moved = false;
    Timeout t;
    while ((t = timeouts.peek()) != null && t.deadline - now <= 0) {
      timeouts.poll();
      NsqMessage m = t.message;
      if (m.owner == null || t.generation != m.generation) {
        continue;
      }
      inFlight.remove(m.id);
      m.owner.inFlightCount--;
      m.owner = null;
      m.generation++;
      timeoutCount++;
      backlog.addLast(m);
      moved = true;
    }
    NsqMessage d;
    while ((d = deferred.peek()) != null && d.due - now <= 0) {
      deferred.poll();
      backlog.addLast(d);
      moved = true;
    }
    return moved;
  }

  /** Drops every message: backlog, deferred and in flight (nsqd's /channel/empty; channel deleted). */
  void empty() {
    for (NsqMessage m : backlog) {
      memory.release(m.body.length);
    }
    for (NsqMessage m : deferred) {
      memory.release(m.body.length);
    }
    backlog.clear();
    deferred.clear();
    for (NsqMessage m : inFlight.values()) {
      m.owner = null;
      m.generation++;
      memory.release(m.body.length);
    }
    inFlight.clear();
    timeouts.clear();
    for (ConsumerState c : consumers) {
      c.inFlightCount = 0;
    }
  }

  void pause(boolean paused) {
    this.paused = paused;
  }

  boolean isPaused() {
    return paused;
  }

  /** Messages waiting for a consumer (nsqd's depth: memory plus backend; no backend here). */
  int depth() {
    return backlog.size();
  }

  int inFlightCount() {
    return inFlight.size();
  }

  int deferredCount() {
    return deferred.size();
  }

  /** True when timers have something to do: messages in flight or deferred. */
  boolean hasTimers() {
    return !inFlight.isEmpty() || !deferred.isEmpty();
  }
}
