package dev.beacon.broker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * The one place that touches Vert.x's internal socket API and Netty. Why: the public NetSocket
 * copies every read into a new heap Buffer and creates a Future per write; measured on this broker's
 * design (STYLE.md) that cost 10-20% of publish throughput and 0.8-1.3 GB resident memory. Here
 * reads arrive as Netty ByteBufs and are parsed from a reused array, and each flush is one
 * writeAndFlush with a void promise. Everything else in the broker sees only this class.
 */
final class Wire {

  /** Receives each chunk read from the socket; the array is only valid during the call. */
  interface Reader {
    void onData(byte[] b, int off, int len);
  }

  /** A reusable read array shared by the connections of one event loop. */
  static final class Scratch {
    byte[] buf = new byte[64 * 1024];
  }

  private final NetSocketInternal socket;
  private final ChannelHandlerContext ctx;
  private boolean closing;

  Wire(NetSocket s, Scratch scratch, Reader reader) {
    this.socket = (NetSocketInternal) s;
    this.ctx = socket.channelHandlerContext();
    socket.messageHandler(msg -> {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
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
    });
  }

  NetSocket socket() {
    return socket;
  }

  /** Writes b[off, off+len) and flushes; no Future is created. */
  void write(byte[] b, int off, int len) {
    if (closing || len == 0) {
      return;
    }
    ByteBuf out = ctx.alloc().directBuffer(len);
    out.writeBytes(b, off, len);
    ctx.writeAndFlush(out, ctx.voidPromise());
  }

  /** Bytes written but not yet taken by the kernel. */
  long pendingBytes() {
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
