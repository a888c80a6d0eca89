package dev.beacon.broker;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Actions on the monitoring port, for the console: POST /lameduck enters lame duck mode as SIGTERM
 * does with lame-duck-duration above 0, after which the broker stops (and its Vert.x instance
 * closes when nothing else is deployed in it, so a broker run from Main exits). Off unless
 * monitoring-actions is true; a request must carry {@value #CONFIRM_HEADER}: yes, which a plain
 * HTML form or a page of another origin cannot send.
 */
final class MonitorActions {
  static final String CONFIRM_HEADER = "X-Beacon-Confirm";

  private final Broker broker;
  private final boolean enabled;

  MonitorActions(Broker broker) {
    this.broker = broker;
    this.enabled = broker.options().monitoringActions();
  }

  void mount(Router r) {
    r.post("/lameduck").handler(this::lameDuck);
  }

  private static void answer(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private void lameDuck(RoutingContext ctx) {
    if (!enabled) {
      answer(ctx, 403, new JsonObject().put("error", "monitoring actions are off (start the broker with --monitoring-actions)"));
      return;
    }
    if (!"yes".equals(ctx.request().getHeader(CONFIRM_HEADER))) {
      answer(ctx, 403, new JsonObject().put("error", "an action needs the header " + CONFIRM_HEADER + ": yes"));
      return;
    }
    BrokerOptions o = broker.options();
    if (o.lameDuckDuration().isZero()) {
      answer(ctx, 409, new JsonObject().put("error", "lame duck mode is off (lame-duck-duration is 0s)"));
      return;
    }
    if (broker.lameDuck()) {
      answer(ctx, 200, new JsonObject().put("ldm", true).put("already", true));
      return;
    }
    broker.log("lame duck mode asked on the monitoring port by " + ctx.request().remoteAddress().hostAddress());
    // Answered first: the monitoring listener closes when the broker stops at the end.
    answer(ctx, 202, new JsonObject().put("ldm", true).put("duration_ms", o.lameDuckDuration().toMillis())
        .put("grace_period_ms", o.lameDuckGracePeriod().toMillis()));
    var vertx = broker.vertx();
    broker.lameDuckMode().onComplete(ar -> vertx.undeploy(broker.deploymentID()).onComplete(u -> {
      if (vertx.deploymentIDs().isEmpty()) {
        vertx.close();
      }
    }));
  }
}
