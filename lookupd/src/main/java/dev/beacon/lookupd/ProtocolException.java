package dev.beacon.lookupd;

/** A client error on the TCP protocol: {@code code} and {@code message} go on the wire as "CODE message". */
final class ProtocolException extends Exception {
  final String code;
  final boolean fatal;

  ProtocolException(String code, String message, boolean fatal) {
    super(message, null, false, false);
    this.code = code;
    this.fatal = fatal;
  }

  /** Every nsqlookupd TCP error closes the connection. */
  static ProtocolException fatal(String code, String message) {
    return new ProtocolException(code, message, true);
  }

  /** Ours: the error frame is sent and the connection goes on reading commands. */
  static ProtocolException nonFatal(String code, String message) {
    return new ProtocolException(code, message, false);
  }

  /** The bytes of the error frame's payload. */
  String wire() {
    String m = getMessage();
    return m == null || m.isEmpty() ? code : code + " " + m;
  }
}
