package dev.beacon.lookupd;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** nsqlookupd-style log lines on stderr: {@code <prefix>YYYY/MM/DD HH:MM:SS.micro LEVEL: msg}. State changes only, never per request. */
final class Log {
  static final List<String> LEVELS = List.of("debug", "info", "warn", "error", "fatal");
  private static final String[] NAMES = {"DEBUG", "INFO", "WARNING", "ERROR", "FATAL"};
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSSSSS");

  private final String prefix;
  private final int min;

  Log(String prefix, String level) {
    this.prefix = prefix;
    this.min = LEVELS.indexOf(level);
  }

  boolean debugEnabled() {
    return min <= 0;
  }

  void debug(String msg) {
    log(0, msg);
  }

  void info(String msg) {
    log(1, msg);
  }

  void warn(String msg) {
    log(2, msg);
  }

  void error(String msg) {
    log(3, msg);
  }

  private void log(int level, String msg) {
    if (level >= min) {
      System.err.println(prefix + TIME.format(LocalDateTime.now()) + " " + NAMES[level] + ": " + msg);
    }
  }
}
