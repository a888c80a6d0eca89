import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The resident-memory floor of the platform the broker is built on, for tools/jvm-floor:
 * "plain" is a JVM that only sleeps; otherwise a Vert.x 5 TCP echo server on one event loop
 * (args: host port), the least a Vert.x network daemon can be.
 */
public class JvmFloor {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("plain")) {
      System.out.println("ready");
      Thread.sleep(Long.MAX_VALUE);
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    vertx.createNetServer().connectHandler(s -> s.handler(s::write)).listen(Integer.parseInt(args[1]), args[0]).await();
    System.out.println("ready");
    Thread.sleep(Long.MAX_VALUE);
  }
}
