package dev.beacon.common;

import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Keeps java.util.logging working while a daemon shuts down (see {@link ShutdownLogManager}). This
 * class does not extend LogManager on purpose: touching a LogManager subclass initialises
 * LogManager, which reads {@code java.util.logging.manager} once, before install() could set it.
 */
public final class ShutdownLogging {
  private ShutdownLogging() {}

  /**
   * First statement of main, before anything touches java.util.logging: selects
   * {@link ShutdownLogManager} unless -Djava.util.logging.manager chose another, and creates the
   * root handlers now (the JDK creates them at the first record, and never once its shutdown hook
   * has run, so a daemon that logs nothing until SIGTERM would lose its shutdown lines).
   */
  public static void install() {
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", "dev.beacon.common.ShutdownLogManager");
    }
    Logger.getLogger("").getHandlers();
  }

  /** Closes the handlers: the end of the daemon's own shutdown. */
  public static void resetAtLastExit() {
    if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
      m.released = true;
      m.reset();
    }
  }
}
