package dev.beacon.lookupd;

import dev.beacon.common.Log;
import dev.beacon.common.OutOfMemoryExit;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * One nsqd connection on the TCP listener: the socket's reads go through a {@link FrameParser}
 * (the magic, command lines, IDENTIFY bodies) to its {@link LookupProtocol}, whose answers go back
 * as frames (4-byte big-endian length, payload). A peer that does not read its answers is paused
 * once {@link #WRITE_QUEUE_MAX} bytes wait. On close the peer leaves the registry. Runs on the
 * daemon's event loop.
 */
final class TcpConnection implements LookupProtocol.Wire {
  /** Unacknowledged reply bytes per connection before we stop reading from it (a peer that does not read). */
  static final int WRITE_QUEUE_MAX = 64 * 1024;

  private final NetSocket socket;
  private final String remote;
  private final LookupProtocol protocol;
  private final FrameParser parser;
  private final Log log;

  /**
   * Takes over {@code socket}: sets its handlers and counts it open in {@code metrics} until it closes.
   *
   * @param remote the peer id (see {@link Lookupd#peerId})
   * @param log null for the daemon's own warm-up connection, which logs nothing
   */
  TcpConnection(NetSocket socket, String remote, RegistrationDb db, Lookupd.Answers answers, LookupdOptions options,
      Metrics metrics, Log log) {
    this.socket = socket;
    this.log = log;
    this.remote = remote;
    metrics.tcpConnections++;
    metrics.tcpConnectionsTotal++;
    if (log != null) {
      log.info("TCP: new client(" + remote + ")");
    }
    socket.setWriteQueueMaxSize(WRITE_QUEUE_MAX);
    protocol = new LookupProtocol(db, answers.identify(), answers.secret(), answers.refused(), remote, this, metrics,
        options.maxRegistrationsPerPeer());
    parser = new FrameParser(protocol, options.maxLineSize(), options.maxIdentifySize());
    protocol.parser(parser);
    socket.handler(parser::feed);
    // End of input (a half-close, or EOF): report a half-read IDENTIFY, then close as nsqlookupd does.
    Runnable inputEnded = () -> {
      parser.end();
      socket.end();
    };
    if (!HalfClose.enable(socket, inputEnded)) {
      socket.endHandler(v -> parser.end());
    }
    socket.exceptionHandler(e -> {
      OutOfMemoryExit.check(e); // with -XX:+ExitOnOutOfMemoryError, as on the event loop
      if (log != null) {
        log.debug("client(" + remote + "): " + e.getMessage());
      }
    });
    socket.closeHandler(v -> {
      metrics.tcpConnections--;
      PeerInfo peer = protocol.peer();
      protocol.closed();
      if (log != null) {
        log.info("CLIENT(" + remote + "): closing" + (peer == null ? "" : ", removed its registrations"));
      }
    });
  }

  @Override
  public void send(byte[] payload) {
    socket.write(frame(payload));
    if (socket.writeQueueFull()) {
      socket.pause();
      socket.drainHandler(v -> socket.resume());
    }
  }

  @Override
  public void close() {
    socket.end();
  }

  @Override
  public void unauthorized(String reason) {
    if (log != null) {
      log.warn("CLIENT(" + remote + "): " + reason + ": identified but not registered, its REGISTERs are refused");
    }
  }

  String remote() {
    return remote;
  }

  /**
   * A connection beyond max-connections: one framed E_TOO_MANY_CONNECTIONS, then close. Nothing it
   * sends is read, and it never gets a protocol.
   */
  static void refuse(NetSocket socket, int maxConnections) {
    String error = LookupProtocolException.fatal(Errors.E_TOO_MANY_CONNECTIONS, Errors.tooManyConnections(maxConnections))
        .wire();
    socket.handler(ignored -> { });
    socket.write(frame(error.getBytes(StandardCharsets.ISO_8859_1)));
    socket.end();
  }

  /** One answer frame: 4-byte big-endian length, then the payload. */
  static Buffer frame(byte[] payload) {
    return Buffer.buffer(4 + payload.length).appendInt(payload.length).appendBytes(payload);
  }
}
