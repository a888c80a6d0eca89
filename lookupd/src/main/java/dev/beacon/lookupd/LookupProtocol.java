package dev.beacon.lookupd;

import dev.beacon.common.NsqNames;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * The lookup protocol V1 for one nsqd connection: one method per wire verb, each returning the
 * answer's payload or throwing a {@link LookupProtocolException}. Every nsqlookupd error is fatal: the
 * connection sends the error frame and closes. The one error of ours that is not, a REGISTER beyond
 * max-registrations-per-peer, sends its frame and reads on. Runs on the verticle's event loop.
 */
final class LookupProtocol implements FrameParser.Handler {

  /** The socket side of a connection. */
  interface Wire {
    /** Sends one frame: 4-byte big-endian length, then payload. */
    void send(byte[] payload);

    /** Flushes what was sent and closes. */
    void close();

    /** The peer identified without the registration secret (for the log); it stays connected. */
    default void unauthorized(String reason) {
    }
  }

  static final byte[] OK = "OK".getBytes(StandardCharsets.US_ASCII);

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final RegistrationDb db;
  private final byte[] identifyAnswer;
  private final String remoteAddress;
  private final Wire wire;
  private final Metrics metrics;
  private final int maxRegistrations;
  private final byte[] secret;
  private final byte[] refusedAnswer;
  private FrameParser parser;
  private PeerInfo peer;
  /** Identified with the registration secret (or none is set): the peer is in the registry. */
  private boolean registered;

  /**
   * @param identifyAnswer the JSON IDENTIFY answer (this lookupd's broadcast address, hostname and ports)
   * @param remoteAddress the peer id: the socket's remote ip:port, IPv6 bracketed, as in nsqlookupd
   * @param maxRegistrations most topic plus channel registrations this peer may hold
   */
  LookupProtocol(RegistrationDb db, byte[] identifyAnswer, String remoteAddress, Wire wire, Metrics metrics,
      int maxRegistrations) {
    this(db, identifyAnswer, null, null, remoteAddress, wire, metrics, maxRegistrations);
  }

  /**
   * With a registration secret: a peer whose IDENTIFY carries {@code secret} as
   * {@code registration_secret} gets {@code identifyAnswer} and enters the registry; any other gets
   * {@code refusedAnswer}, stays out of it and may not REGISTER.
   *
   * @param secret the registration secret (UTF-8), or null when none is set
   */
  LookupProtocol(RegistrationDb db, byte[] identifyAnswer, byte[] secret, byte[] refusedAnswer, String remoteAddress,
      Wire wire, Metrics metrics, int maxRegistrations) {
    this.secret = secret;
    this.refusedAnswer = refusedAnswer;
    this.db = db;
    this.identifyAnswer = identifyAnswer;
    this.remoteAddress = remoteAddress;
    this.wire = wire;
    this.metrics = metrics;
    this.maxRegistrations = maxRegistrations;
  }

  void parser(FrameParser parser) {
    this.parser = parser;
  }

  PeerInfo peer() {
    return peer;
  }

  // ---- FrameParser.Handler -------------------------------------------------------------------

  @Override
  public void magic(boolean valid) {
    if (!valid) {
      fail(LookupProtocolException.fatal(Errors.E_BAD_PROTOCOL, ""));
    }
  }

  @Override
  public void command(String line) {
    try {
      byte[] answer = exec(line);
      if (answer != null) {
        wire.send(answer);
      }
    } catch (LookupProtocolException e) {
      fail(e);
    }
  }

  @Override
  public void body(byte[] body) {
    try {
      wire.send(IDENTIFY(body));
    } catch (LookupProtocolException e) {
      fail(e);
    }
  }

  @Override
  public void error(LookupProtocolException e) {
    fail(e);
  }

  /** The connection is gone: the peer leaves every registration. */
  void closed() {
    if (peer != null && registered) {
      db.disconnect(peer);
    }
  }

