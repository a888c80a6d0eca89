package dev.beacon.broker.nsq;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

import java.util.function.LongConsumer;

/**
 * One NSQ socket's output: collects the writes of one event-loop task and writes them once at its
 * end. A consumer whose unread output passes {@code maxPending} bytes is closed. The bytes handed to
 * the socket and not yet taken by it (a write's future completes when the socket took it) are told
 * to {@code total}, the broker's pending total; they stop counting when the socket closes. A
 * consumer closed for what it did not read is closed at once, its unsent bytes dropped. Runs on the
 * broker's context.
 */
final class NsqSocketOut implements NsqConnection.Out, NsqListener.Pending {
  private final NetSocket socket;
  private final Context context;
  private final int maxPending;
  private final String name;
  private final LongConsumer total;
  private Buffer pending;
  private boolean closing;
  private boolean socketClosed;
  /** Written to the socket, not taken by it yet. */
  private long unsent;
  /** No longer counted: the socket closed or was cut. */
  private boolean released;

  NsqSocketOut(NetSocket socket, Context context, int maxPending, String name, LongConsumer total) {
    this.socket = socket;
    this.context = context;
    this.maxPending = maxPending;
    this.name = name;
    this.total = total;
    socket.setWriteQueueMaxSize(maxPending);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    if (closing || socketClosed) {
      return;
    }
    if (pending == null) {
      pending = Buffer.buffer(Math.max(256, len));
      context.runOnContext(v -> flush());
    } else if (pending.length() + (long) len > maxPending) {
      // one task's output alone is past max-pending: the consumer's RDY asked for more than it
      // may have queued; closed now, as the flush would close it, without holding the bytes
      pending = null;
      closing = true;
      closeNow();
      return;
    }
    pending.appendBytes(b, off, len);
  }

  private void flush() {
    Buffer b = pending;
    pending = null;
    if (b == null || socketClosed) {
      return;
    }
    int n = b.length();
    count(n);
    socket.write(b).onComplete(ar -> {
      if (!released) {
        count(-n);
      }
    });
    if (closing) {
      socket.close();
    } else if (socket.writeQueueFull()) {
      // a consumer that does not read what its RDY asked for
      closing = true;
      closeNow();
    }
  }

  private void count(long delta) {
    unsent += delta;
    total.accept(delta);
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    if (pending == null) {
      socket.close();
    }
  }

  /** The socket closed: what it had not taken stops counting. */
  void socketClosed() {
    socketClosed = true;
    release();
  }

  private void release() {
    if (!released) {
      released = true;
      total.accept(-unsent);
      unsent = 0;
    }
  }

  @Override
  public long bytes() {
    return unsent;
  }

  @Override
  public void cut() {
    pending = null;
    closing = true;
    release();
    closeNow();
  }

  /**
   * Closes the channel at once, dropping what the peer has not taken. NetSocket's close (and a close
   * through the whole pipeline) waits for every queued byte to be written, which a peer that does
   * not read never allows; closing from Vert.x's own handler context does not wait.
   */
  private void closeNow() {
    ((NetSocketInternal) socket).channelHandlerContext().close();
  }

  @Override
  public String toString() {
    return "nsq " + name;
  }
}
