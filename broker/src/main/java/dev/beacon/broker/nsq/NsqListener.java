package dev.beacon.broker.nsq;

import dev.beacon.common.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The NSQ TCP listener (--nsq-listen): accepts sockets on the broker's context and feeds them to
 * {@link NsqServer}. Writes made while one event-loop task runs (a read, a delivery, a tick) are
 * collected and written to the socket once at its end. Uses Vert.x's public socket API: NSQ
 * traffic is bounded by each consumer's RDY credit, so the per-read copy is not worth an adapter
 * over internals here. A client whose unread output passes {@code maxPending} bytes is closed; past
 * {@code maxConnections} NSQ connections a new one is closed at once.
 */
public final class NsqListener {
  /** nsqd's queue scan interval: in-flight timeouts and deferred messages are checked this often. */
  static final long TICK_MS = 100;

  private final Vertx vertx;
  private final Context context;
  private final NsqServer server;
  private final HostPort address;
  private final int maxPending;
  private final int maxConnections;
  private final Consumer<Runnable> batch;
  private NetServer net;
  private long timer = -1;
  /** Set in lame duck mode: the listening socket is closed, the connections are left to the broker. */
  private Future<Void> shutdown;

  /**
   * Call on the broker's context; everything then runs on it. {@code batch} runs each read and tick
   * so that what they publish to NATS clients is flushed once.
   */
  public NsqListener(Vertx vertx, NsqServer server, HostPort address, int maxPending, int maxConnections,
                     Consumer<Runnable> batch) {
    this.vertx = vertx;
    this.maxConnections = maxConnections;
    this.batch = batch;
    this.context = vertx.getOrCreateContext();
    this.server = server;
    this.address = address;
    this.maxPending = maxPending;
  }

  /** Binds; completes with the bound port. */
  public Future<Integer> listen() {
    net = vertx.createNetServer(new NetServerOptions().setHost(address.host()).setPort(address.port())
        .setTcpNoDelay(true).setReuseAddress(true));
    net.connectHandler(this::accept);
    return net.listen().map(s -> {
      timer = vertx.setPeriodic(TICK_MS, id -> batch.accept(server::tick));
      return s.actualPort();
    }).recover(e -> Future.failedFuture(new IllegalStateException("listen " + address + " (nsq) failed: " + e.getMessage(), e)));
  }

  /**
   * Lame duck mode: stops accepting at once (the listening socket closes, as nsqd closes its TCP
   * listener on exit) and leaves the connections open, for the broker to close over the lame duck
   * period; any still open after {@code drainMs} are closed.
   */
  public void stopAccepting(long drainMs) {
    if (net != null && shutdown == null) {
      shutdown = net.shutdown(drainMs, TimeUnit.MILLISECONDS);
    }
  }

  /** Stops accepting and closes every NSQ connection. */
  public Future<Void> close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    server.closeAll();
    if (shutdown != null) {
      return shutdown;
    }
    return net == null ? Future.succeededFuture() : net.close();
  }

  private void accept(NetSocket socket) {
    if (server.connectionCount() >= maxConnections) {
      socket.close();
      return;
    }
    SocketOut out = new SocketOut(socket);
    NsqConnection conn = server.accept(String.valueOf(socket.remoteAddress()), out);
    socket.handler(buf -> {
      byte[] b = buf.getBytes();
      batch.accept(() -> conn.read(b, 0, b.length));
    });
    socket.closeHandler(v -> {
      out.socketClosed = true;
      conn.socketClosed();
    });
    socket.exceptionHandler(e -> socket.close());
  }

  /** Collects a task's writes and writes them once. */
  private final class SocketOut implements NsqConnection.Out {
    private final NetSocket socket;
    private Buffer pending;
    private boolean closing;
    boolean socketClosed;

    SocketOut(NetSocket socket) {
      this.socket = socket;
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
        socket.close();
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
      socket.write(b);
      if (closing) {
        socket.close();
      } else if (socket.writeQueueFull()) {
        // a consumer that does not read what its RDY asked for
        closing = true;
        socket.close();
      }
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
  }
}
