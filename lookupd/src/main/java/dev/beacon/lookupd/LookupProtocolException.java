package dev.beacon.lookupd;

/**
 * An error on lookupd's TCP protocol (the nsq lookup protocol V1): {@code code} and {@code message} go on
 * the wire as one error frame, "CODE message".
 */
final class LookupProtocolException extends Exception {
  final String code;
  final boolean fatal;

  LookupProtocolException(String code, String message, boolean fatal) {
    super(message, null, false, false);
    this.code = code;
    this.fatal = fatal;
  }

  /** Every nsqlookupd TCP error closes the connection. */
  static LookupProtocolException fatal(String code, String message) {
    return new LookupProtocolException(code, message, true);
  }

  /** Ours: the error frame is sent and the connection goes on reading commands. */
  static LookupProtocolException nonFatal(String code, String message) {
    return new LookupProtocolException(code, message, false);
  }

  /** The bytes of the error frame's payload. */
  String wire() {
    String m = getMessage();
    return m == null || m.isEmpty() ? code : code + " " + m;
  }
}
