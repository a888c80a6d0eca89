package dev.beacon.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One raw NATS client connection over a blocking socket. The thread that calls {@link #readOnce}
 * owns the inbound side; counters it updates are published once per read, not per message.
 * A responder connection answers every MSG that carries a reply subject, batching the answers of
 * one read into one write.
 */
final class NatsConn implements MsgScanner.Handler, AutoCloseable {
  static final int READ_BUFFER = 256 * 1024;
  static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] rbuf = new byte[READ_BUFFER];
  private final MsgScanner scanner = new MsgScanner(this);
  private final byte[] responsePayload;
  private final byte[] obuf;
  private int olen;
  private boolean pingPending;

  /** Messages with a payload, probes (empty payload) and PONGs seen; written only by the reading thread. */
  private long msgs;
  private long probes;
  private long pongs;
  volatile long publishedMsgs;
  volatile long publishedProbes;
  volatile long publishedPongs;

  private NatsConn(Socket socket, byte[] responsePayload) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.responsePayload = responsePayload;
    this.obuf = new byte[responsePayload == null ? 64 : 256 * 1024];
  }

  /** Connects, sends CONNECT (verbose off) and waits for the PONG to the first PING. */
  static NatsConn open(String host, int port, byte[] responsePayload) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
    NatsConn c = new NatsConn(s, responsePayload);
    c.write("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":true,\"lang\":\"beacon-bench\","
        + "\"version\":\"0.1.0\",\"protocol\":1,\"name\":\"bench\"}\r\n");
    c.ping(10_000);
    return c;
  }

  static NatsConn open(String host, int port) throws IOException {
    return open(host, port, null);
  }

  void write(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    out.write(b, 0, b.length);
  }

  void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  /** PING, then reads until the matching PONG: everything sent before has been processed by the server. */
  void ping(long timeoutMs) throws IOException {
    long want = pongs + 1;
    out.write(PING);
    socket.setSoTimeout((int) timeoutMs);
    try {
      while (pongs < want) {
        if (readOnce() < 0) {
          throw new IOException("connection closed while waiting for PONG");
        }
      }
    } finally {
      socket.setSoTimeout(0);
    }
  }

  /** Blocks for one read and scans it; returns the number of bytes read, -1 at end of stream. */
  int readOnce() throws IOException {
    int n = in.read(rbuf, 0, rbuf.length);
    if (n < 0) {
      return n;
    }
    scanner.feed(rbuf, 0, n);
    if (pingPending) {
      pingPending = false;
      append(PONG, PONG.length);
    }
    if (olen > 0) {
      out.write(obuf, 0, olen);
      olen = 0;
    }
    publishedMsgs = msgs;
    publishedProbes = probes;
    publishedPongs = pongs;
    return n;
  }

  /** Reads until {@code count} messages have arrived; no read timeout (bench/run bounds the whole process). */
  void awaitMsgs(long count) throws IOException {
    while (msgs < count) {
      if (readOnce() < 0) {
        throw new IOException("connection closed");
      }
    }
  }

  /** Reads until {@code count} messages have arrived or the timeout expires, returning the count seen. */
  long awaitMsgs(long count, long timeoutMs) throws IOException {
    socket.setSoTimeout((int) timeoutMs);
    try {
      while (msgs < count) {
        if (readOnce() < 0) {
          throw new IOException("connection closed");
        }
      }
    } finally {
      socket.setSoTimeout(0);
    }
    return msgs;
  }

  long msgs() {
    return msgs;
  }

  long probes() {
    return probes;
  }

  @Override
  public void msg(int size, byte[] reply, int replyLen) {
    if (size == 0) {
      probes++;
      return;
    }
    msgs++;
    if (responsePayload != null && replyLen > 0) {
      respond(reply, replyLen);
    }
  }

  /** Appends "PUB reply n\r\npayload\r\n" to the per-read output batch. */
  private void respond(byte[] reply, int replyLen) {
    int need = 4 + replyLen + 12 + responsePayload.length + 2;
    if (olen + need > obuf.length) {
      flushQuietly();
    }
    obuf[olen++] = 'P';
    obuf[olen++] = 'U';
    obuf[olen++] = 'B';
    obuf[olen++] = ' ';
    System.arraycopy(reply, 0, obuf, olen, replyLen);
    olen += replyLen;
    obuf[olen++] = ' ';
    olen = putInt(obuf, olen, responsePayload.length);
    obuf[olen++] = '\r';
    obuf[olen++] = '\n';
    System.arraycopy(responsePayload, 0, obuf, olen, responsePayload.length);
    olen += responsePayload.length;
    obuf[olen++] = '\r';
    obuf[olen++] = '\n';
  }

  private void append(byte[] b, int n) {
    if (olen + n > obuf.length) {
      flushQuietly();
    }
    System.arraycopy(b, 0, obuf, olen, n);
    olen += n;
  }

  private void flushQuietly() {
    try {
      out.write(obuf, 0, olen);
    } catch (IOException e) {
      // The next read reports the broken connection.
    }
    olen = 0;
  }

  static int putInt(byte[] b, int pos, int v) {
    if (v == 0) {
      b[pos++] = '0';
      return pos;
    }
    int digits = 0;
    for (int t = v; t > 0; t /= 10) {
      digits++;
    }
    for (int i = pos + digits - 1; i >= pos; i--) {
      b[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return pos + digits;
  }

  @Override
  public void ping() {
    pingPending = true;
  }

  @Override
  public void pong() {
    pongs++;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
