package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a server process's resident memory and CPU time from /proc (Linux only). */
final class Proc {
  /** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux this runs on. */
  static final double CLOCK_TICKS_PER_SECOND = 100.0;

  private Proc() {}

  /** VmRSS in bytes. */
  static long rssBytes(long pid) throws IOException {
    return parseRssKb(Files.readString(Path.of("/proc", Long.toString(pid), "status"))) * 1024L;
  }

  /** utime + stime in seconds. */
  static double cpuSeconds(long pid) throws IOException {
    return parseCpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) / CLOCK_TICKS_PER_SECOND;
  }

  static long parseRssKb(String status) throws IOException {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String v = line.substring(6).trim();
        if (!v.endsWith(" kB")) {
          throw new IOException("unexpected VmRSS line: " + line);
        }
        return Long.parseLong(v.substring(0, v.length() - 3).trim());
      }
    }
    throw new IOException("no VmRSS in /proc status");
  }

  /** Fields 14 and 15 (utime, stime) of /proc/<pid>/stat; the command name may contain spaces, so count after ')'. */
  static long parseCpuTicks(String stat) throws IOException {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      throw new IOException("unexpected /proc stat: " + stat);
    }
    String[] f = stat.substring(close + 2).trim().split(" ");
    // f[0] is field 3 (state), so field n is f[n - 3].
    return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
  }
}
