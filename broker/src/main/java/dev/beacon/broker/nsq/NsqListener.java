package dev.beacon.broker.nsq;

import dev.beacon.common.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The NSQ TCP listener (--nsq-listen): accepts sockets on the broker's context and feeds them to
 * {@link NsqServer}. Writes made while one event-loop task runs (a read, a delivery, a tick) are
 * collected and written to the socket once at its end. Uses Vert.x's public socket API: NSQ
 * traffic is bounded by each consumer's RDY credit, so the per-read copy is not worth an adapter
 * over internals here. A client whose unread output passes {@code maxPending} bytes is closed; past
 * {@code maxConnections} NSQ connections a new one is closed at once. What the sockets have not
 * taken yet counts in the broker's pending total (max-pending-total) like a NATS client's.
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
  private final LongConsumer pendingTotal;
  private final Set<NsqSocketOut> outs = new LinkedHashSet<>();
  private NetServer net;
  private long timer = -1;
  /** Set in lame duck mode: the listening socket is closed, the connections are left to the broker. */
  private Future<Void> shutdown;

  /** One connection's share of the broker's pending total. */
  public interface Pending {
    /** Bytes written to the socket and not taken by it yet. */
    long bytes();

    /** Closes the connection at once, its bytes dropped and no longer counted. */
    void cut();
  }

  /**
   * Call on the broker's context; everything then runs on it. {@code batch} runs each read and tick
   * so that what they publish to NATS clients is flushed once. {@code pendingTotal} is told every
   * change of the bytes written to NSQ sockets and not yet taken by them (the broker's pending total).
   */
  public NsqListener(Vertx vertx, NsqServer server, HostPort address, int maxPending, int maxConnections,
                     Consumer<Runnable> batch, LongConsumer pendingTotal) {
    this.vertx = vertx;
    this.pendingTotal = pendingTotal;
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
    NsqSocketOut out = new NsqSocketOut(socket, context, maxPending, String.valueOf(socket.remoteAddress()), pendingTotal);
    NsqConnection conn = server.accept(String.valueOf(socket.remoteAddress()), out);
    outs.add(out);
    socket.handler(buf -> {
      byte[] b = buf.getBytes();
      batch.accept(() -> conn.read(b, 0, b.length));
    });
    socket.closeHandler(v -> {
      outs.remove(out);
      out.socketClosed();
      conn.socketClosed();
    });
    socket.exceptionHandler(e -> socket.close());
  }

  /**
   * The NSQ connections with bytes the socket has not taken yet (each counted in the broker's
   * pending total), for max-pending-total to cut the largest.
   */
  public List<Pending> pending() {
    List<Pending> out = new ArrayList<>();
    for (NsqSocketOut o : outs) {
      if (o.bytes() > 0) {
        out.add(o);
      }
    }
    return out;
  }
}
