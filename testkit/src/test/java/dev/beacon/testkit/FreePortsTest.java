package dev.beacon.testkit;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreePortsTest {
  @Test
  void aFreePortCanBeBound() throws Exception {
    int port = FreePorts.one();
    assertTrue(port > 0 && port < 65536);
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertEquals(port, s.getLocalPort());
    }
  }

  @Test
  void distinctPortsAreDistinct() {
    int[] ports = FreePorts.distinct(5);
    assertEquals(5, Arrays.stream(ports).distinct().count());
  }
}
