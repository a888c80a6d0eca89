package dev.beacon.common;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Hands freed native memory back to the OS at a fixed interval, as {@code -XX:TrimNativeHeapInterval}
 * does, without needing that flag on the command line. glibc keeps memory that the JIT compilers,
 * class loading and Netty's direct buffers malloc'd and freed; on the broker after a benchmark run
 * that was 30-38 MiB of resident memory nobody used. The trim runs the JVM's own
 * {@code System.trim_native_heap} diagnostic command (JDK 17.0.9 and later) on a daemon thread of its
 * own, never on an event loop; it costs a few milliseconds of that thread.
 */
public final class NativeHeapTrim {
  private static final String COMMAND = "systemTrimNativeHeap";
  /** Trims done by the periodic threads since class load (written by those threads only; read by tests). */
  static volatile long periodicTrims;

  private NativeHeapTrim() {}

  /**
   * Starts trimming every {@code interval}; returns the thread, or null when the interval is zero,
   * the JVM already trims (the flag was given) or this JVM has no such command ({@code log} says so).
   */
  public static Thread start(Duration interval, Consumer<String> log) {
    if (interval.isZero() || interval.isNegative() || flagGiven()) {
      return null;
    }
    ObjectName dcmd;
    try {
      dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
      trim(dcmd);
    } catch (JMException | RuntimeException e) {
      log.accept("native heap trim unavailable on this JVM (" + e.getClass().getSimpleName() + "); continuing without");
      return null;
    }
    long millis = Math.max(1, interval.toMillis());
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(millis);
          trim(dcmd);
          periodicTrims++; // one trimming thread per daemon: a single writer
        } catch (InterruptedException e) {
          return;
        } catch (JMException | RuntimeException e) {
          log.accept("native heap trim failed: " + e.getMessage() + "; trimming stopped");
          return;
        }
      }
    }, "native-heap-trim");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return t;
  }

  static String trim(ObjectName dcmd) throws JMException {
    return (String) ManagementFactory.getPlatformMBeanServer().invoke(dcmd, COMMAND,
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
  }

  private static boolean flagGiven() {
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-XX:TrimNativeHeapInterval=") && !arg.endsWith("=0")) {
        return true;
      }
    }
    return false;
  }
}
