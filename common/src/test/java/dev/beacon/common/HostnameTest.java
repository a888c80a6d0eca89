package dev.beacon.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostnameTest {
  @Test
  void theKernelsNameStripped(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("hostname");
    Files.writeString(f, "node-7.example\n");
    assertEquals("node-7.example", Hostname.local(f));
  }

  @Test
  void withoutTheKernelFileTheJdksName(@TempDir Path dir) throws Exception {
    String name = Hostname.local(dir.resolve("missing"));
    String expected;
    try {
      expected = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      expected = "localhost";
    }
    assertEquals(expected, name);
    Path empty = dir.resolve("empty");
    Files.writeString(empty, "\n");
    assertEquals(expected, Hostname.local(empty));
  }

  @Test
  void onLinuxWhatGoWouldSay() throws Exception {
    if (Files.isReadable(Hostname.KERNEL_HOSTNAME)) {
      assertEquals(Files.readString(Hostname.KERNEL_HOSTNAME).strip(), Hostname.local());
    }
    assertFalse(Hostname.local().isEmpty());
  }

  @Test
  void advertisedPrefersBroadcastThenAConcreteListenHost() {
    assertEquals("b.example", Hostname.advertised("b.example", "10.0.0.1"));
    assertEquals("10.0.0.1", Hostname.advertised("", "10.0.0.1"));
    for (String wildcard : new String[] {"", "0.0.0.0", "::", "[::]"}) {
      assertTrue(Hostname.isWildcard(wildcard), wildcard);
      assertEquals(Hostname.local(), Hostname.advertised("", wildcard));
    }
    assertFalse(Hostname.isWildcard("127.0.0.1"));
  }
}
