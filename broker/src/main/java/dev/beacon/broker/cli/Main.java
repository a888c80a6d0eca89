package dev.beacon.broker.cli;

import dev.beacon.broker.Broker;
import dev.beacon.broker.BrokerOptions;
import dev.beacon.broker.discovery.LookupdDiscovery;

import dev.beacon.common.CommandLine;
import dev.beacon.common.ExitCodes;
import dev.beacon.common.NativeHeapTrim;
import dev.beacon.common.NettyWarmup;
import dev.beacon.common.OutOfMemoryExit;
import dev.beacon.common.ShutdownLogging;
import dev.beacon.common.SpinningTransport;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.util.concurrent.TimeUnit;

/**
 * Command-line entry point: flags -> config -> {@link Broker} with {@link LookupdDiscovery} on one
 * event loop; SIGTERM stops it gracefully. The one place that wires the core to discovery.
 */
public final class Main {
  private Main() {}

  static String version() {
    return CommandLine.versionOf(Broker.class, "0.1.0");
  }

  public static void main(String[] args) throws Exception {
    ShutdownLogging.install();
    NettyWarmup.beforeNetty();
    CommandLine.Result result = new CommandLine("broker", "broker", version()).parse(args);
    if (result instanceof CommandLine.Exit exit) {
      (exit.status() == 0 ? System.out : System.err).println(exit.text());
      System.exit(exit.status());
      return;
    }
    BrokerOptions options;
    try {
      options = BrokerOptions.from(((CommandLine.Run) result).config());
    } catch (RuntimeException e) {
      System.err.println("broker: " + e.getMessage());
      System.exit(ExitCodes.BAD_SETTING);
      return;
    }
    // One event loop owns all broker state; event-loops > 1 adds loops for client socket I/O.
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(options.eventLoops()).setWorkerPoolSize(1))
        .withTransport(SpinningTransport.of(options.eventLoopSpin()))
        .build();
    // What no handler caught, which Vert.x would only log: an OutOfMemoryError ends the process.
    vertx.exceptionHandler(e -> {
      OutOfMemoryExit.check(e);
      System.err.println("broker: unhandled exception on an event loop:");
      e.printStackTrace();
    });
    Broker broker = new Broker(options, LookupdDiscovery::new);
    try {
      vertx.deployVerticle(broker).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
      System.err.println("broker: " + cause.getMessage());
      vertx.close();
      System.exit(ExitCodes.START_FAILURE);
      return;
    }
    reloadOnHangup(args, broker);
    NativeHeapTrim.start(options.nativeTrimInterval(), msg -> System.err.println("broker: " + msg));
    System.out.println("broker: ready, server_id " + broker.serverId() + ", clients on " + options.listen().host() + ":"
        + broker.clientPort() + ", monitoring on " + options.http().host() + ":" + broker.httpPort()
        + (options.clustered() ? ", routes on " + options.cluster().host() + ":" + broker.clusterPort() : ", routes off"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(options.lameDuckDuration().toMillis() + options.shutdownGrace().toMillis() + 5000,
            TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.err.println("broker: shutdown: " + e.getMessage());
      } finally {
        ShutdownLogging.resetAtLastExit();
      }
    }, "broker-shutdown"));
  }

  /**
   * SIGHUP, as nats-server's reload: the command line and its --config file are read again and the
   * users, token and permissions in {@code broker.auth} replace the running ones; other settings
   * keep their start-up values. A configuration that does not read leaves everything as it was.
   */
  private static void reloadOnHangup(String[] args, Broker broker) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
        // The JVM's signal thread has no context class loader, which the config library needs.
        Thread.currentThread().setContextClassLoader(Main.class.getClassLoader());
        reload(args, broker);
      });
    } catch (IllegalArgumentException e) {
      System.err.println("broker: no SIGHUP reload on this platform: " + e.getMessage());
    }
  }

  static void reload(String[] args, Broker broker) {
    BrokerOptions next;
    try {
      CommandLine.Result result = new CommandLine("broker", "broker", version()).parse(args);
      if (!(result instanceof CommandLine.Run run)) {
        System.err.println("broker: reload failed: " + ((CommandLine.Exit) result).text().strip());
        return;
      }
      next = BrokerOptions.from(run.config());
    } catch (RuntimeException e) {
      System.err.println("broker: reload failed, configuration unchanged: " + e.getMessage());
      return;
    }
    broker.context().runOnContext(v -> {
      broker.reloadAuth(next.auth());
      System.err.println("broker: reloaded users and permissions (" + next.auth().users().size() + " users"
          + (next.auth().token().isEmpty() ? "" : ", token") + ")");
    });
  }
}
