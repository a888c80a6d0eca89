package dev.beacon.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The outbound buffer alone: appending, one write per flush, pending-bytes accounting, shrinking. */
@Timeout(5)
class OutBufferTest {

  /** Records writes; {@code backlog} is what the socket reports as not yet taken by the kernel. */
  private static final class RecordingSink implements OutBuffer.Sink {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    int writes;
    long backlog;

    @Override
    public void write(byte[] b, int off, int len) {
      written.write(b, off, len);
      writes++;
    }

    @Override
    public long pendingBytes() {
      return backlog;
    }

    String text() {
      return written.toString(StandardCharsets.US_ASCII);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void appendsBytesAndNumbersAndFlushesThemInOneWrite() {
    OutBuffer out = new OutBuffer(4);
    RecordingSink sink = new RecordingSink();
    out.append(ascii("MSG a 1 "));
    out.appendNumber(0);
    out.append((byte) ' ');
    out.appendNumber(1234567890123L);
    out.append(ascii("xx\r\n"), 2, 2);
    assertEquals(25, out.queuedBytes());
    assertEquals(25, out.pendingBytes());
    assertEquals(0, out.flushTo(sink));
    assertEquals(1, sink.writes);
    assertEquals("MSG a 1 0 1234567890123\r\n", sink.text());
    assertEquals(0, out.queuedBytes());
  }

  @Test
  void aFlushWithNothingQueuedWritesNothing() {
    OutBuffer out = new OutBuffer();
    RecordingSink sink = new RecordingSink();
    sink.backlog = 99;
    assertEquals(0, out.flushTo(sink));
    assertEquals(0, sink.writes);
    assertEquals(0, out.pendingBytes(), "the backlog is read only after a write");
  }

  @Test
  void pendingBytesAreQueuedBytesPlusTheSocketBacklogOfTheLastFlush() {
    OutBuffer out = new OutBuffer();
    RecordingSink sink = new RecordingSink();
    out.append(new byte[100]);
    sink.backlog = 60;
    assertEquals(60, out.flushTo(sink), "the kernel took 40 of the 100");
    assertEquals(60, out.pendingBytes());
    out.append(new byte[50]);
    assertEquals(50, out.queuedBytes());
    assertEquals(110, out.pendingBytes());
    assertFalse(out.overLimit(110));
    assertTrue(out.overLimit(109));
    sink.backlog = 0;
    assertEquals(0, out.flushTo(sink));
    assertEquals(0, out.pendingBytes());
  }

  @Test
  void discardDropsQueuedBytesAndDrainWritesWithoutReadingTheBacklog() {
    OutBuffer out = new OutBuffer();
    RecordingSink sink = new RecordingSink();
    out.append(ascii("lost"));
    out.discard();
    assertEquals(0, out.queuedBytes());
    out.append(ascii("+OK\r\n"));
    sink.backlog = 1000;
    out.drainTo(sink);
    assertEquals("+OK\r\n", sink.text());
    assertEquals(0, out.pendingBytes(), "drain does not read the socket backlog");
    out.drainTo(sink);
    assertEquals(1, sink.writes, "nothing queued: no write");
  }

  @Test
  void growsAsNeededAndHalvesAfterSeveralLightlyUsedFlushesInARow() {
    OutBuffer out = new OutBuffer(16);
    RecordingSink sink = new RecordingSink();
    byte[] big = new byte[OutBuffer.SHRINK_ABOVE * 2];
    big[big.length - 1] = 7;
    out.append(big);
    int grown = out.capacity();
    assertTrue(grown >= big.length);
    out.flushTo(sink);
    assertEquals(grown, out.capacity(), "a well-used flush keeps the array");
    assertArrayEquals(big, sink.written.toByteArray());
    for (int i = 1; i < OutBuffer.SHRINK_AFTER; i++) {
      out.append(new byte[10]);
      out.flushTo(sink);
      assertEquals(grown, out.capacity(), "under-used flush " + i + " keeps the array");
    }
    // A well-used flush starts the count again: a steady load that alternates never shrinks.
    out.append(big);
    out.flushTo(sink);
    for (int i = 1; i < OutBuffer.SHRINK_AFTER; i++) {
      out.append(new byte[10]);
      out.flushTo(sink);
    }
    assertEquals(grown, out.capacity(), "the count restarted after the well-used flush");
    out.append(new byte[10]);
    out.flushTo(sink);
    assertEquals(grown / 2, out.capacity(), "enough under-used flushes in a row halve it");
  }
}
