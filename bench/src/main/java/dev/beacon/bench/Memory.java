package dev.beacon.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The memory rows: the resident memory (VmRSS) of one freshly started server, idle or holding
 * {@code connections} client connections with {@code subs} subscriptions each. Every connection
 * sends CONNECT, its SUBs and a PING in one go (all connections first, then the answers are read),
 * and the figure is read once every connection has had its PONG: the server has then processed
 * every SUB. Subjects are distinct ({@code mem.<connection>.<n>}), so the subscription table holds
 * connections x subs entries.
 */
final class Memory {
  static final Set<String> FLAGS = Set.of("row", "server", "host", "port", "pid", "connections", "subs", "settle", "out");
  static final int CONNECT_TIMEOUT_MS = 10_000;
  static final int READ_TIMEOUT_MS = 120_000;

  private Memory() {}

  static int run(Args a) throws Exception {
    String row = a.get("row");
    String server = a.get("server");
    long pid = Long.parseLong(a.get("pid"));
    Results results = new Results(Path.of(a.get("out")));
    if (row.equals("idle")) {
      // Let start-up work finish (JIT compilation, the first native-memory trim) before reading.
      TimeUnit.MILLISECONDS.sleep((long) (Double.parseDouble(a.get("settle", "3")) * 1000));
      results.value("memory", row, server, Proc.rssBytes(pid) / 1048576.0, Double.NaN, Double.NaN, 0,
          "idle, " + a.get("settle", "3") + " s after start");
      return 0;
    }
    int connections = a.integer("connections");
    int subs = a.integer("subs");
    String what = String.format(Locale.ROOT, "%,d connections x %,d subscriptions", connections, subs);
    List<Socket> open = new ArrayList<>(connections);
    try {
      long t0 = System.nanoTime();
      for (int c = 0; c < connections; c++) {
        Socket s = new Socket();
        open.add(s);
        s.connect(new InetSocketAddress(a.get("host", "127.0.0.1"), a.integer("port")), CONNECT_TIMEOUT_MS);
        s.setSoTimeout(READ_TIMEOUT_MS);
        send(s.getOutputStream(), c, subs);
      }
      for (Socket s : open) {
        awaitPong(s.getInputStream());
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double mib = Proc.rssBytes(pid) / 1048576.0;
      results.value("memory", row, server, mib, Proc.cpuSeconds(pid), Double.NaN, 0,
          String.format(Locale.ROOT, "%s (all subscribed and PONGed after %.1f s)", what, seconds));
      return 0;
    } catch (IOException e) {
      results.failed("memory", row, server, what + ": " + e.getMessage() + " after " + open.size() + " connections");
      return 1;
    } finally {
      for (Socket s : open) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  /** CONNECT, {@code subs} SUBs on distinct subjects and a PING, written in 64 KiB chunks. */
  static void send(OutputStream out, int connection, int subs) throws IOException {
    StringBuilder b = new StringBuilder(70_000);
    b.append("CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"mem-").append(connection).append("\"}\r\n");
    for (int i = 0; i < subs; i++) {
      b.append("SUB mem.").append(connection).append('.').append(i).append(' ').append(i + 1).append("\r\n");
      if (b.length() > 65_000) {
        out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
        b.setLength(0);
      }
    }
    b.append("PING\r\n");
    out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads INFO up to the PONG; -ERR or the end of the stream fails. */
  static void awaitPong(InputStream in) throws IOException {
    StringBuilder seen = new StringBuilder();
    byte[] buf = new byte[8192];
    while (true) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("connection closed before PONG; got: " + tail(seen));
      }
      seen.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
      int err = seen.indexOf("-ERR");
      if (err >= 0) {
        throw new IOException("server answered " + tail(new StringBuilder(seen.substring(err))));
      }
      if (seen.indexOf("PONG\r\n") >= 0) {
        return;
      }
      if (seen.length() > 1 << 20) {
        seen.delete(0, seen.length() - 16);
      }
    }
  }

  private static String tail(StringBuilder s) {
    String t = s.toString().strip();
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }
}
