package dev.beacon.common;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} that keeps its handlers through JVM shutdown. The JDK's own LogManager
 * registers a shutdown hook that closes every handler; it runs at the same time as the daemons'
 * shutdown hooks, so what they log while stopping (lame duck mode, connections closed, lookupd
 * left) was lost. With this manager that hook does nothing, and the daemon calls
 * {@link ShutdownLogging#resetAtLastExit()} when its own shutdown is over. Selected by
 * {@link ShutdownLogging#install()}; public with a public constructor because the JDK instantiates it
 * by name.
 */
public final class ShutdownLogManager extends LogManager {
  volatile boolean released;

  /** Called by the JDK's shutdown hook and by readConfiguration; during shutdown only once released. */
  @Override
  public void reset() {
    if (released || !shuttingDown()) {
      super.reset();
    }
  }

  private static boolean shuttingDown() {
    try {
      Thread probe = new Thread(() -> { });
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}
