package dev.beacon.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays {@code brokers} nsqd peers against lookupd on one NIO selector thread: each connection
 * sends the magic, IDENTIFY and every REGISTER pipelined, and counts the answers. After
 * registering, {@link #hold} keeps the peers connected and PINGs them, as nsqd does every 15 s.
 */
final class Registrar implements AutoCloseable {
  private static final byte[] PING = "PING\n".getBytes(StandardCharsets.US_ASCII);

  /** One simulated nsqd. */
  private static final class Peer {
    final SocketChannel ch;
    final FrameScanner in = new FrameScanner();
    ByteBuffer out;
    long expected;
    SelectionKey key;

    Peer(SocketChannel ch) {
      this.ch = ch;
    }
  }

  private final Selector selector;
  private final List<Peer> peers = new ArrayList<>();
  private final ByteBuffer rbuf = ByteBuffer.allocateDirect(256 * 1024);
  private final long registrations;
  private volatile boolean holding;
  private volatile Throwable failure;
  private Thread holder;

  /**
   * Connects the peers. Topic names are {@code topic-N} (shared by every peer) or
   * {@code bP-topic-N} (distinct per peer); channels {@code ch-N}.
   */
  Registrar(String host, int port, int brokers, int topics, int channels, boolean distinct) throws IOException {
    selector = Selector.open();
    registrations = (long) brokers * topics * (1 + channels);
    for (int b = 0; b < brokers; b++) {
      SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
      ch.configureBlocking(false);
      Peer p = new Peer(ch);
      p.out = ByteBuffer.wrap(commands(b, topics, channels, distinct));
      p.expected = 1 + (long) topics * (1 + channels);
      p.key = ch.register(selector, SelectionKey.OP_READ, p);
      peers.add(p);
    }
  }

  static byte[] commands(int b, int topics, int channels, boolean distinct) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(topics * (1 + channels) * 32 + 256);
    byte[] body = ("{\"broadcast_address\":\"127.0.0.1\",\"hostname\":\"bench-" + b + "\",\"http_port\":" + (20000 + b)
        + ",\"tcp_port\":" + (30000 + b) + ",\"version\":\"1.3.0\"}").getBytes(StandardCharsets.US_ASCII);
    out.writeBytes("  V1IDENTIFY\n".getBytes(StandardCharsets.US_ASCII));
    out.write(body.length >>> 24);
    out.write(body.length >>> 16);
    out.write(body.length >>> 8);
    out.write(body.length);
    out.writeBytes(body);
    StringBuilder sb = new StringBuilder();
    for (int t = 0; t < topics; t++) {
      String topic = topicName(b, t, distinct);
      sb.append("REGISTER ").append(topic).append('\n');
      for (int c = 0; c < channels; c++) {
        sb.append("REGISTER ").append(topic).append(" ch-").append(c).append('\n');
      }
    }
    out.writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  static String topicName(int broker, int topic, boolean distinct) {
    return distinct ? "b" + broker + "-topic-" + topic : "topic-" + topic;
  }

  long registrations() {
    return registrations;
  }

  /** Sends everything and returns the nanoseconds until every REGISTER was answered OK. */
  long register(long timeoutMs) throws IOException {
    long t0 = System.nanoTime();
    for (Peer p : peers) {
      p.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }
    long deadline = t0 + timeoutMs * 1_000_000L;
    while (!allAnswered()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("registrations not all acknowledged within " + timeoutMs + " ms: " + answered()
            + " of " + (registrations + peers.size()) + " answers");
      }
      poll(100);
    }
    return System.nanoTime() - t0;
  }

  /** Keeps the peers connected on a background thread, each PINGing every {@code intervalMs}. */
  void hold(long intervalMs) {
    holding = true;
    holder = new Thread(() -> {
      long next = System.nanoTime();
      try {
        while (holding) {
          if (System.nanoTime() >= next) {
            for (Peer p : peers) {
              if (p.in.frames() < p.expected - 1) {
                throw new IOException("lookupd left a PING unanswered for " + intervalMs + " ms");
              }
              queue(p, PING);
            }
            next = System.nanoTime() + intervalMs * 1_000_000L;
          }
          poll(50);
        }
      } catch (Throwable e) {
        failure = e;
      }
    }, "lookupd-peers");
    holder.setDaemon(true);
    holder.start();
  }

  /** Stops holding; throws if any peer was disconnected or answered an error meanwhile. */
  void stopHolding() throws IOException {
    holding = false;
    try {
      holder.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw new IOException("a registered peer failed while held: " + failure.getMessage(), failure);
    }
  }

  /** Fails fast if the holder already saw a problem. */
  void check() throws IOException {
    if (failure != null) {
      throw new IOException("a registered peer failed while held: " + failure.getMessage(), failure);
    }
  }

  private void queue(Peer p, byte[] cmd) {
    ByteBuffer rest = p.out;
    ByteBuffer b = ByteBuffer.allocate(rest.remaining() + cmd.length);
    b.put(rest).put(cmd).flip();
    p.out = b;
    p.expected++;
    p.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
  }

  private void poll(long ms) throws IOException {
    selector.select(ms);
    for (SelectionKey k : selector.selectedKeys()) {
      Peer p = (Peer) k.attachment();
      if (k.isWritable()) {
        p.ch.write(p.out);
        if (!p.out.hasRemaining()) {
          k.interestOps(SelectionKey.OP_READ);
        }
      }
      if (k.isReadable()) {
        rbuf.clear();
        int n = p.ch.read(rbuf);
        if (n < 0) {
          throw new IOException("lookupd closed peer " + peers.indexOf(p) + " after " + p.in.frames() + " answers");
        }
        rbuf.flip();
        p.in.feed(rbuf);
      }
    }
    selector.selectedKeys().clear();
  }

  private boolean allAnswered() {
    for (Peer p : peers) {
      if (p.in.frames() < p.expected) {
        return false;
      }
    }
    return true;
  }

  private long answered() {
    long n = 0;
    for (Peer p : peers) {
      n += p.in.frames();
    }
    return n;
  }

  /** OK answers counted so far over all peers. */
  long oks() {
    long n = 0;
    for (Peer p : peers) {
      n += p.in.oks();
    }
    return n;
  }

  @Override
  public void close() {
    holding = false;
    for (Peer p : peers) {
      try {
        p.ch.close();
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
