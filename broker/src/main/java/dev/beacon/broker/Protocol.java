package dev.beacon.broker;

/** Every -ERR text the broker sends, exactly as nats-server 2.9 spells them, and the protocol versions (frames: {@link Frames}). */
final class Protocol {
  private Protocol() {}

  static final String ERR_UNKNOWN_OP = "Unknown Protocol Operation";
  static final String ERR_AUTH_VIOLATION = "Authorization Violation";
  static final String ERR_AUTH_TIMEOUT = "Authentication Timeout";
  static final String ERR_MAX_PAYLOAD = "Maximum Payload Violation";
  static final String ERR_MAX_CONTROL_LINE = "maximum control line exceeded";
  static final String ERR_MAX_CONNECTIONS = "maximum connections exceeded";
  static final String ERR_INVALID_PROTOCOL = "invalid client protocol";
  static final String ERR_NO_RESPONDERS_HEADERS = "no responders requires headers support";
  static final String ERR_ROUTE_PORT = "attempted to connect to route port";
  static final String ERR_STALE = "Stale Connection";
  static final String ERR_INVALID_SUBJECT = "Invalid Subject";
  static final String ERR_INVALID_PUB_SUBJECT = "Invalid Publish Subject";
  static final String ERR_MAX_SUBS = "maximum subscriptions exceeded";

  /** The account every route message is in: nats-server's global account. */
  static final String ACCOUNT = "$G";
  /** Client protocol version in INFO (1 = echo control and async INFO). */
  static final int CLIENT_PROTO = 1;
  /** Route protocol version in route INFO (2 = accounts, RS+/RS-/RMSG). */
  static final int ROUTE_PROTO = 2;
  /** Version reported in INFO: nats.js gates headers/no_responders on a server version of at least 2.2.0. */
  static final String NATS_VERSION = "2.9.0";

  /** nats-server's publish permission error text. */
  static String publishViolation(String subject) {
    return "Permissions Violation for Publish to " + goQuote(subject);
  }

  /** nats-server's subscribe permission error text; {@code queue} null for a plain subscription. */
  static String subscriptionViolation(String subject, String queue) {
    return "Permissions Violation for Subscription to " + goQuote(subject)
        + (queue == null ? "" : " using queue " + goQuote(queue));
  }

  /** Go's %q for the strings that reach it here: quotes, backslash and control characters escaped. */
  static String goQuote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