  private void fail(LookupProtocolException e) {
    if (e.fatal) {
      metrics.tcpError();
      if (parser != null) {
        parser.stop();
      }
    }
    wire.send(e.wire().getBytes(StandardCharsets.ISO_8859_1));
    if (e.fatal) {
      wire.close();
    }
  }

  // ---- verbs ---------------------------------------------------------------------------------

  /** Splits on single spaces (two spaces make an empty parameter, as in nsqlookupd) and dispatches. */
  byte[] exec(String line) throws LookupProtocolException {
    String[] params = line.split(" ", -1);
    String verb = params[0];
    switch (verb) {
      case "PING" -> {
        metrics.command(Metrics.PING);
        return PING();
      }
      case "IDENTIFY" -> {
        metrics.command(Metrics.IDENTIFY);
        IDENTIFY();
        return null;
      }
      case "REGISTER" -> {
        metrics.command(Metrics.REGISTER);
        return REGISTER(params);
      }
      case "UNREGISTER" -> {
        metrics.command(Metrics.UNREGISTER);
        return UNREGISTER(params);
      }
      default -> throw LookupProtocolException.fatal(Errors.E_INVALID, Errors.INVALID_COMMAND + verb);
    }
  }

  /** PING: answers OK; after IDENTIFY it is the heartbeat. */
  byte[] PING() {
    if (peer != null && registered) {
      db.ping(peer);
    }
    return OK;
  }

  /** IDENTIFY line: a second one is refused before any body is read; otherwise the body follows. */
  void IDENTIFY() throws LookupProtocolException {
    if (peer != null) {
      throw LookupProtocolException.fatal(Errors.E_INVALID, Errors.IDENTIFY_AGAIN);
    }
    parser.expectBody();
  }

  /** IDENTIFY body: the peer's JSON; answers with this lookupd's. */
  byte[] IDENTIFY(byte[] body) throws LookupProtocolException {
    if (peer != null) {
      throw LookupProtocolException.fatal(Errors.E_INVALID, Errors.IDENTIFY_AGAIN);
    }
    Identify id = Identify.decode(body);
    if (id.broadcastAddress.isEmpty() || id.tcpPort == 0 || id.httpPort == 0 || id.version.isEmpty()) {
      throw LookupProtocolException.fatal(Errors.E_BAD_BODY, Errors.BODY_MISSING_FIELDS);
    }
    peer = new PeerInfo(remoteAddress, id.hostname, id.broadcastAddress, id.tcpPort, id.httpPort, id.version,
        id.topologyZone, id.topologyRegion);
    if (secret != null && !secretMatches(id.registrationSecret)) {
      wire.unauthorized(id.registrationSecret == null ? "no registration_secret in IDENTIFY"
          : "wrong registration_secret in IDENTIFY");
      return refusedAnswer;
    }
    registered = true;
    db.identify(peer);
    return identifyAnswer;
  }

