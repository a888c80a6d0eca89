package dev.beacon.broker;

/**
 * A protocol violation: {@code text} is the -ERR text to send (null: close without -ERR, as
 * nats-server does for argument errors); fatal ones close the connection. No stack trace: this is
 * protocol control flow, not a bug.
 */
final class NatsProtocolException extends RuntimeException {
  final String text;
  final boolean fatal;

  NatsProtocolException(String text, boolean fatal, String detail) {
    super(detail != null ? detail : text, null, false, false);
    this.text = text;
    this.fatal = fatal;
  }

  static NatsProtocolException fatal(String text) {
    return new NatsProtocolException(text, true, null);
  }

  /** Closes the connection without an -ERR line; {@code detail} is for the log only. */
  static NatsProtocolException closeSilently(String detail) {
    return new NatsProtocolException(null, true, detail);
  }
}
