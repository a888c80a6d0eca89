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

  private NsqException(String text, boolean fatal, boolean silentClose) {
    super(text, null, false, false);
    this.fatal = fatal;
    this.silentClose = silentClose;
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
