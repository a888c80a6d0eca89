package dev.beacon.broker.discovery;

import dev.beacon.broker.BrokerLog;
import dev.beacon.common.Log;
import dev.beacon.broker.DiscoveryOptions;
import dev.beacon.common.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * This broker's connection to one lookupd, speaking the lookup protocol exactly as nsqd does:
 * magic, IDENTIFY, then REGISTER/UNREGISTER as local interest changes and PING as heartbeat.
 *
 * <p>It keeps what it has told this lookupd ({@code sent}) and reconciles it with {@link NsqRegistrations}
 * key by key, so nothing queues up while the lookupd is away and a subscribe/unsubscribe storm
 * collapses to at most one command per registration. On loss it redials with backoff and jitter
 * and registers everything again. All methods run on the broker's context.
 */
final class LookupdRegistrar {
  private static final Log LOG = BrokerLog.LOG;
  /** Commands sent ahead of their answers; lookupd answers strictly in order, one answer per command. */
  private static final int MAX_IN_FLIGHT = 32;

  /** One registration as lookupd knows it; {@code channel} null is the topic itself. */
  private record Key(String topic, String channel) {
  }

  private enum State { DISCONNECTED, CONNECTING, IDENTIFYING, READY, STOPPED }

  private final Vertx vertx;
  private final NetClient netClient;
  private final HostPort address;
  private final LookupdCommands.Identity identity;
  private final NsqRegistrations interest;
  private final DiscoveryOptions options;
  private final Consumer<HostPort> onHttpAddress;
  private final String logPrefix;

  private State state = State.DISCONNECTED;
  private NetSocket socket;
  private final ArrayDeque<String> inFlight = new ArrayDeque<>();
  private final LinkedHashSet<Key> dirty = new LinkedHashSet<>();
  /** Dirty keys to REGISTER again even if {@code sent} has them (the periodic refresh). */
  private final Set<Key> refresh = new HashSet<>();
  /** topic -> channels registered on this connection (an empty set: the topic alone). */
  private final Map<String, Set<String>> sent = new HashMap<>();
  private RecordParser parser;
  private int expectedSize = -1;
  private int failedAttempts;
  private long reconnectTimer = -1;
  private long responseTimer = -1;
  private long pingTimer = -1;
  private HostPort httpAddress;
  /** False when a secret is set but this lookupd checks none: registered with, never polled for peers. */
  private boolean discoverable = true;
  private boolean warnedUnchecked;
  private int registrations;
  /** REGISTERs the lookupd refused with E_TOO_MANY_REGISTRATIONS on the current connection. */
  private int refused;

  LookupdRegistrar(Vertx vertx, NetClient netClient, HostPort address, LookupdCommands.Identity identity,
      NsqRegistrations interest, DiscoveryOptions options, Consumer<HostPort> onHttpAddress) {
    this.vertx = vertx;
    this.netClient = netClient;
    this.address = address;
    this.identity = identity;
    this.interest = interest;
    this.options = options;
    this.onHttpAddress = onHttpAddress;
    this.logPrefix = "lookupd(" + address + "): ";
  }

  HostPort address() {
    return address;
  }

  /** The lookupd's HTTP address (dialled host + {@code http_port} of its IDENTIFY answer), or null before the first IDENTIFY. */
  HostPort httpAddress() {
    return httpAddress;
  }

  /**
   * The HTTP address to poll for peers, or null: before the first IDENTIFY, and always for a lookupd
   * that does not check the lookupd-secret this broker has (its /nodes lists anyone who registered).
   */
  HostPort discoveryAddress() {
    return discoverable ? httpAddress : null;
  }

  /** Connection attempts that failed since the last IDENTIFY answered (for tests). */
  int failedAttempts() {
    return failedAttempts;
  }

  boolean isReady() {
    return state == State.READY;
  }

  /** How many REGISTER commands this lookupd answered OK so far, over all connections (for tests and /varz-style stats). */
  int registrations() {
    return registrations;
  }

  /** REGISTERs refused with E_TOO_MANY_REGISTRATIONS on the current connection. */
  int refused() {
    return refused;
  }

  void start() {
    connect();
  }

  /** Closes the connection without UNREGISTER, as nsqd does on shutdown: lookupd drops the producer on close. */
  void stop() {
    state = State.STOPPED;
    cancelTimers();
    if (socket != null) {
      NetSocket s = socket;
      socket = null;
      s.close();
    }
  }

  /** Local interest in {@code topic} (and {@code channel}, if not null) may have changed. */
  void changed(String topic, String channel) {
    if (state != State.READY) {
      return; // the next IDENTIFY registers everything from NsqRegistrations; nothing piles up meanwhile
    }
    if (channel != null) {
      dirty.add(new Key(topic, channel));
    }
    dirty.add(new Key(topic, null));
    pump();
  }

