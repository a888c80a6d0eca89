package dev.beacon.broker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * The one place that touches Vert.x's internal socket API and Netty. Why: the public NetSocket
 * copies every read into a new heap Buffer and creates a Future per write; measured on this broker, that
 * cost 10-20% of publish throughput and 0.8-1.3 GB resident memory. Here
 * reads arrive as Netty ByteBufs and are parsed from a reused array, and each flush is one
 * writeAndFlush with a void promise. Everything else in the broker sees only this class.
 *
 * <p>A socket may live on another event loop than the broker's owning context (event-loops > 1):
 * then each read chunk (the ByteBuf itself, no copy), the close and any error are handed to the
 * owner in arrival order, and writes from the owner go through Netty, which runs them on the
 * socket's own loop. With one event loop everything runs inline.
 */
final class Wire implements OutBuffer.Sink {

  /** Receives socket events on the broker's owning context; the array is only valid during onData. */
  interface Reader {
    void onData(byte[] b, int off, int len);

    void onClose();

    void onError(Throwable e);
  }

  /** A reusable read array used on the owning context. */
  static final class Scratch {
    byte[] buf = new byte[64 * 1024];
  }

  private final NetSocketInternal socket;
  private final ChannelHandlerContext ctx;
  private final Scratch scratch;
  private final Context owner;
  private final boolean inline;
  private Reader reader;
  private boolean closing;
  /** A flush of this channel is queued on its event loop (touched only on that loop). */
  private boolean flushQueued;
  private final Runnable flushTask = this::flushNow;

  /** Call on the socket's own context (the connect handler); events go to {@code owner}. */
  Wire(NetSocket s, Scratch scratch, Context owner) {
    this.socket = (NetSocketInternal) s;
    this.ctx = socket.channelHandlerContext();
    this.scratch = scratch;
    this.owner = owner;
    this.inline = Vertx.currentContext() == owner;
    socket.messageHandler(msg -> {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
      } else if (inline) {
        read(buf);
      } else {
        owner.runOnContext(v -> read(buf));
      }
    });
    socket.closeHandler(v -> onOwner(() -> reader.onClose()));
    socket.exceptionHandler(e -> onOwner(() -> reader.onError(e)));
  }

  /** Attaches the connection that receives the events; call on the owner before any event runs. */
  void attach(Reader r) {
    this.reader = r;
  }

  private void onOwner(Runnable r) {
    if (inline) {
      r.run();
    } else {
      owner.runOnContext(v -> r.run());
    }
  }

  private void read(ByteBuf buf) {
    try {
      int n = buf.readableBytes();
      if (buf.hasArray()) {
        reader.onData(buf.array(), buf.arrayOffset() + buf.readerIndex(), n);
      } else {
        if (scratch.buf.length < n) {
          scratch.buf = new byte[Integer.highestOneBit(n) << 1];
        }
        buf.getBytes(buf.readerIndex(), scratch.buf, 0, n);
        reader.onData(scratch.buf, 0, n);
      }
    } finally {
      buf.release();
    }
  }

  /** The event loop this socket's I/O runs on. */
  Object loop() {
    return ctx.executor();
  }

  NetSocket socket() {
    return socket;
  }

  /**
   * Queues b[off, off+len) on the channel and flushes it once the event loop has handled every
   * socket that was ready in this pass; no Future is created. A publisher's chunk may carry one
   * message (a request, a small publish): flushing per chunk cost one write syscall and one TCP
   * segment per chunk for each receiver, while one flush per pass sends what every connection
   * read in that pass queued for it in one gathering write.
   */
  @Override
  public void write(byte[] b, int off, int len) {
    if (closing || len == 0) {
      return;
    }
    ByteBuf out = ctx.alloc().directBuffer(len);
    out.writeBytes(b, off, len);
    ctx.write(out, ctx.voidPromise());
    if (ctx.executor().inEventLoop()) {
      if (!flushQueued) {
        flushQueued = true;
        ctx.executor().execute(flushTask);
      }
    } else {
      // Another loop owns this socket (event-loops > 1): the write above became a task on it, and
      // so does this flush, after it.
      ctx.executor().execute(flushTask);
    }
  }

  private void flushNow() {
    flushQueued = false;
    ctx.flush();
  }

  /** Bytes written but not yet taken by the kernel. */
  @Override
  public long pendingBytes() {
    ChannelOutboundBuffer ob = ctx.channel().unsafe().outboundBuffer();
    return ob == null ? 0 : ob.totalPendingWriteBytes();
  }

  /** Closes once what was written so far is flushed (or at once if the channel is gone). */
  void closeAfterFlush() {
    if (closing) {
      return;
    }
    closing = true;
    ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
  }

  /** Closes now, dropping anything unsent. */
  void closeNow() {
    closing = true;
    socket.close();
  }

  boolean isClosing() {
    return closing;
  }

  String remoteHost() {
    return socket.remoteAddress() == null ? "" : socket.remoteAddress().hostAddress();
  }

  int remotePort() {
    return socket.remoteAddress() == null ? 0 : socket.remoteAddress().port();
  }
}
