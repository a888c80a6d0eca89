package dev.beacon.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.ssl.SslHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

import javax.net.ssl.SSLSession;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place that touches Vert.x's internal socket API and Netty. Why: the public NetSocket
 * copies every read into a new heap Buffer and creates a Future per write; measured on this broker, that
 * cost 10-20% of publish throughput and 0.8-1.3 GB resident memory. Here
 * reads arrive as Netty ByteBufs and are parsed from a reused array, and each flush is one
 * writeAndFlush with a void promise. Everything else in the broker sees only this class. A read
 * in Netty's direct memory is handed over as an {@link In}: the reader copies it into the reused
 * array in pieces and can skip bytes it would drop (a payload nothing is interested in) without
 * copying them at all.
 *
 * <p>A socket may live on another event loop than the broker's owning context (event-loops > 1):
 * then each read chunk (the ByteBuf itself, no copy), the close and any error are handed to the
 * owner in arrival order, and writes from the owner go through Netty, which runs them on the
 * socket's own loop. With one event loop everything runs inline. Chunks handed over and not yet
 * parsed are bounded ({@link #MAX_IN_FLIGHT}): past it the socket stops reading until the owner
 * catches up, so a fast client cannot queue unbounded work on the owner.
 *
 * <p>Flow control, both directions: {@link #pauseReads}/{@link #resumeReads} stop and restart reading
 * this socket (a stalled publisher); and the socket's write backlog has a water mark at
 * {@code drainMark} bytes (half of max-pending): when the backlog, having passed it, falls below it
 * again, {@link Reader#onDrained} runs on the owner (a stalled consumer drained).
 *
 * <p>TLS is Netty's SslHandler put first in this channel's pipeline ({@link #startTls}): reads then
 * arrive decrypted and writes through {@code ctx} are encrypted, so the rest of this class, and the
 * plaintext hot path, are the same with and without TLS.
 */
final class Wire implements OutBuffer.Sink {

  /** Receives socket events on the broker's owning context; the array is only valid during onData. */
  interface Reader {
    void onData(byte[] b, int off, int len);

    /** A read chunk outside the heap: copy it out in pieces ({@link In#next}) or skip them; valid during the call only. */
    void onData(In in);

    void onClose();

    void onError(Throwable e);

    /** The TLS handshake ended: {@code session} on success, else {@code failure}. */
    void onTls(SSLSession session, Throwable failure);

    /** The write backlog fell below the drain mark after having passed it. */
    void onDrained();
  }

  /**
   * Where the copies of outbound bytes come from: Netty's pooled allocator, not the channel's own
   * (Netty 4.2's adaptive allocator, which Vert.x uses). A write stays queued for as long as its peer
   * does not read, and the adaptive allocator carves buffers out of shared chunks that are reused
   * only once every buffer in them was released: a few peers that never read pin chunks full of
   * bytes long since written to everyone else. Measured from bin/broker with -Xmx256m, 30
   * never-readers and one 1 KiB publisher: direct memory reached its limit (253 MiB) while the
   * pending total stood at its 62 MiB budget, and the broker failed allocations (OutOfMemoryError
   * on the event loop, the publisher, monitoring and healthy clients cut). The pooled allocator
   * frees each buffer's own pages: 90 MiB at the same point, so max-pending-total bounds the
   * memory the writes hold (HostileLoadProcessIT).
   */
  private static final ByteBufAllocator OUTBOUND = PooledByteBufAllocator.DEFAULT;

  /** Most bytes read from a socket on another loop and not yet parsed by the owner. */
  static final int MAX_IN_FLIGHT = 1 << 20;

  /** A reusable read array used on the owning context. */
  static final class Scratch {
    byte[] buf = new byte[64 * 1024];
    final In in = new In(this);
  }

  /**
   * A read chunk in Netty's memory, handed over piece by piece: each {@link #next} copies the
   * following bytes to the start of the reused array ({@link #array}, valid until the next call),
   * {@link #skip} passes bytes without copying them. One per {@link Scratch}, reused for every read.
   */
  static final class In {
    private final Scratch scratch;
    private ByteBuf buf;
    private int pos;
    private int end;

    private In(Scratch scratch) {
      this.scratch = scratch;
    }

    /** Bytes not yet copied or skipped. */
    int remaining() {
      return end - pos;
    }

    /** The array {@link #next} copies into. */
    byte[] array() {
      return scratch.buf;
    }

    /** Copies the next min(n, remaining) bytes to the start of {@link #array}; returns how many. */
    int next(int n) {
      int m = Math.min(n, end - pos);
      if (scratch.buf.length < m) {
        scratch.buf = new byte[Integer.highestOneBit(m) << 1];
      }
      buf.getBytes(pos, scratch.buf, 0, m);
      pos += m;
      return m;
    }

    /** Passes the next n bytes (at most {@link #remaining}) without copying them. */
    void skip(int n) {
      pos += n;
    }
  }

  private final NetSocketInternal socket;
  private final ChannelHandlerContext ctx;
  private final Scratch scratch;
  private final Context owner;
  private final boolean inline;
  private Reader reader;
  private boolean closing;
  /** Reads stopped by the owner (stalled publisher); read on the socket's loop. */
  private volatile boolean readsPaused;
  /** event-loops > 1: bytes handed to the owner and not yet parsed. */
  private final AtomicInteger inFlight;
  private final Runnable applyAutoRead = this::applyAutoRead;
  /** event-loops > 1, on the owner: reads paused; chunks that were already on their way wait in {@link #held}. */
  private boolean ownerPaused;
  private ArrayDeque<ByteBuf> held;
  /** A flush of this channel is queued on its event loop (touched only on that loop). */
  private boolean flushQueued;
  private final Runnable flushTask = this::flushNow;

  /**
   * Call on the socket's own context (the connect handler); events go to {@code owner}. {@code
   * drainMark}: write backlog in bytes below which {@link Reader#onDrained} fires (after passing it).
   */
  Wire(NetSocket s, Scratch scratch, Context owner, int drainMark) {
    this.socket = (NetSocketInternal) s;
    this.ctx = socket.channelHandlerContext();
    this.scratch = scratch;
    this.owner = owner;
    this.inline = Vertx.currentContext() == owner;
    this.inFlight = inline ? null : new AtomicInteger();
    int mark = Math.max(1, drainMark);
    ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(mark, mark));
    ctx.pipeline().addBefore(ctx.name(), "beacon-drain", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelWritabilityChanged(ChannelHandlerContext c) {
        if (c.channel().isWritable()) {
          onOwner(() -> reader.onDrained());
        }
        c.fireChannelWritabilityChanged();
      }
    });
    socket.messageHandler(msg -> {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
      } else if (inline) {
        read(buf);
      } else {
        int n = buf.readableBytes();
        if (inFlight.addAndGet(n) > MAX_IN_FLIGHT) {
          applyAutoRead();
        }
        owner.runOnContext(v -> {
          if (ownerPaused || (held != null && !held.isEmpty())) {
            hold(buf);
          } else {
            readHandedOver(buf);
          }
        });
      }
    });
    socket.closeHandler(v -> onOwner(() -> {
      releaseHeld();
      reader.onClose();
    }));
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
        In in = scratch.in;
        in.buf = buf;
        in.pos = buf.readerIndex();
        in.end = in.pos + n;
        try {
          reader.onData(in);
        } finally {
          in.buf = null;
        }
      }
    } finally {
      buf.release();
    }
  }

  /**
   * Writes {@code b} (if any) and then puts {@code tls} first in the pipeline, both in one task on the
   * socket's loop, so what is written here goes out in clear text and every byte read afterwards goes
   * through TLS (nats-server: INFO in clear, then the handshake). Call on the owner, or on the socket's
   * loop before its first read (TLS first). The outcome arrives as {@link Reader#onTls}.
   */
  void startTls(byte[] b, SslHandler tls) {
    Runnable start = () -> {
      if (b != null && b.length > 0) {
        ByteBuf out = ctx.alloc().directBuffer(b.length);
        out.writeBytes(b);
        ctx.writeAndFlush(out, ctx.voidPromise());
      }
      ctx.pipeline().addFirst("tls", tls);
      tls.handshakeFuture().addListener(f -> {
        SSLSession session = f.isSuccess() ? tls.engine().getSession() : null;
        Throwable failure = f.isSuccess() ? null : f.cause();
        onOwner(() -> reader.onTls(session, failure));
      });
    };
    if (ctx.executor().inEventLoop()) {
      start.run();
    } else {
      ctx.executor().execute(start);
    }
  }

  /** The allocator of this socket's channel (for a new SslHandler). */
  io.netty.buffer.ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  /** event-loops > 1: parses a chunk handed over by the socket's loop and lets that loop read more. */
  private void readHandedOver(ByteBuf buf) {
    int n = buf.readableBytes();
    read(buf);
    int left = inFlight.addAndGet(-n);
    if (left <= MAX_IN_FLIGHT && left + n > MAX_IN_FLIGHT) {
      ctx.executor().execute(applyAutoRead);
    }
  }

  private void hold(ByteBuf buf) {
    if (closing) {
      inFlight.addAndGet(-buf.readableBytes());
      buf.release();
      return;
    }
    if (held == null) {
      held = new ArrayDeque<>();
    }
    held.add(buf);
  }

  /** On the owner, in a task of its own: parses held chunks until none is left or reads pause again. */
  private void drainHeld() {
    while (!ownerPaused && held != null && !held.isEmpty()) {
      readHandedOver(held.poll());
    }
  }

  private void releaseHeld() {
    if (held != null) {
      ByteBuf b;
      while ((b = held.poll()) != null) {
        inFlight.addAndGet(-b.readableBytes());
        b.release();
      }
    }
  }

  /**
   * Stops reading this socket after the current chunk (call on the owner). With the socket on
   * another loop, chunks it already handed over wait unparsed until {@link #resumeReads}.
   */
  void pauseReads() {
    ownerPaused = true;
    readsPaused = true;
    autoReadChanged();
  }

  /** Reads again after {@link #pauseReads} (call on the owner; held chunks are parsed in a later task). */
  void resumeReads() {
    ownerPaused = false;
    readsPaused = false;
    if (held != null && !held.isEmpty()) {
      owner.runOnContext(v -> drainHeld());
    }
    autoReadChanged();
  }

  private void autoReadChanged() {
    if (inline) {
      applyAutoRead();
    } else {
      ctx.executor().execute(applyAutoRead);
    }
  }

  /** On the socket's loop: read unless paused by the owner or too much is in flight to it. */
  private void applyAutoRead() {
    boolean want = !readsPaused && (inFlight == null || inFlight.get() <= MAX_IN_FLIGHT);
    if (ctx.channel().config().isAutoRead() != want) {
      ctx.channel().config().setAutoRead(want);
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
    ByteBuf out = OUTBOUND.directBuffer(len);
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

  /** Writes (buffers) not yet wholly taken by the kernel. */
  int pendingChunks() {
    ChannelOutboundBuffer ob = ctx.channel().unsafe().outboundBuffer();
    return ob == null ? 0 : ob.size();
  }

  /** Closes once what was written so far is flushed (or at once if the channel is gone). */
  void closeAfterFlush() {
    if (closing) {
      return;
    }
    closing = true;
    releaseHeld();
    ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Closes now, dropping anything unsent. The close starts at Vert.x's own handler context and goes
   * to the transport: NetSocket.close() (and a close from the pipeline's tail, which Vert.x's handler
   * sees) waits until every queued byte is written, so a slow consumer that never reads would keep its
   * socket, and the bytes queued for it, after being cut (SlowConsumerCloseTest).
   */
  void closeNow() {
    closing = true;
    releaseHeld();
    ctx.close();
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
