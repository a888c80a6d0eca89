package dev.beacon.common;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.transport.Transport;

import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;

/**
 * Vert.x's NIO transport with event loops that poll their selector for a short while before
 * they block in {@code epoll_wait}, as Go's scheduler spins before it parks. On a virtual machine
 * a thread woken from {@code epoll_wait} costs tens of microseconds, and a request/reply round trip
 * over one connection pays that on every hop; polling for {@code spin} after the loop runs out of
 * work answers the next request without the wake-up. The spin ends at once when a socket is ready;
 * tasks and timers queued meanwhile wait at most {@code spin}, because Netty checks for tasks again
 * before it blocks. Costs up to {@code spin} of CPU each time the loop goes idle.
 *
 * <p>Between two polls the loop yields its core ({@code sched_yield}): on an idle machine that
 * returns at once and the loop keeps polling, but when another thread is runnable on that core (a
 * client on the same 2-core machine, whose reply the loop is waiting for) it runs first instead of
 * waiting for the spinner's time slice to end. A busy-wait hint in its place made nats.go's
 * request/reply round trip slower than with no spin at all on a loaded machine.
 */
public final class SpinningTransport implements Transport {
  private final Impl impl;

  private SpinningTransport(long spinNanos) {
    this.impl = new Impl(spinNanos);
  }

  /** Vert.x's default NIO transport for a zero spin, else one that spins that long. */
  public static Transport of(Duration spin) {
    return spin.isZero() || spin.isNegative() ? Transport.NIO : new SpinningTransport(spin.toNanos());
  }

  @Override
  public String name() {
    return "nio-spin";
  }

  @Override
  public boolean available() {
    return true;
  }

  @Override
  public Throwable unavailabilityCause() {
    return null;
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return impl;
  }

  /** The select strategy: poll until a socket is ready or the spin is over, then block. */
  static final class Spin implements SelectStrategy {
    private final long spinNanos;

    Spin(long spinNanos) {
      this.spinNanos = spinNanos;
    }

    @Override
    public int calculateStrategy(io.netty.util.IntSupplier selectNow, boolean hasTasks) throws Exception {
      int ready = selectNow.get();
      if (ready > 0 || hasTasks) {
        return ready;
      }
      long deadline = System.nanoTime() + spinNanos;
      do {
        Thread.yield();
        ready = selectNow.get();
        if (ready > 0) {
          return ready;
        }
      } while (System.nanoTime() - deadline < 0);
      return SELECT;
    }
  }

  private static final class Impl extends NioTransport {
    private final long spinNanos;

    Impl(long spinNanos) {
      this.spinNanos = spinNanos;
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return NioIoHandler.newFactory(SelectorProvider.provider(), () -> new Spin(spinNanos));
    }
  }
}
