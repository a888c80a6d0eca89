package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The memory rows' wire: what one connection sends, and how its PONG is recognised. */
class MemoryTest {
  @Test
  void sendsConnectDistinctSubsAndOnePing() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Memory.send(out, 7, 5000);
    String s = out.toString(StandardCharsets.US_ASCII);
    assertTrue(s.startsWith("CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"mem-7\"}\r\nSUB mem.7.0 1\r\n"), s.substring(0, 80));
    assertTrue(s.endsWith("SUB mem.7.4999 5000\r\nPING\r\n"));
    assertEquals(5000, s.split("\r\nSUB ", -1).length - 1 + (s.startsWith("SUB ") ? 1 : 0));
    assertEquals(1, s.split("PING", -1).length - 1);
  }

  @Test
  void pongAfterInfoEndsTheWaitAndErrFails() throws IOException {
    Memory.awaitPong(new ByteArrayInputStream("INFO {\"server_id\":\"x\"}\r\nPO".concat("NG\r\n").getBytes(StandardCharsets.US_ASCII)));
    IOException err = assertThrows(IOException.class, () -> Memory.awaitPong(
        new ByteArrayInputStream("INFO {}\r\n-ERR 'Maximum Connections Exceeded'\r\n".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(err.getMessage().contains("Maximum Connections Exceeded"), err.getMessage());
    IOException closed = assertThrows(IOException.class, () -> Memory.awaitPong(new ByteArrayInputStream("INFO {}\r\n".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(closed.getMessage().contains("closed before PONG"), closed.getMessage());
  }
}