  private void connect() {
    if (state == State.STOPPED) {
      return;
    }
    reconnectTimer = -1;
    state = State.CONNECTING;
    netClient.connect(address.port(), address.host()).onComplete(ar -> {
      if (state == State.STOPPED) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        state = State.DISCONNECTED;
        scheduleReconnect("connect failed: " + ar.cause().getMessage());
      } else {
        connected(ar.result());
      }
    });
  }

  private void connected(NetSocket s) {
    socket = s;
    refused = 0;
    expectedSize = -1;
    parser = RecordParser.newFixed(LookupdCommands.SIZE_LENGTH, this::record);
    s.handler(parser);
    s.closeHandler(v -> {
      if (socket == s) {
        lost("connection closed by lookupd");
      }
    });
    s.exceptionHandler(e -> {
      if (socket == s) {
        lost(e.toString());
      }
    });
    state = State.IDENTIFYING;
    send(LookupdCommands.hello(identity), LookupdCommands.IDENTIFY);
  }

  /** Alternates between the 4-byte size and the answer it announces (a 0 size is an empty answer). */
  private void record(Buffer buf) {
    if (socket == null) {
      return;
    }
    if (expectedSize < 0) {
      int size = buf.getInt(0);
      if (size < 0 || size > options.lookupdMaxResponseSize()) {
        lost("answer size " + size + " (expected: 0.." + options.lookupdMaxResponseSize() + ")");
        return;
      }
      if (size == 0) {
        answer(Buffer.buffer());
        return;
      }
      expectedSize = size;
      parser.fixedSizeMode(size);
    } else {
      expectedSize = -1;
      parser.fixedSizeMode(LookupdCommands.SIZE_LENGTH);
      answer(buf);
    }
  }

  private void answer(Buffer data) {
    String command = inFlight.poll();
    if (command == null) {
      lost("answer with no command outstanding");
      return;
    }
    String text = data.toString(StandardCharsets.UTF_8);
    if (command.startsWith(LookupdCommands.REGISTER) && text.startsWith(LookupdCommands.E_TOO_MANY_REGISTRATIONS)) {
      // Not fatal: the lookupd keeps the connection and our other registrations. Redialling would
      // only register everything again and hit the same limit, so log the first refusal per
      // connection and go on; the refused names are offered again on the next connection.
      if (refused++ == 0) {
        LOG.warn(logPrefix + command + " refused: " + text
            + " (further refusals on this connection are counted, not logged)");
      }
    } else if (text.startsWith(LookupdCommands.ERROR_PREFIX)) {
      lost(command + " failed: " + text);
      return;
    }
    if (command.equals(LookupdCommands.IDENTIFY)) {
      identified(data);
    } else if (command.startsWith(LookupdCommands.REGISTER) && !text.startsWith(LookupdCommands.ERROR_PREFIX)) {
      registrations++;
    }
    if (socket == null) {
      return;
    }
    armResponseTimer();
    pump();
  }

  private void identified(Buffer data) {
    int httpPort;
    Object registration;
    try {
      JsonObject info = new JsonObject(data);
      httpPort = info.getInteger("http_port", 0);
      registration = info.getValue(LookupdCommands.REGISTRATION_SECRET);
    } catch (DecodeException | ClassCastException e) {
      lost("IDENTIFY answer is not lookupd JSON");
      return;
    }
    if (httpPort <= 0 || httpPort > 65535) {
      lost("IDENTIFY answer has no http_port");
      return;
    }
    if (!identity.secret().isEmpty()) {
      if (registration == null) {
        // Registering does no harm, but its node list may hold anyone: never used for discovery.
        discoverable = false;
        if (!warnedUnchecked) {
          warnedUnchecked = true;
          LOG.error(logPrefix + "this lookupd checks no registration secret (lookupd-secret is set):"
              + " registered with, but not used to find peers");
        }
      } else if (!LookupdCommands.ACCEPTED.equals(registration)) {
        lost("lookupd refused our lookupd-secret (IDENTIFY answer registration_secret: " + registration + ")");
        return;
      } else {
        discoverable = true;
      }
    }
    LOG.info(logPrefix + "IDENTIFY ok, registering " + interest.topicCount() + " topics");
    state = State.READY;
    failedAttempts = 0;
    httpAddress = new HostPort(address.host(), httpPort);
    onHttpAddress.accept(httpAddress);
    interest.forEachRegistration((topic, channel) -> dirty.add(new Key(topic, channel)));
    long interval = options.lookupdPingInterval().toMillis();
    pingTimer = vertx.setPeriodic(interval, interval, id -> ping());
  }

  /**
   * The heartbeat, and registration following reality: lookupd may have dropped registrations this
   * broker still has (nsqadmin's Delete Topic, /topic/delete, /channel/delete on the lookupd), so
   * every one is REGISTERed again with each PING (lookupd answers OK to a REGISTER it already has).
   */
  private void ping() {
    if (state == State.READY) {
      send(Buffer.buffer(LookupdCommands.PING + "\n"), LookupdCommands.PING);
      interest.forEachRegistration((topic, channel) -> {
        Key key = new Key(topic, channel);
        refresh.add(key);
        dirty.add(key);
      });
      pump();
    }
  }

  /** Sends what reconciling the dirty keys requires, up to the in-flight window, in one write. */
  private void pump() {
    if (state != State.READY || dirty.isEmpty()) {
      return;
    }
    boolean wasIdle = inFlight.isEmpty();
    Buffer out = null;
    Iterator<Key> it = dirty.iterator();
    while (it.hasNext() && inFlight.size() < MAX_IN_FLIGHT) {
      Key key = it.next();
      it.remove();
      String verb = reconcile(key);
      if (verb != null) {
        if (out == null) {
          out = Buffer.buffer(256);
        }
        LookupdCommands.appendCommand(out, verb, key.topic, key.channel);
        inFlight.add(verb);
      }
    }
    if (out != null) {
      socket.write(out);
      if (wasIdle) {
        armResponseTimer();
      }
    }
  }

  /** Updates {@code sent} for one key and returns the verb that makes lookupd agree, or null. */
  private String reconcile(Key key) {
    if (refresh.remove(key)) {
      boolean want = key.channel == null ? interest.hasTopic(key.topic) : interest.hasChannel(key.topic, key.channel);
      if (want) {
        Set<String> channels = sent.computeIfAbsent(key.topic, t -> new HashSet<>());
        if (key.channel != null) {
          channels.add(key.channel);
        }
        return LookupdCommands.REGISTER;
      }
    }
    Set<String> channels = sent.get(key.topic);
    if (key.channel != null) {
      boolean want = interest.hasChannel(key.topic, key.channel);
      boolean has = channels != null && channels.contains(key.channel);
      if (want && !has) {
        // REGISTER topic channel registers the topic too (nsqlookupd adds both).
        sent.computeIfAbsent(key.topic, t -> new HashSet<>()).add(key.channel);
        return LookupdCommands.REGISTER;
      }
      if (!want && has) {
        channels.remove(key.channel);
        return LookupdCommands.UNREGISTER;
      }
      return null;
    }
    boolean want = interest.hasTopic(key.topic);
    boolean has = channels != null;
    if (want && !has) {
      sent.put(key.topic, new HashSet<>());
      return LookupdCommands.REGISTER;
    }
    if (!want && has) {
      // UNREGISTER topic removes this producer from all the topic's channels too (as nsqlookupd does).
      sent.remove(key.topic);
      return LookupdCommands.UNREGISTER;
    }
    return null;
  }

  private void send(Buffer bytes, String command) {
    boolean wasIdle = inFlight.isEmpty();
    inFlight.add(command);
    socket.write(bytes);
    if (wasIdle) {
      armResponseTimer();
    }
  }

  /** (Re)starts the deadline for the oldest outstanding command; called when it changes. */
  private void armResponseTimer() {
    if (responseTimer >= 0) {
      vertx.cancelTimer(responseTimer);
      responseTimer = -1;
    }
    if (!inFlight.isEmpty()) {
      String waitingFor = inFlight.peek();
      responseTimer = vertx.setTimer(options.lookupdResponseTimeout().toMillis(), id -> {
        responseTimer = -1;
        lost("no answer to " + waitingFor + " within " + options.lookupdResponseTimeout().toMillis() + "ms");
      });
    }
  }

  private void lost(String reason) {
    if (socket == null || state == State.STOPPED) {
      return;
    }
    NetSocket s = socket;
    socket = null;
    s.close();
    cancelTimers();
    inFlight.clear();
    dirty.clear();
    refresh.clear();
    sent.clear();
    state = State.DISCONNECTED;
    scheduleReconnect(reason);
  }

  private void scheduleReconnect(String reason) {
    long delay = backoff(failedAttempts++);
    LOG.log(failedAttempts <= 1 ? Log.Level.WARN : Log.Level.DEBUG,
        logPrefix + reason + "; reconnecting in " + delay + "ms");
    reconnectTimer = vertx.setTimer(delay, id -> connect());
  }

  /** Exponential from min to max; each delay drawn from [d/2, d] so brokers do not redial in step. */
  private long backoff(int attempt) {
    long min = options.reconnectBackoffMin().toMillis();
    long max = options.reconnectBackoffMax().toMillis();
    long d = attempt >= 30 ? max : Math.min(max, min << attempt);
    return Math.max(1, d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1));
  }

  private void cancelTimers() {
    for (long t : new long[] {reconnectTimer, responseTimer, pingTimer}) {
      if (t >= 0) {
        vertx.cancelTimer(t);
      }
    }
    reconnectTimer = responseTimer = pingTimer = -1;
  }
}
