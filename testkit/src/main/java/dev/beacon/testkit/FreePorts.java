package dev.beacon.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Ports free on 127.0.0.1 right now, for programs that must be told a port (nats-server, cluster
 * routes). Prefer port 0 wherever the program reports what it bound. Another process may take a
 * port between this call and its use; callers that can retry should.
 */
public final class FreePorts {
  private FreePorts() {}

  /** One free loopback port. */
  public static int one() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code n} distinct free loopback ports (all held open together while chosen). */
  public static int[] distinct(int n) {
    ServerSocket[] held = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        held[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = held[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : held) {
        if (s != null) {
          try {
            s.close();
          } catch (IOException ignored) {
            // closing a listener we just opened
          }
        }
      }
    }
  }
}
