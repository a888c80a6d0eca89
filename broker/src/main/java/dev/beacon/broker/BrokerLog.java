package dev.beacon.broker;

import dev.beacon.common.Log;

/**
 * The broker's one log, core and discovery alike: the common {@link Log} (the same line format as
 * lookupd's), prefix {@code [broker] }, INFO and above, to stderr, each line flushed so what the
 * broker logs while stopping is kept. Never written per message.
 */
public final class BrokerLog {
  private BrokerLog() {}

  public static final Log LOG = new Log("[broker] ", Log.Level.INFO);
}
