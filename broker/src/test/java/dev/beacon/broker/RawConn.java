package dev.beacon.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A blocking raw-protocol connection for tests (nats-server test/test.go send/expect). */
final class RawConn implements AutoCloseable {
  final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final StringBuilder buf = new StringBuilder();
  private boolean eof;

  RawConn(int port) throws IOException {
    this(new Socket("127.0.0.1", port));
  }

  /** Wraps a socket the test accepted (the test playing a server the broker dials). */
  RawConn(Socket accepted) throws IOException {
    socket = accepted;
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Connects, reads INFO, sends CONNECT with the given JSON fields and a PING, expects PONG. */
  static RawConn connect(int port, String connectJson) throws IOException {
    RawConn c = new RawConn(port);
    c.expect("INFO \\{.*\\} ?\r\n");
    c.send("CONNECT " + connectJson + "\r\nPING\r\n");
    c.expect("PONG\r\n");
    return c;
  }

  static RawConn connect(int port) throws IOException {
    return connect(port, "{\"verbose\":false,\"pedantic\":false,\"headers\":true}");
  }

  RawConn send(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
    return this;
  }

  /** Sends {@code s} as bytes, one byte per char (ISO-8859-1): for subjects that are not UTF-8. */
  RawConn sendBytes(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** Reads until the buffered input starts with a match of {@code regex}; consumes and returns it. */
  Matcher expect(String regex) throws IOException {
    Pattern p = Pattern.compile("^(?:" + regex + ")", Pattern.DOTALL);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      Matcher m = p.matcher(buf);
      if (m.lookingAt() && m.end() > 0) {
        String matched = buf.substring(0, m.end());
        buf.delete(0, m.end());
        Matcher copy = p.matcher(matched);
        copy.lookingAt();
        return copy;
      }
      if (eof || System.nanoTime() > deadline) {
        fail("expected /" + regex.replace("\r", "\\r").replace("\n", "\\n") + "/ but got: "
            + buf.toString().replace("\r", "\\r").replace("\n", "\\n") + (eof ? " <EOF>" : ""));
      }
      read(100);
    }
  }

  /** Expects -ERR '<text>' next. */
  void expectErr(String text) throws IOException {
    expect("-ERR '" + Pattern.quote(text) + "'\r\n");
  }

  /** Nothing arrives within {@code d}. */
  void expectNothing(Duration d) throws IOException {
    long deadline = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < deadline && !eof) {
      read((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    assertEquals("", buf.toString().replace("\r", "\\r").replace("\n", "\\n"));
  }

  /** The server closes the connection (after anything still buffered is consumed). */
  void expectClosed() throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!eof && System.nanoTime() < deadline) {
      read(100);
    }
    assertTrue(eof, "connection still open; buffered: " + buf);
    assertEquals("", buf.toString().replace("\r", "\\r").replace("\n", "\\n"), "unexpected bytes before close");
  }

  private void read(int timeoutMs) throws IOException {
    socket.setSoTimeout(Math.max(1, timeoutMs));
    byte[] b = new byte[65536];
    try {
      int n = in.read(b);
      if (n < 0) {
        eof = true;
      } else {
        buf.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (SocketTimeoutException e) {
      // nothing yet
    } catch (IOException e) {
      eof = true;
    }
  }

  /** Reads exactly n raw bytes (for big payloads). */
  String readN(int n) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (buf.length() < n && !eof && System.nanoTime() < deadline) {
      read(100);
    }
    assertTrue(buf.length() >= n, "short read: " + buf.length() + " < " + n);
    String s = buf.substring(0, n);
    buf.delete(0, n);
    return s;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
