package dev.beacon.broker.nsq;

/**
 * An nsqd client error: {@link #getMessage()} is the exact text of the error frame
 * ({@code "E_CODE description"}). Fatal errors close the connection after the frame is sent;
 * {@link #silentClose} ones close it with no frame at all (nsqd stops reading, e.g. a command line
 * longer than its read buffer).
 */
public final class NsqException extends Exception {
  final boolean fatal;
  final boolean silentClose;
  /** What nsqd's HTTP API answers for the same refusal (503 {"message":...}), or null. */
  final String httpMessage;

  private NsqException(String text, boolean fatal, boolean silentClose, String httpMessage) {
    super(text, null, false, false);
    this.fatal = fatal;
    this.silentClose = silentClose;
    this.httpMessage = httpMessage;
  }

  private NsqException(String text, boolean fatal, boolean silentClose) {
    this(text, fatal, silentClose, null);
  }

  /** A limit of this broker refused the command: an error frame, then close; over HTTP 503 {@code httpMessage}. */
  static NsqException limit(String code, String description, String httpMessage) {
    return new NsqException(code + " " + description, true, false, httpMessage);
  }

  /** An error frame {@code code + " " + description}, then the connection closes. */
  static NsqException fatal(String code, String description) {
    return new NsqException(code + " " + description, true, false);
  }

  /** An error frame with no description (E_BAD_PROTOCOL), then close. */
  static NsqException fatalCode(String code) {
    return new NsqException(code, true, false);
  }

  /** An error frame; the connection stays open. */
  static NsqException nonFatal(String code, String description) {
    return new NsqException(code + " " + description, false, false);
  }

  /** The connection is closed with nothing sent. */
  static NsqException close(String reason) {
    return new NsqException(reason, true, true);
  }

  public boolean isFatal() {
    return fatal;
  }

  public boolean isSilentClose() {
    return silentClose;
  }
}
