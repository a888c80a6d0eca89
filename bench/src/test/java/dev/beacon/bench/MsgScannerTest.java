package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MsgScannerTest {
  /** Records what the scanner reports. */
  static final class Recorder implements MsgScanner.Handler {
    final List<String> events = new ArrayList<>();

    @Override
    public void msg(int size, byte[] reply, int replyLen) {
      events.add("MSG " + size + (replyLen > 0 ? " " + new String(reply, 0, replyLen, StandardCharsets.US_ASCII) : ""));
    }

    @Override
    public void ping() {
      events.add("PING");
    }

    @Override
    public void pong() {
      events.add("PONG");
    }
  }

  static final String STREAM = "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"
      + "+OK\r\n"
      + "MSG bench.sub 1 16\r\n0123456789abcdef\r\n"
      + "MSG bench.sub 1 0\r\n\r\n"
      + "PING\r\n"
      + "MSG bench.req 7 _INBOX.abc 5\r\nhe\r\nl\r\n"
      + "MSG  a\t2   3\r\nxyz\r\n"
      + "PONG\r\n";
  static final List<String> EXPECTED = List.of("MSG 16", "MSG 0", "PING", "MSG 5 _INBOX.abc", "MSG 3", "PONG");

  private static List<String> scan(byte[] in, int... cuts) throws IOException {
    Recorder r = new Recorder();
    MsgScanner s = new MsgScanner(r);
    int from = 0;
    for (int cut : cuts) {
      s.feed(in, from, cut - from);
      from = cut;
    }
    s.feed(in, from, in.length - from);
    return r.events;
  }

  @Test
  void wholeStream() throws IOException {
    assertEquals(EXPECTED, scan(STREAM.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void everySplitPoint() throws IOException {
    byte[] in = STREAM.getBytes(StandardCharsets.US_ASCII);
    for (int cut = 0; cut <= in.length; cut++) {
      assertEquals(EXPECTED, scan(in, cut), "split at " + cut);
    }
  }

  @Test
  void oneByteAtATime() throws IOException {
    byte[] in = STREAM.getBytes(StandardCharsets.US_ASCII);
    int[] cuts = new int[in.length - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = i + 1;
    }
    assertEquals(EXPECTED, scan(in, cuts));
  }

  @Test
  void payloadContainingCrLfAndOpNamesIsSkippedBySize() throws IOException {
    byte[] in = "MSG s 1 13\r\nPING\r\nMSG x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    assertEquals(List.of("MSG 13"), scan(in));
  }

  @Test
  void manyMessagesAreAllCounted() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      sb.append("MSG bench.sub 1 16\r\n0123456789abcdef\r\n");
    }
    byte[] in = sb.toString().getBytes(StandardCharsets.US_ASCII);
    int[] cuts = {7, 4096, 65536, 65537, 200_000};
    assertEquals(10_000, scan(in, cuts).size());
  }

  @Test
  void serverErrorFails() {
    IOException e = assertThrows(IOException.class,
        () -> scan("-ERR 'Slow Consumer'\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertTrue(e.getMessage().contains("Slow Consumer"), e.getMessage());
  }

  @Test
  void malformedInputFails() {
    for (String bad : List.of("MSG a 1\r\n", "MSG a 1 x\r\n", "MSG a 1 -3\r\n", "MSG a 1 b c 4\r\n", "WHAT\r\n",
        "MSG a 1 99999999999\r\n")) {
      assertThrows(IOException.class, () -> scan(bad.getBytes(StandardCharsets.US_ASCII)), bad);
    }
  }

  @Test
  void overlongControlLineFails() {
    byte[] in = new byte[MsgScanner.MAX_LINE + 1];
    java.util.Arrays.fill(in, (byte) 'I');
    assertThrows(IOException.class, () -> scan(in, 10));
  }

  @Test
  void putIntWritesDecimal() {
    byte[] b = new byte[16];
    for (int v : new int[] {0, 7, 16, 1024, 1048576}) {
      int end = NatsConn.putInt(b, 3, v);
      assertEquals(Integer.toString(v), new String(b, 3, end - 3, StandardCharsets.US_ASCII));
    }
  }
}
