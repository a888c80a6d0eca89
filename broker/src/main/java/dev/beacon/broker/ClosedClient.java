package dev.beacon.broker;

/**
 * What the broker keeps of a client connection after it closed, for /connz?state=closed (the last
 * max-closed-clients of them). Times are epoch milliseconds.
 */
record ClosedClient(
    long cid,
    String ip,
    int port,
    long start,
    long lastActivity,
    long stop,
    long inMsgs,
    long outMsgs,
    long inBytes,
    long outBytes,
    int subscriptions,
    String name,
    String lang,
    String version,
    String user,
    String tlsVersion,
    String tlsCipher,
    String reason) {

  /** Snapshot of {@code c} as it closes at {@code stop}. */
  static ClosedClient of(ClientConnection c, long stop) {
    return new ClosedClient(c.cid, c.ip, c.port, c.start, c.lastActivity, stop, c.inMsgs, c.outMsgs, c.inBytes,
        c.outBytes, c.subs.size(), c.name, c.lang, c.version, c.user, c.tlsVersion, c.tlsCipher, c.closeReason);
  }
}
