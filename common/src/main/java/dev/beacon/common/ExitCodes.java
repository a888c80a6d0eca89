package dev.beacon.common;

/** The exit statuses of both daemons. */
public final class ExitCodes {
  private ExitCodes() {}

  /** {@code --help}, {@code --version}, or a clean stop. */
  public static final int OK = 0;
  /** A setting has a bad value (or the config file cannot be read or parsed). */
  public static final int BAD_SETTING = 1;
  /** The command line itself is wrong: an unknown flag, a flag without its value, a stray argument. */
  public static final int USAGE = 2;
  /** The daemon could not start, e.g. a listener could not bind. */
  public static final int START_FAILURE = 1;
}