  /** Compares in time independent of where the first difference is, so the answer time tells nothing. */
  private boolean secretMatches(String presented) {
    return presented != null
        && java.security.MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** A REGISTER or UNREGISTER from a peer outside the registry: the non-fatal E_UNAUTHORIZED. */
  private void requireRegistered(String verb) throws LookupProtocolException {
    if (!registered) {
      metrics.registrationRejected();
      throw LookupProtocolException.nonFatal(Errors.E_UNAUTHORIZED, Errors.unauthorized(verb));
    }
  }

  /**
   * REGISTER topic [channel]. Ours: one that would take the peer beyond max-registrations-per-peer
   * stores nothing and gets a non-fatal error (a repeat adds nothing, so it always passes). Below
   * the limit by 2 or more, the only cost is the comparison.
   */
  byte[] REGISTER(String[] params) throws LookupProtocolException {
    String channel = topicChannel("REGISTER", params);
    requireRegistered("REGISTER");
    int held = peer.registrations();
    if (held > maxRegistrations - 2 && held + db.newRegistrations(peer, params[1], channel) > maxRegistrations) {
      metrics.registrationRejected();
      throw LookupProtocolException.nonFatal(Errors.E_TOO_MANY_REGISTRATIONS, Errors.tooManyRegistrations(maxRegistrations));
    }
    db.register(peer, params[1], channel);
    return OK;
  }

  /** UNREGISTER topic [channel]. */
  byte[] UNREGISTER(String[] params) throws LookupProtocolException {
    String channel = topicChannel("UNREGISTER", params);
    requireRegistered("UNREGISTER");
    db.unregister(peer, params[1], channel);
    return OK;
  }

  /** The checks REGISTER and UNREGISTER share, in nsqlookupd's order; returns the channel or null. */
  private String topicChannel(String verb, String[] params) throws LookupProtocolException {
    if (peer == null) {
      throw LookupProtocolException.fatal(Errors.E_INVALID, Errors.MUST_IDENTIFY);
    }
    if (params.length < 2) {
      throw LookupProtocolException.fatal(Errors.E_INVALID, verb + Errors.INSUFFICIENT_PARAMS);
    }
    String topic = params[1];
    if (!NsqNames.isValid(topic)) {
      throw LookupProtocolException.fatal(Errors.E_BAD_TOPIC, Errors.topicNotValid(verb, topic));
    }
    String channel = params.length >= 3 && !params[2].isEmpty() ? params[2] : null;
    if (channel != null && !NsqNames.isValid(channel)) {
      throw LookupProtocolException.fatal(Errors.E_BAD_CHANNEL, Errors.channelNotValid(verb, channel));
    }
    return channel;
  }

  /** The IDENTIFY body, decoded with encoding/json's rules: keys case-insensitive, unknown keys ignored, wrong types rejected. */
  record Identify(String broadcastAddress, String hostname, int tcpPort, int httpPort, String version,
      String topologyZone, String topologyRegion, String registrationSecret) {

    static Identify decode(byte[] body) throws LookupProtocolException {
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (JsonProcessingException e) {
        throw decodeError();
      } catch (java.io.IOException e) {
        throw decodeError();
      }
      String broadcast = "";
      String hostname = "";
      String version = "";
      String zone = "";
      String region = "";
      String secret = null;
      int tcp = 0;
      int http = 0;
      if (root == null || root.isMissingNode() || root.isNull()) {
        return new Identify(broadcast, hostname, tcp, http, version, zone, region, secret);
      }
      if (!root.isObject()) {
        throw decodeError();
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        JsonNode v = f.getValue();
        switch (f.getKey().toLowerCase(java.util.Locale.ROOT)) {
          case "broadcast_address" -> broadcast = string(v, broadcast);
          case "hostname" -> hostname = string(v, hostname);
          case "version" -> version = string(v, version);
          case "topology_zone" -> zone = string(v, zone);
          case "topology_region" -> region = string(v, region);
          case "remote_address" -> string(v, ""); // type-checked like Go, then ignored
          case "registration_secret" -> secret = string(v, secret); // ours: Beacon brokers send it
          case "tcp_port" -> tcp = integer(v, tcp);
          case "http_port" -> http = integer(v, http);
          default -> { }
        }
      }
      return new Identify(broadcast, hostname, tcp, http, version, zone, region, secret);
    }

    private static String string(JsonNode v, String current) throws LookupProtocolException {
      if (v.isNull()) {
        return current;
      }
      if (!v.isTextual()) {
        throw decodeError();
      }
      return v.textValue();
    }

    private static int integer(JsonNode v, int current) throws LookupProtocolException {
      if (v.isNull()) {
        return current;
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw decodeError();
      }
      return v.intValue();
    }

    private static LookupProtocolException decodeError() {
      return LookupProtocolException.fatal(Errors.E_BAD_BODY, Errors.BODY_DECODE);
    }
  }
}
