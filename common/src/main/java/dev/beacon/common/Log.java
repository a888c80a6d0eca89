package dev.beacon.common;

import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The daemons' log: one nsqlookupd-style line per call,
 * {@code <prefix>YYYY/MM/DD HH:MM:SS.micro LEVEL: msg}, on stderr, for lines at or above the
 * configured level. For state changes, never per message or per request.
 *
 * <p>Each line is formatted completely and written with one call, then flushed: lines from several
 * threads do not interleave, and nothing sits in a handler or buffer that a JVM shutdown hook could
 * close or drop, so what a daemon logs while it stops (from its own shutdown hook) is written.
 */
public final class Log {

  /** Severity, lowest first. */
  public enum Level {
    DEBUG("debug", "DEBUG"),
    INFO("info", "INFO"),
    WARN("warn", "WARNING"),
    ERROR("error", "ERROR"),
    FATAL("fatal", "FATAL");

    /** The setting's values, lowest first (nsqlookupd's {@code -log-level} names). */
    public static final List<String> NAMES = List.of("debug", "info", "warn", "error", "fatal");

    private final String setting;
    private final String label;

    Level(String setting, String label) {
      this.setting = setting;
      this.label = label;
    }

    /** The name in the {@code log-level} setting. */
    public String setting() {
      return setting;
    }

    /** The word in the log line. */
    public String label() {
      return label;
    }

    /** Parses a {@code log-level} value (case-insensitive). */
    public static Level parse(String name) {
      int i = NAMES.indexOf(name.toLowerCase(Locale.ROOT));
      if (i < 0) {
        throw new IllegalArgumentException("log-level must be one of " + NAMES + ", not '" + name + "'");
      }
      return values()[i];
    }
  }

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSSSSS");

  private final String prefix;
  private final Level min;
  private final PrintStream out;
  private final Clock clock;

  /** Lines at {@code min} and above, to stderr, local time. */
  public Log(String prefix, Level min) {
    this(prefix, min, System.err, Clock.systemDefaultZone());
  }

  /** For tests: another stream and clock. */
  public Log(String prefix, Level min, PrintStream out, Clock clock) {
    this.prefix = prefix;
    this.min = min;
    this.out = out;
    this.clock = clock;
  }

  public Level level() {
    return min;
  }

  public boolean enabled(Level level) {
    return level.compareTo(min) >= 0;
  }

  /** Guard for a debug line whose message costs something to build. */
  public boolean debugEnabled() {
    return enabled(Level.DEBUG);
  }

  public void debug(String msg) {
    log(Level.DEBUG, msg);
  }

  public void info(String msg) {
    log(Level.INFO, msg);
  }

  public void warn(String msg) {
    log(Level.WARN, msg);
  }

  public void error(String msg) {
    log(Level.ERROR, msg);
  }

  public void fatal(String msg) {
    log(Level.FATAL, msg);
  }

  public void log(Level level, String msg) {
    if (enabled(level)) {
      String line = format(prefix, LocalDateTime.now(clock), level, msg);
      out.print(line);
      out.flush();
    }
  }

  /** One line, newline included. */
  static String format(String prefix, LocalDateTime time, Level level, String msg) {
    return prefix + TIME.format(time) + " " + level.label + ": " + msg + "\n";
  }
}
