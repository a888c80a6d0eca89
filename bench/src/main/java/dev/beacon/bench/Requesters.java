package dev.beacon.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * N synchronous requesters (one request in flight per connection) driven by one NIO selector
 * thread, so the client pays one read and one write per request and one wake-up per batch of
 * ready replies, rather than a thread switch per request on a 2-core machine it shares with
 * the server.
 */
final class Requesters implements AutoCloseable {
  /** One requester connection. */
  private static final class Conn implements MsgScanner.Handler {
    final SocketChannel ch;
    final MsgScanner scanner = new MsgScanner(this);
    final ByteBuffer request;
    long msgs;
    long pongs;
    long sent;
    boolean pingPending;

    Conn(SocketChannel ch, byte[] request) {
      this.ch = ch;
      this.request = ByteBuffer.wrap(request);
    }

    @Override
    public void msg(int size, byte[] reply, int replyLen) {
      msgs++;
    }

    @Override
    public void ping() {
      pingPending = true;
    }

    @Override
    public void pong() {
      pongs++;
    }

    void send() throws IOException {
      request.rewind();
      while (request.hasRemaining()) {
        if (ch.write(request) == 0) {
          throw new IOException("requester socket full while writing a " + request.limit() + "-byte request");
        }
      }
      sent++;
    }
  }

  private static final byte[] PONG = "PONG\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Selector selector = Selector.open();
  private final List<Conn> conns = new ArrayList<>();
  private final ByteBuffer rbuf = ByteBuffer.allocate(64 * 1024);

  /** Connects {@code n} requesters; requester i listens on {@code inboxPrefix + i}. */
  Requesters(String host, int port, int n, String subject, String inboxPrefix, int size) throws IOException {
    for (int i = 0; i < n; i++) {
      SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ByteBuffer hello = ByteBuffer.wrap(("CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"beacon-bench\","
          + "\"version\":\"0.1.0\",\"protocol\":1}\r\nSUB " + inboxPrefix + i + " 1\r\nPING\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      while (hello.hasRemaining()) {
        ch.write(hello);
      }
      ch.configureBlocking(false);
      Conn c = new Conn(ch, NatsBench.frame(subject, inboxPrefix + i, size));
      ch.register(selector, SelectionKey.OP_READ, c);
      conns.add(c);
    }
    long deadline = System.nanoTime() + NatsBench.DRAIN_TIMEOUT_MS * 1_000_000L;
    while (!conns.stream().allMatch(c -> c.pongs > 0)) {
      poll(deadline, "PONG after CONNECT");
    }
  }

  /** Sends a request on every connection until each has had one answered (interest has propagated). */
  void awaitReplies(long timeoutMs) throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (!conns.stream().allMatch(c -> c.msgs > 0)) {
      for (Conn c : conns) {
        if (c.msgs == 0) {
          c.send();
        }
      }
      long retry = Math.min(deadline, System.nanoTime() + 200_000_000L);
      while (System.nanoTime() < retry && !conns.stream().allMatch(c -> c.msgs > 0)) {
        selector.select(10);
        readReady();
      }
      if (System.nanoTime() >= deadline) {
        throw new NatsBench.NoRouteException("no reply to a request within " + timeoutMs + " ms");
      }
    }
    // Let stray answers to repeated probes arrive, then start every connection level.
    long settle = System.nanoTime() + 200_000_000L;
    while (System.nanoTime() < settle) {
      selector.select(10);
      readReady();
    }
    for (Conn c : conns) {
      c.sent = c.msgs;
    }
  }

  /** Runs for {@code seconds}; returns completed requests per second and the number completed. */
  double[] run(double seconds) throws IOException {
    long t0 = System.nanoTime();
    long deadline = t0 + (long) (seconds * 1e9);
    long base = 0;
    for (Conn c : conns) {
      base += c.msgs;
      c.send();
    }
    int inFlight = conns.size();
    long hardDeadline = deadline + NatsBench.DRAIN_TIMEOUT_MS * 1_000_000L;
    while (inFlight > 0) {
      if (System.nanoTime() > hardDeadline) {
        throw new IOException(inFlight + " requests unanswered after the run");
      }
      selector.select(100);
      for (SelectionKey k : selector.selectedKeys()) {
        Conn c = (Conn) k.attachment();
        read(c);
        if (c.msgs >= c.sent) {
          if (System.nanoTime() < deadline) {
            c.send();
          } else if (k.isValid() && k.interestOps() != 0) {
            k.interestOps(0);
            inFlight--;
          }
        }
      }
      selector.selectedKeys().clear();
    }
    long t1 = System.nanoTime();
    long done = -base;
    for (Conn c : conns) {
      done += c.msgs;
      c.ch.keyFor(selector).interestOps(SelectionKey.OP_READ);
    }
    return new double[] {done / ((t1 - t0) / 1e9), done};
  }

  private void poll(long deadline, String what) throws IOException {
    if (System.nanoTime() > deadline) {
      throw new IOException("timed out waiting for " + what);
    }
    selector.select(100);
    readReady();
  }

  private void readReady() throws IOException {
    for (SelectionKey k : selector.selectedKeys()) {
      read((Conn) k.attachment());
    }
    selector.selectedKeys().clear();
  }

  private void read(Conn c) throws IOException {
    rbuf.clear();
    int n = c.ch.read(rbuf);
    if (n < 0) {
      throw new IOException("server closed a requester connection");
    }
    c.scanner.feed(rbuf.array(), 0, n);
    if (c.pingPending) {
      c.pingPending = false;
      c.ch.write(ByteBuffer.wrap(PONG));
    }
  }

  @Override
  public void close() {
    for (Conn c : conns) {
      try {
        c.ch.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
