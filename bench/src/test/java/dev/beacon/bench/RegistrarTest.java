package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The registrar against a strict fake lookupd that checks the bytes nsqd would send. */
@Timeout(30)
class RegistrarTest {
  /** Accepts connections; answers IDENTIFY with JSON and every REGISTER/PING with OK, or the error once {@code failAt} is reached. */
  static ServerSocket fakeLookupd(AtomicInteger registers, int failAt) throws IOException {
    ServerSocket server = new ServerSocket(0);
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread c = new Thread(() -> serve(s, registers, failAt));
          c.setDaemon(true);
          c.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return server;
  }

  private static void serve(Socket s, AtomicInteger registers, int failAt) {
    try (s) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      byte[] magic = in.readNBytes(4);
      if (!new String(magic, StandardCharsets.US_ASCII).equals("  V1")) {
        frame(out, "E_BAD_PROTOCOL");
        return;
      }
      while (true) {
        String line = readLine(in);
        if (line == null) {
          return;
        }
        if (line.equals("IDENTIFY")) {
          byte[] body = in.readNBytes(in.readInt());
          String json = new String(body, StandardCharsets.US_ASCII);
          frame(out, json.contains("\"tcp_port\"") && json.contains("\"version\"") ? "{\"tcp_port\":4160}" : "E_BAD_BODY");
        } else if (line.startsWith("REGISTER ")) {
          frame(out, registers.incrementAndGet() == failAt ? "E_BAD_TOPIC REGISTER topic name 'x' is not valid" : "OK");
        } else if (line.equals("PING")) {
          frame(out, "OK");
        } else {
          frame(out, "E_INVALID invalid command");
          return;
        }
      }
    } catch (IOException e) {
      // peer went away
    }
  }

  private static String readLine(DataInputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        return null;
      }
      sb.append((char) b);
    }
    return sb.toString();
  }

  private static void frame(DataOutputStream out, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(b.length);
    out.write(b);
    out.flush();
  }

  @Test
  void everyRegisterIsAnsweredAndCounted() throws IOException {
    AtomicInteger registers = new AtomicInteger();
    try (ServerSocket server = fakeLookupd(registers, -1);
         Registrar r = new Registrar("127.0.0.1", server.getLocalPort(), 3, 50, 2, false)) {
      assertTrue(r.register(10_000) > 0);
      assertEquals(3 * 50 * 3, r.registrations());
      assertEquals(r.registrations(), r.oks());
      assertEquals(r.registrations(), registers.get());
      r.hold(50);
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (r.oks() < r.registrations() + 3 * 2 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
      }
      r.stopHolding();
      assertTrue(r.oks() >= r.registrations() + 3 * 2, "PINGs answered: " + (r.oks() - r.registrations()));
    }
  }

  @Test
  void anErrorAnswerFailsTheRun() throws IOException {
    try (ServerSocket server = fakeLookupd(new AtomicInteger(), 7);
         Registrar r = new Registrar("127.0.0.1", server.getLocalPort(), 2, 20, 2, true)) {
      IOException e = assertThrows(IOException.class, () -> r.register(10_000));
      assertTrue(e.getMessage().contains("E_BAD_TOPIC"), e.getMessage());
    }
  }
}
