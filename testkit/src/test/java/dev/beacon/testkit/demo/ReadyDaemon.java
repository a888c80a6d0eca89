package dev.beacon.testkit.demo;

import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * A tiny daemon for JarProcessTest, packed into a jar by the test: binds a port, prints a ready
 * line, and on SIGTERM writes a line to stderr and exits 0; with "fail" it exits 3 at once.
 */
public final class ReadyDaemon {
  private ReadyDaemon() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("fail")) {
      System.err.println("demo: listen failed");
      System.exit(3);
    }
    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("demo: stopping")));
    System.out.println("demo: starting");
    System.out.println("demo: ready, port " + s.getLocalPort() + " and " + (s.getLocalPort() + 1));
    System.out.flush();
    while (true) {
      s.accept().close();
    }
  }
}
