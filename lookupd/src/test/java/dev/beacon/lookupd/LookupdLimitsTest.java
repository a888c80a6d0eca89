package dev.beacon.lookupd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** max-connections, max-http-connections and max-registrations-per-peer, over real sockets. */
@Timeout(30)
class LookupdLimitsTest {

  /** "E_TOO_MANY_CONNECTIONS more than 2 TCP connections" (50 bytes) in its frame. */
  private static final byte[] TOO_MANY_CONNECTIONS_2 = frame(50, "E_TOO_MANY_CONNECTIONS more than 2 TCP connections");
  private static final String TOO_MANY_REGISTRATIONS_3 = "E_TOO_MANY_REGISTRATIONS more than 3 registrations for this peer";

  private static byte[] frame(int length, String payload) {
    byte[] p = payload.getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(length, p.length, "the literal length in the test is wrong");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0, 0, 0, (byte) length});
    b.writeBytes(p);
    return b.toByteArray();
  }

  private static void expectLine(String metrics, String line) {
    assertTrue(metrics.contains(line + "\n"), "missing '" + line + "' in:\n" + metrics);
  }

  // ---- TCP: max-connections -------------------------------------------------------------------

  @Test
  void tcpConnectionBeyondMaxConnectionsGetsOneErrorFrameAndIsClosed() throws Exception {
    try (LookupdFixture f = new LookupdFixture(Map.of("max-connections", 2));
         TestPeer a = f.connect();
         TestPeer b = f.connect()) {
      a.identify();
      assertEquals("OK", a.command("REGISTER t c"));
      assertEquals("OK", b.command("PING"), "both connections are open and counted");

      try (TestPeer quiet = new TestPeer(f.tcpPort())) { // sends nothing at all
        assertArrayEquals(TOO_MANY_CONNECTIONS_2, quiet.input().readNBytes(TOO_MANY_CONNECTIONS_2.length));
        quiet.expectClosed();
      }
      try (TestPeer nsqd = new TestPeer(f.tcpPort())) {
        // What nsqd sends at once: the magic, then IDENTIFY. One write: a second one could meet the
        // reset lookupd's close answers unread input with, and fail before we read the frame.
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        hello.writeBytes("  V1".getBytes(StandardCharsets.US_ASCII));
        hello.writeBytes(TestPeer.identifyBytes(TestPeer.IDENTIFY_BODY));
        nsqd.send(hello.toByteArray());
        assertArrayEquals(TOO_MANY_CONNECTIONS_2, nsqd.input().readNBytes(TOO_MANY_CONNECTIONS_2.length));
        nsqd.expectClosed();
      }

      assertEquals("OK", a.command("PING"), "open connections are unharmed");
      assertEquals("OK", b.command("PING"));
      assertEquals(200, f.get("/lookup?topic=t").statusCode(), "a's registration is still there");

      b.close();
      String closed = f.awaitGet("/metrics", m -> m.contains("lookupd_tcp_connections 1\n"));
      expectLine(closed, "lookupd_tcp_connections 1");
      try (TestPeer c = f.connect()) {
        assertEquals("OK", c.command("PING"), "after a close a new connection is accepted");
        assertTrue(c.identify().contains("\"tcp_port\":" + f.tcpPort()));
      }

      String m = f.get("/metrics").body();
      expectLine(m, "lookupd_rejected_connections_total{listener=\"tcp\"} 2");
      expectLine(m, "lookupd_rejected_connections_total{listener=\"http\"} 0");
      expectLine(m, "lookupd_tcp_connections_total 3"); // a, b, c: refused connections were never accepted
      expectLine(m, "lookupd_tcp_errors_total 0");
    }
  }

  // ---- HTTP: max-http-connections ---------------------------------------------------------------

  /** A raw keep-alive HTTP/1.1 connection (java.net.http pools its connections, which would hide the count). */
  private static final class HttpConn implements AutoCloseable {
    final Socket socket;

    HttpConn(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(5000);
    }

    /** GET path; the body of a 200 answer, or null if the server closed the connection without a byte. */
    String get(String path) throws IOException {
      try {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        return null; // already closed by the server
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      try {
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          int c = in.read();
          if (c < 0) {
            break;
          }
          head.write(c);
        }
      } catch (java.net.SocketException e) {
        // reset: closed
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.isEmpty()) {
        return null;
      }
      assertTrue(h.startsWith("HTTP/1.1 200 "), h);
      int at = h.toLowerCase(java.util.Locale.ROOT).indexOf("content-length: ");
      assertTrue(at >= 0, h);
      int length = Integer.parseInt(h.substring(at + 16, h.indexOf("\r\n", at)).trim());
      return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void httpConnectionBeyondMaxHttpConnectionsIsClosedAtOnce() throws Exception {
    try (LookupdFixture f = new LookupdFixture(Map.of("max-http-connections", 2));
         HttpConn h1 = new HttpConn(f.lookupd.httpPort())) {
      HttpConn h2 = new HttpConn(f.lookupd.httpPort());
      assertEquals("OK", h1.get("/ping"));
      assertEquals("OK", h2.get("/ping"));

      try (HttpConn h3 = new HttpConn(f.lookupd.httpPort())) {
        assertNull(h3.get("/ping"), "the third connection is closed with no answer");
        assertEquals(-1, h3.socket.getInputStream().read());
      } catch (java.net.SocketException reset) {
        // a reset is a close too
      }
      assertEquals("OK", h1.get("/ping"), "open connections are unharmed");
      assertEquals("OK", h2.get("/ping"));

      h2.close();
      // The slot frees when lookupd has seen the close: retry with fresh connections, counting refusals.
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      int refusedWhileWaiting = 0;
      String metrics = null;
      while (metrics == null && System.nanoTime() < deadline) {
        try (HttpConn h = new HttpConn(f.lookupd.httpPort())) {
          metrics = h.get("/metrics");
        } catch (java.net.SocketException reset) {
          metrics = null;
        }
        if (metrics == null) {
          refusedWhileWaiting++;
        }
      }
      assertNotNull(metrics, "no connection accepted after one closed");
      expectLine(metrics, "lookupd_rejected_connections_total{listener=\"http\"} " + (1 + refusedWhileWaiting));
      expectLine(metrics, "lookupd_rejected_connections_total{listener=\"tcp\"} 0");
      expectLine(metrics, "lookupd_http_connections 2"); // h1 and the one asking
      assertEquals("OK", h1.get("/ping"));
    }
  }

  // ---- max-registrations-per-peer ---------------------------------------------------------------

  @Test
  void registerBeyondMaxRegistrationsPerPeerIsRefusedAndTheConnectionStaysUsable() throws Exception {
    try (LookupdFixture f = new LookupdFixture(Map.of("max-registrations-per-peer", 3));
         TestPeer p = f.connect();
         TestPeer q = f.connect()) {
      p.identify();
      q.identify();
      assertEquals("OK", p.command("REGISTER t1 c1")); // 2: the channel and its topic
      assertEquals("OK", p.command("REGISTER t1 c1"), "a repeat does not count twice");
      assertEquals("OK", p.command("REGISTER t1"));
      assertEquals(TOO_MANY_REGISTRATIONS_3, p.command("REGISTER t2 c2"), "2 + 2 > 3: refused whole");
      assertEquals("OK", p.command("PING"), "the connection is still open and answers");
      assertEquals(404, f.get("/lookup?topic=t2").statusCode(), "nothing of the refused REGISTER was stored");

      assertEquals("OK", p.command("REGISTER t2")); // 3
      p.send("REGISTER t3\n");
      byte[] expected = frame(64, TOO_MANY_REGISTRATIONS_3);
      assertArrayEquals(expected, p.input().readNBytes(expected.length), "one frame, as nsqlookupd frames its errors");
      assertEquals("OK", p.command("REGISTER t1 c1"), "a repeat at the limit is fine");

      assertEquals("OK", p.command("UNREGISTER t1 c1")); // 2
      assertEquals("OK", p.command("REGISTER t3"), "UNREGISTER freed a slot"); // 3
      assertEquals(200, f.get("/lookup?topic=t3").statusCode());
      assertEquals(TOO_MANY_REGISTRATIONS_3, p.command("REGISTER t4"));

      assertEquals("OK", q.command("REGISTER t4 c4"), "the limit is per peer");
      assertEquals("OK", q.command("REGISTER t5"));

      String m = f.get("/metrics").body();
      expectLine(m, "lookupd_rejected_registrations_total 3");
      expectLine(m, "lookupd_tcp_errors_total 0");
      expectLine(m, "lookupd_tcp_connections 2");
      expectLine(m, "lookupd_registrations{category=\"topic\"} 5"); // t1 t2 t3 t4 t5
    }
  }

  @Test
  void limitsAreSettingsWithDefaults() {
    LookupdOptions o = LookupdOptions.of(Map.of());
    assertEquals(10000, o.maxConnections());
    assertEquals(10000, o.maxHttpConnections());
    assertEquals(100000, o.maxRegistrationsPerPeer());
    try {
      LookupdOptions.of(Map.of("max-connections", 0));
      fail("max-connections=0 accepted");
    } catch (IllegalArgumentException expected) {
      assertEquals("max-connections must be at least 1, not 0", expected.getMessage());
    }
  }
}
