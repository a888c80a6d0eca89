package dev.beacon.testkit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

class NatsServerProcessTest {
  @Test
  void startsAndSaysInfo() throws Exception {
    Assumptions.assumeTrue(NatsServerProcess.installed(), "nats-server not installed");
    try (NatsServerProcess ns = new NatsServerProcess("", true)) {
      assertTrue(ns.url().endsWith(":" + ns.port()));
      assertTrue(ns.routeUrl().endsWith(":" + ns.clusterPort()));
      try (Socket s = new Socket("127.0.0.1", ns.port())) {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] b = in.readNBytes(5);
        assertTrue(new String(b, StandardCharsets.US_ASCII).startsWith("INFO "));
      }
    }
  }
}
