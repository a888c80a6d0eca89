package dev.beacon.lookupd;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A blocking raw-TCP peer of the lookup protocol (what nsqd says to lookupd), run on the test thread.
 * Get one from {@link LookupdFixture#connect()} or {@link #connect(int)}.
 */
public final class TestPeer implements AutoCloseable {
  public static final String IDENTIFY_BODY =
      "{\"broadcast_address\":\"127.0.0.1\",\"tcp_port\":5150,\"http_port\":5151,\"version\":\"1.3.0\",\"hostname\":\"probe-host\"}";

  public final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  public TestPeer(int port) throws IOException {
    this(new Socket("127.0.0.1", port));
  }

  /** Over a socket the caller connected (a TLS socket, say); nothing is sent. */
  public TestPeer(Socket connected) throws IOException {
    socket = connected;
    socket.setSoTimeout(5000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Connects and sends the magic. */
  public static TestPeer connect(int port) throws IOException {
    TestPeer p = new TestPeer(port);
    p.send("  V1");
    return p;
  }

  /** The id lookupd gives this peer (its remote address as lookupd sees it). */
  public String id() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  public void send(byte[] b) throws IOException {
    out.write(b);
    out.flush();
  }

  public void send(String s) throws IOException {
    send(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static byte[] identifyBytes(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("IDENTIFY\n".getBytes(StandardCharsets.US_ASCII));
    b.write(body.length >>> 24);
    b.write(body.length >>> 16);
    b.write(body.length >>> 8);
    b.write(body.length);
    b.writeBytes(body);
    return b.toByteArray();
  }

  /** IDENTIFY with the given JSON; returns the answer. */
  public String identify(String json) throws IOException {
    send(identifyBytes(json));
    return readFrame();
  }

  public String identify() throws IOException {
    return identify(IDENTIFY_BODY);
  }

  /** Sends "line\n" and returns the answer frame. */
  public String command(String line) throws IOException {
    send(line + "\n");
    return readFrame();
  }

  /** Reads one frame: 4-byte big-endian length, payload. */
  public String readFrame() throws IOException {
    int n = in.readInt();
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** The server closes within the socket timeout, with nothing more sent. */
  public void expectClosed() throws IOException {
    try {
      int b = in.read();
      assertEquals(-1, b, "expected the server to close the connection");
    } catch (SocketTimeoutException e) {
      fail("connection still open");
    } catch (IOException e) {
      // reset counts as closed
    }
  }

  /** Nothing arrives within d and the connection stays open. */
  public void expectNothing(Duration d) throws IOException {
    socket.setSoTimeout((int) d.toMillis());
    try {
      int b = in.read();
      fail(b < 0 ? "connection closed" : "unexpected byte " + b);
    } catch (SocketTimeoutException e) {
      // expected
    } finally {
      socket.setSoTimeout(5000);
    }
  }

  public InputStream input() {
    return in;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

}
