package dev.beacon.lookupd;

/** Every error string lookupd puts on the wire, TCP and HTTP, byte for byte as nsqlookupd v1.3.0 where it has one. */
final class Errors {
  private Errors() {}

  // TCP (framed; fatal, so the connection closes after the frame as in nsqlookupd, unless marked otherwise).
  static final String E_BAD_PROTOCOL = "E_BAD_PROTOCOL";
  static final String E_INVALID = "E_INVALID";
  static final String E_BAD_BODY = "E_BAD_BODY";
  static final String E_BAD_TOPIC = "E_BAD_TOPIC";
  static final String E_BAD_CHANNEL = "E_BAD_CHANNEL";
  /** Ours: sent to a connection beyond max-connections, which is then closed. */
  static final String E_TOO_MANY_CONNECTIONS = "E_TOO_MANY_CONNECTIONS";
  /** Ours, and not fatal: nsqd ignores the answer to a REGISTER, so closing would only make it reconnect and retry. */
  static final String E_TOO_MANY_REGISTRATIONS = "E_TOO_MANY_REGISTRATIONS";
  /**
   * Ours, not fatal: a REGISTER or UNREGISTER from a peer whose IDENTIFY did not carry the
   * registration secret. It stays connected (nsqd would only reconnect and retry) and unlisted.
   */
  static final String E_UNAUTHORIZED = "E_UNAUTHORIZED";

  static final String MUST_IDENTIFY = "client must IDENTIFY";
  static final String IDENTIFY_AGAIN = "cannot IDENTIFY again";
  static final String INVALID_COMMAND = "invalid command ";
  static final String INSUFFICIENT_PARAMS = " insufficient number of params";
  static final String BODY_SIZE_READ = "IDENTIFY failed to read body size";
  static final String BODY_READ = "IDENTIFY failed to read body";
  static final String BODY_DECODE = "IDENTIFY failed to decode JSON body";
  static final String BODY_MISSING_FIELDS = "IDENTIFY missing fields";
  /** Ours (nsqlookupd crashes or allocates instead); the wording is nsqd's for the same check. */
  static final String BODY_INVALID_SIZE = "IDENTIFY invalid body size ";
  /** Ours (nsqlookupd reads lines without a bound). */
  static final String LINE_TOO_LONG = "command line longer than ";

  static String unauthorized(String verb) {
    return verb + " refused: IDENTIFY did not carry this lookupd's registration_secret";
  }

  static String tooManyConnections(int max) {
    return "more than " + max + " TCP connections";
  }

  static String tooManyRegistrations(int max) {
    return "more than " + max + " registrations for this peer";
  }

  static String topicNotValid(String verb, String topic) {
    return verb + " topic name '" + topic + "' is not valid";
  }

  static String channelNotValid(String verb, String channel) {
    return verb + " channel name '" + channel + "' is not valid";
  }

  // HTTP: the body is {"message":CODE}; the status is next to each code.
  static final String INVALID_REQUEST = "INVALID_REQUEST"; // 400
  static final String MISSING_ARG_TOPIC = "MISSING_ARG_TOPIC"; // 400
  static final String INVALID_ARG_TOPIC = "INVALID_ARG_TOPIC"; // 400
  static final String MISSING_ARG_CHANNEL = "MISSING_ARG_CHANNEL"; // 400
  static final String INVALID_ARG_CHANNEL = "INVALID_ARG_CHANNEL"; // 400
  static final String MISSING_ARG_NODE = "MISSING_ARG_NODE"; // 400
  /** Ours: a long-poll parameter that does not parse. */
  static final String INVALID_ARG_WAIT = "INVALID_ARG_WAIT"; // 400
  static final String INVALID_ARG_VERSION = "INVALID_ARG_VERSION"; // 400
  static final String TOPIC_NOT_FOUND = "TOPIC_NOT_FOUND"; // 404
  static final String CHANNEL_NOT_FOUND = "CHANNEL_NOT_FOUND"; // 404
  static final String NOT_FOUND = "NOT_FOUND"; // 404
  static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"; // 405
  /** Ours: too many parked long polls. */
  static final String TOO_MANY_WAITERS = "TOO_MANY_WAITERS"; // 503
  static final String INTERNAL_ERROR = "INTERNAL_ERROR"; // 500
}
