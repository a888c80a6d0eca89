package dev.beacon.lookupd;

import dev.beacon.common.CommandLine;
import dev.beacon.common.ExitCodes;
import dev.beacon.common.NativeHeapTrim;
import dev.beacon.common.NettyWarmup;
import dev.beacon.common.OutOfMemoryExit;
import dev.beacon.common.SpinningTransport;
import io.vertx.core.Vertx;

/**
 * {@code java -jar lookupd.jar [--flag=value ...]}: a drop-in nsqlookupd v1.3.0. Prints one
 * ready line with the actual ports once both listeners accept; exits non-zero with one line when
 * the configuration is bad or a listener cannot bind.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    NettyWarmup.beforeNetty();
    CommandLine.Result result = new CommandLine("lookupd", "lookupd", CommandLine.versionOf(Main.class, "0.1.0")).parse(args);
    if (result instanceof CommandLine.Exit exit) {
      (exit.status() == 0 ? System.out : System.err).println(exit.text().stripTrailing());
      System.exit(exit.status());
      return;
    }
    LookupdOptions options;
    try {
      options = LookupdOptions.from(((CommandLine.Run) result).config());
    } catch (RuntimeException e) {
      System.err.println("lookupd: bad configuration: " + e.getMessage());
      System.exit(ExitCodes.BAD_SETTING);
      return;
    }
    Vertx vertx = Vertx.builder().withTransport(SpinningTransport.of(options.eventLoopSpin())).build();
    // What no handler caught, which Vert.x would only log: an OutOfMemoryError ends the process.
    vertx.exceptionHandler(e -> {
      OutOfMemoryExit.check(e);
      System.err.println("lookupd: unhandled exception on an event loop:");
      e.printStackTrace();
    });
    Lookupd lookupd = new Lookupd(options);
    try {
      vertx.deployVerticle(lookupd).await();
    } catch (Exception e) {
      System.err.println("lookupd: " + e.getMessage());
      vertx.close();
      System.exit(ExitCodes.START_FAILURE);
      return;
    }
    NativeHeapTrim.start(options.nativeTrimInterval(), msg -> System.err.println("lookupd: " + msg));
    System.out.println("lookupd: ready, tcp " + Lookupd.hostPort(options.tcpAddress().host(), lookupd.tcpPort())
        + " http " + Lookupd.hostPort(options.httpAddress().host(), lookupd.httpPort()));
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
    }, "lookupd-shutdown"));
  }
}
