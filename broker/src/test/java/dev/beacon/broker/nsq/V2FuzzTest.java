package dev.beacon.broker.nsq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Mutated NSQ sessions, cut into random chunks, fed to connections of one server: every outcome is
 * an answer, an error frame or a close; no exception may escape a read or a tick (it would reach
 * the socket handler), and the server stays usable.
 */
@Timeout(60)
class V2FuzzTest {
  private static final byte[] ALPHABET = " \n\r0123456789abcdefSUBRDYFINREQPUBMTOCHLSNDIAY#.-_{}\":,".getBytes(StandardCharsets.US_ASCII);

  private static byte[] session() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("  V2".getBytes(StandardCharsets.US_ASCII));
    body(out, "IDENTIFY\n", "{\"client_id\":\"f\",\"heartbeat_interval\":1000,\"feature_negotiation\":true,\"msg_timeout\":1000}");
    out.writeBytes("SUB t c\nRDY 3\n".getBytes(StandardCharsets.US_ASCII));
    body(out, "PUB t\n", "hello");
    body(out, "MPUB t\n", "\0\0\0\2\0\0\0\1a\0\0\0\1b");
    body(out, "DPUB t 10\n", "later");
    out.writeBytes(("FIN 0000000000000001\nREQ 0000000000000002 5\nTOUCH 0000000000000003\n"
        + "NOP\nRDY 0\nCLS\n").getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static void body(ByteArrayOutputStream out, String line, String body) {
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    out.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.writeBytes(b);
  }

  @Test
  void mutatedSessionsNeverThrow() {
    Random rnd = new Random(7);
    long[] now = {1_000_000_000L};
    NsqServer server = new NsqServer(new NsqSettings(10, 60_000, 120_000, 64, 256, 1_000, 60_000, 60_000, 5, 50, 10, 1L << 20, "0"),
        new NsqConnectionTest.FakeCore(), () -> now[0], () -> 1L);
    NsqConnection.Out sink = new NsqConnection.Out() {
      @Override
      public void write(byte[] b, int off, int len) {
      }

      @Override
      public void close() {
      }
    };
    byte[] seed = session();
    for (int round = 0; round < 20_000; round++) {
      byte[] in = seed.clone();
      int mutations = 1 + rnd.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        int pos = 4 + rnd.nextInt(in.length - 4);
        switch (rnd.nextInt(3)) {
          case 0 -> in[pos] = ALPHABET[rnd.nextInt(ALPHABET.length)];
          case 1 -> in = Arrays.copyOf(in, pos + 1);
          default -> in[pos] = (byte) rnd.nextInt(256);
        }
      }
      NsqConnection conn = server.accept("fuzz", sink);
      int off = 0;
      while (off < in.length) {
        int n = 1 + rnd.nextInt(Math.min(48, in.length - off));
        conn.read(Arrays.copyOfRange(in, off, off + n), 0, n);
        off += n;
      }
      now[0] += 50_000_000L;
      server.tick();
      conn.socketClosed();
    }
    now[0] += 10_000_000_000L;
    server.tick();
    assertEquals(0, server.connectionCount(), "every connection closed and forgotten");
  }
}
