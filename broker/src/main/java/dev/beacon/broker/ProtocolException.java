package dev.beacon.broker;

/**
 * A protocol violation: {@code text} is the -ERR text to send (null: close without -ERR, as
 * nats-server does for argument errors); fatal ones close the connection. No stack trace: this is
 * protocol control flow, not a bug.
 */
final class ProtocolException extends RuntimeException {
  final String text;
  final boolean fatal;

  ProtocolException(String text, boolean fatal, String detail) {
    super(detail != null ? detail : text, null, false, false);
    this.text = text;
    this.fatal = fatal;
  }

  static ProtocolException fatal(String text) {
    return new ProtocolException(text, true, null);
  }

  /** Closes the connection without an -ERR line; {@code detail} is for the log only. */
  static ProtocolException closeSilently(String detail) {
    return new ProtocolException(null, true, detail);
  }
}
