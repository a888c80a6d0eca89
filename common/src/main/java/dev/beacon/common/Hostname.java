package dev.beacon.common;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This machine's name, the one place both daemons look it up.
 *
 * <p>{@link #local()} gives what Go's {@code os.Hostname} gives on Linux (the kernel's hostname),
 * which is what nsqd and nsqlookupd put in the IDENTIFY {@code hostname} field and use as their
 * default broadcast address. Every lookup may block (file system, DNS): call it off the event loop.
 */
public final class Hostname {
  static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");

  private Hostname() {}

  /** The kernel's hostname, else the JDK's local host name, else {@code "localhost"}. May block. */
  public static String local() {
    return local(KERNEL_HOSTNAME);
  }

  static String local(Path kernelFile) {
    try {
      String name = Files.readString(kernelFile).strip();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or /proc not mounted: fall through
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      return "localhost";
    }
  }

  /** A listen host that means "every interface": empty, {@code 0.0.0.0}, {@code ::} or {@code [::]}. */
  public static boolean isWildcard(String host) {
    return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  /**
   * The host others should dial: {@code broadcastAddress} when set, else {@code listenHost} unless it
   * is a wildcard, else {@link #local()}. May block (only in the last case).
   */
  public static String advertised(String broadcastAddress, String listenHost) {
    if (!broadcastAddress.isEmpty()) {
      return broadcastAddress;
    }
    return isWildcard(listenHost) ? local() : listenHost;
  }
}
