package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A lookupd played by the test thread over a raw socket, strict like nsqlookupd v1.3.0: a bad
 * topic or channel name gets {@code E_BAD_TOPIC}/{@code E_BAD_CHANNEL} and the connection closed.
 */
final class FakeLookupd implements AutoCloseable {
  private static final Pattern NSQ_NAME = Pattern.compile("^[.a-zA-Z0-9_-]+(#ephemeral)?$");
  private final ServerSocket server;
  private Socket socket;
  private DataInputStream in;
  private DataOutputStream out;

  FakeLookupd() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  int port() {
    return server.getLocalPort();
  }

  /** Waits for the broker to connect and returns the IDENTIFY body after checking the magic. */
  String acceptAndReadIdentify(Duration within) throws IOException {
    server.setSoTimeout((int) within.toMillis());
    Socket previous = socket;
    socket = server.accept();
    if (previous != null) {
      previous.close();
    }
    socket.setSoTimeout(5000);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
    byte[] magic = in.readNBytes(4);
    assertEquals("  V1", new String(magic, StandardCharsets.US_ASCII));
    assertEquals("IDENTIFY", readLine());
    int size = in.readInt();
    return new String(in.readNBytes(size), StandardCharsets.UTF_8);
  }

  /** Answers IDENTIFY as nsqlookupd does (keys sorted). */
  void identifyOk(int httpPort) throws IOException {
    frame("{\"broadcast_address\":\"127.0.0.1\",\"hostname\":\"fake\",\"http_port\":" + httpPort
        + ",\"tcp_port\":" + port() + ",\"version\":\"1.3.0\"}");
  }

  /** Reads one command line and answers it like nsqlookupd would (OK, or an error and close). */
  String command() throws IOException {
    String line = readLine();
    String[] p = line.split(" ", -1);
    if ((p[0].equals("REGISTER") || p[0].equals("UNREGISTER")) && p.length > 1) {
      if (p[1].length() > 64 || !NSQ_NAME.matcher(p[1]).matches()) {
        frame("E_BAD_TOPIC " + p[0] + " topic name '" + p[1] + "' is not valid");
        socket.close();
        fail("broker sent a bad topic name: " + line);
      }
      if (p.length > 2 && !p[2].isEmpty() && (p[2].length() > 64 || !NSQ_NAME.matcher(p[2]).matches())) {
        frame("E_BAD_CHANNEL " + p[0] + " channel name '" + p[2] + "' is not valid");
        socket.close();
        fail("broker sent a bad channel name: " + line);
      }
    }
    frame("OK");
    return line;
  }

  /** Reads one command line without answering it. */
  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("connection closed after '" + line + "'");
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  void expectNothing(Duration d) throws IOException {
    socket.setSoTimeout((int) d.toMillis());
    try {
      int b = in.read();
      fail(b < 0 ? "connection closed" : "unexpected byte '" + (char) b + "'");
    } catch (SocketTimeoutException expected) {
      // nothing arrived
    } finally {
      socket.setSoTimeout(5000);
    }
  }

  void expectClosed() throws IOException {
    assertThrows(IOException.class, () -> {
      while (true) {
        if (in.read() < 0) {
          throw new EOFException();
        }
      }
    });
  }

  void frame(String data) throws IOException {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
  }

  void rawInt(int value) throws IOException {
    out.writeInt(value);
    out.flush();
  }

  void dropConnection() throws IOException {
    socket.close();
  }

  @Override
  public void close() throws IOException {
    if (socket != null) {
      socket.close();
    }
    server.close();
  }
}
