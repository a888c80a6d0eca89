package dev.beacon.broker.nsq;

import com.typesafe.config.Config;
import dev.beacon.common.HostPort;

import java.time.Duration;

/**
 * The NSQ listener's settings, read once from the {@code broker} block of the config. The limits
 * carry nsqd's flag names and defaults.
 *
 * @param listen the NSQ listener's address, or null when {@code nsq-listen} is empty (no listener)
 */
public record NsqOptions(HostPort listen, NsqSettings settings) {

  public static NsqOptions from(Config config, String version) {
    Config c = config.getConfig("broker");
    String listen = c.getString("nsq-listen").trim();
    NsqSettings s = new NsqSettings(
        positiveInt(c, "max-rdy-count"),
        positiveMillis(c, "msg-timeout"),
        positiveMillis(c, "max-msg-timeout"),
        positiveBytes(c, "max-msg-size"),
        positiveBytes(c, "max-body-size"),
        positiveMillis(c, "max-req-timeout"),
        NsqSettings.defaults(version).clientTimeoutMs(),
        positiveMillis(c, "max-heartbeat-interval"),
        positiveInt(c, "mem-queue-size"),
        positiveInt(c, "nsq-max-topics"),
        positiveInt(c, "nsq-max-channels-per-topic"),
        maxMemory(c),
        version);
    if (s.msgTimeoutMs() > s.maxMsgTimeoutMs()) {
      throw new IllegalArgumentException("broker.msg-timeout: " + s.msgTimeoutMs() + "ms (expected: <= max-msg-timeout "
          + s.maxMsgTimeoutMs() + "ms)");
    }
    if (s.maxMsgSize() > s.maxBodySize()) {
      throw new IllegalArgumentException("broker.max-msg-size: " + s.maxMsgSize() + " (expected: <= max-body-size " + s.maxBodySize() + ")");
    }
    if (s.maxHeartbeatIntervalMs() < 1000) {
      throw new IllegalArgumentException("broker.max-heartbeat-interval: " + s.maxHeartbeatIntervalMs() + "ms (expected: >= 1s)");
    }
    return new NsqOptions(listen.isEmpty() ? null : HostPort.parse(listen), s);
  }

  /**
   * {@code nsq-max-memory}: a size (e.g. 256MiB), or "N%" of the JVM's maximum heap
   * (Runtime.maxMemory()), as max-pending-total is read.
   */
  static long maxMemory(Config c) {
    String key = "nsq-max-memory";
    String v = c.getString(key).trim();
    long bytes;
    if (v.endsWith("%")) {
      double pct;
      try {
        pct = Double.parseDouble(v.substring(0, v.length() - 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("broker." + key + ": " + v + " (expected: a size such as 256MiB, or N% of the heap)");
      }
      if (!(pct > 0 && pct <= 100)) {
        throw new IllegalArgumentException("broker." + key + ": " + v + " (expected: a percentage in (0, 100])");
      }
      bytes = (long) (Runtime.getRuntime().maxMemory() * (pct / 100.0));
    } else {
      bytes = c.getBytes(key);
    }
    if (bytes <= 0) {
      throw new IllegalArgumentException("broker." + key + ": " + v + " (expected: > 0)");
    }
    return bytes;
  }

  private static int positiveInt(Config c, String key) {
    int v = c.getInt(key);
    if (v <= 0) {
      throw new IllegalArgumentException("broker." + key + ": " + v + " (expected: > 0)");
    }
    return v;
  }

  private static int positiveBytes(Config c, String key) {
    long v = c.getBytes(key);
    if (v <= 0 || v > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("broker." + key + ": " + v + " (expected: > 0 and < 2GiB)");
    }
    return (int) v;
  }

  private static long positiveMillis(Config c, String key) {
    Duration d = c.getDuration(key);
    if (d.toMillis() <= 0) {
      throw new IllegalArgumentException("broker." + key + ": " + d.toMillis() + "ms (expected: > 0)");
    }
    return d.toMillis();
  }
}
