package dev.beacon.common;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * {@code -XX:+ExitOnOutOfMemoryError} for the OutOfMemoryErrors the JVM does not see. The flag ends
 * the process when the JVM itself fails an allocation (the heap, metaspace), but an error thrown by
 * Java code, above all "Cannot reserve N bytes of direct buffer memory" when Netty's socket buffers
 * pass the direct memory limit, is an ordinary exception: the event loop catches it, the connection
 * it happened on is closed, and the daemon goes on failing allocations for whoever comes next
 * (measured on the broker: publisher, monitoring and healthy clients cut, the process still up).
 * Where a daemon catches a Throwable it passes it to {@link #check}: with the flag on, an
 * OutOfMemoryError ends the process as the flag does (the same message on stderr, exit status 3);
 * with it off (tests running a daemon in their own JVM) nothing happens.
 */
public final class OutOfMemoryExit {
  /** HotSpot's exit status for -XX:+ExitOnOutOfMemoryError. */
  public static final int STATUS = 3;
  private static final boolean ON = flagOn();

  private OutOfMemoryExit() {}

  private static boolean flagOn() {
    try {
      return Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .getVMOption("ExitOnOutOfMemoryError").getValue());
    } catch (RuntimeException | LinkageError e) {
      return false; // not HotSpot: no such flag to follow
    }
  }

  /** Ends the process if {@code t} is, or was caused by, an OutOfMemoryError and the JVM runs with the flag. */
  public static void check(Throwable t) {
    if (!ON) {
      return;
    }
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof OutOfMemoryError) {
        System.err.println("Terminating due to " + c);
        System.err.flush();
        Runtime.getRuntime().halt(STATUS);
      }
    }
  }
}
