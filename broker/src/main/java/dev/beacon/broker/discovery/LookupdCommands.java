package dev.beacon.broker.discovery;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** The wire constants of nsqlookupd's TCP protocol as nsqd speaks it: magic, IDENTIFY with a JSON body, REGISTER/UNREGISTER/PING lines, size-prefixed answers. */
final class LookupdCommands {
  /** Sent once, right after connecting; no newline follows it. */
  static final String MAGIC_V1 = "  V1";
  static final String IDENTIFY = "IDENTIFY";
  static final String REGISTER = "REGISTER";
  static final String UNREGISTER = "UNREGISTER";
  static final String PING = "PING";
  /** Every lookupd error answer starts with this; the lookupd closes the connection after it. */
  static final String ERROR_PREFIX = "E_";
  /**
   * Beacon lookupd's answer to a REGISTER beyond its max-registrations-per-peer: nothing was stored
   * and the connection stays open (every nsqlookupd error closes it).
   */
  static final String E_TOO_MANY_REGISTRATIONS = "E_TOO_MANY_REGISTRATIONS";
  /** Size prefix of every lookupd answer: a signed 32-bit big-endian length, no frame type. */
  static final int SIZE_LENGTH = 4;

  private LookupdCommands() {
  }

  /** What this broker tells lookupd about itself; the IDENTIFY body. */
  record Identity(String broadcastAddress, String hostname, int tcpPort, int httpPort, String version, String secret) {

    Identity(String broadcastAddress, String hostname, int tcpPort, int httpPort, String version) {
      this(broadcastAddress, hostname, tcpPort, httpPort, version, "");
    }

    /**
     * The IDENTIFY body, keys in nsqd's order (alphabetical: nsqd marshals a Go map), with
     * registration_secret when one is set (lookupd-secret).
     */
    Buffer identifyBody() {
      JsonObject o = new JsonObject()
          .put("broadcast_address", broadcastAddress)
          .put("hostname", hostname)
          .put("http_port", httpPort);
      if (!secret.isEmpty()) {
        o.put("registration_secret", secret);
      }
      return o.put("tcp_port", tcpPort)
          .put("version", version)
          .toBuffer();
    }
  }

  /** Beacon lookupd's IDENTIFY answer field, when it has a registration secret: "accepted" or "refused". */
  static final String REGISTRATION_SECRET = "registration_secret";
  static final String ACCEPTED = "accepted";

  /** {@code IDENTIFY\n} + size + JSON body, preceded by the magic: the first bytes nsqd sends. */
  static Buffer hello(Identity identity) {
    Buffer body = identity.identifyBody();
    return Buffer.buffer(MAGIC_V1.length() + IDENTIFY.length() + 1 + SIZE_LENGTH + body.length())
        .appendString(MAGIC_V1)
        .appendString(IDENTIFY).appendByte((byte) '\n')
        .appendInt(body.length())
        .appendBuffer(body);
  }

  /** Appends {@code VERB topic[ channel]\n}. */
  static void appendCommand(Buffer out, String verb, String topic, String channel) {
    out.appendString(verb).appendByte((byte) ' ').appendString(topic);
    if (channel != null) {
      out.appendByte((byte) ' ').appendString(channel);
    }
    out.appendByte((byte) '\n');
  }
}
