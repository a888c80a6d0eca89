package dev.beacon.lookupd;

import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannelConfig;
import io.vertx.core.net.NetSocket;
import io.vertx.core.internal.net.NetSocketInternal;

/**
 * The one place that reaches below Vert.x's public socket API. A peer that shuts down its sending
 * side (half-close) must still get the error frame nsqlookupd would write it, for example
 * E_BAD_BODY after a truncated IDENTIFY. Vert.x's public NetSocket closes the whole connection
 * on end of input, so here we switch Netty's half-closure on for the channel and get told when
 * the input ends. If the internal API is not there, the socket keeps Vert.x's default.
 */
final class HalfClose {
  private HalfClose() {}

  /** Calls {@code onInputShutdown} when the peer half-closes; returns false if not supported. */
  static boolean enable(NetSocket socket, Runnable onInputShutdown) {
    if (!(socket instanceof NetSocketInternal internal)) {
      return false;
    }
    if (!(internal.channelHandlerContext().channel().config() instanceof SocketChannelConfig config)) {
      return false;
    }
    config.setAllowHalfClosure(true);
    internal.eventHandler(event -> {
      if (event instanceof ChannelInputShutdownEvent) {
        onInputShutdown.run();
      }
    });
    return true;
  }
}
