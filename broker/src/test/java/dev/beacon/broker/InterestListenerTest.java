package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The contract with discovery: one call per local subscription added/removed, on the owning context. */
@Timeout(20)
class InterestListenerTest {

  @Test
  void everyAddAndRemoveIsReportedOnceOnTheBrokerContext() throws Exception {
    try (RunningBroker b = RunningBroker.start()) {
      List<String> events = new CopyOnWriteArrayList<>();
      b.onContext(() -> {
        b.broker.discoveryHost().addInterestListener((subject, queue, added) -> {
          if (io.vertx.core.Vertx.currentContext() != b.broker.context()) {
            events.add("WRONG CONTEXT");
          }
          events.add((added ? "+" : "-") + subject + (queue == null ? "" : "/" + queue));
        });
        return null;
      });
      try (RawConn c = RawConn.connect(b.port())) {
        c.send("SUB a 1\r\nSUB a 2\r\nSUB b q 3\r\nSUB dup 4\r\nSUB dup 4\r\nSUB bad..x 5\r\nPING\r\n");
        c.expectErr(Protocol.ERR_INVALID_SUBJECT);
        c.expect("PONG\r\n");
        c.send("UNSUB 1\r\nSUB m 6\r\nUNSUB 6 1\r\nPUB m 1\r\nx\r\nPING\r\n").expect("MSG m 6 1\r\nx\r\nPONG\r\n");
      }
      await(b, events, 10);
      List<String> left = new ArrayList<>();
      b.onContext(() -> {
        b.broker.discoveryHost().localInterest().forEachSubject((s, q) -> left.add(s));
        return null;
      });
      assertEquals(List.of(), left);
      List<String> adds = events.stream().filter(e -> e.startsWith("+")).toList();
      List<String> removes = events.stream().filter(e -> e.startsWith("-")).toList();
      assertEquals(List.of("+a", "+a", "+b/q", "+dup", "+m"), adds);
      assertEquals(5, removes.size(), events.toString());
      assertTrue(removes.containsAll(List.of("-a", "-b/q", "-dup", "-m")));
      assertTrue(!events.contains("WRONG CONTEXT"));
    }
  }

  @Test
  void theLocalInterestViewShowsCurrentInterest() throws Exception {
    try (RunningBroker b = RunningBroker.start(); RawConn c = RawConn.connect(b.port())) {
      c.send("SUB x 1\r\nSUB y g 2\r\nPING\r\n").expect("PONG\r\n");
      List<String> seen = b.onContext(() -> {
        List<String> l = new ArrayList<>();
        LocalInterestView view = b.broker.discoveryHost().localInterest();
        view.forEachSubject((s, queues) -> l.add(s + "/" + queues));
        l.add("hasQueue(y,g)=" + view.hasQueue("y", "g") + " hasSubject(z)=" + view.hasSubject("z"));
        return l;
      });
      assertEquals(3, seen.size(), seen.toString());
      assertTrue(seen.containsAll(List.of("x/[]", "y/[g]", "hasQueue(y,g)=true hasSubject(z)=false")), seen.toString());
    }
  }

  private static void await(RunningBroker b, List<String> events, int n) {
    b.await(java.time.Duration.ofSeconds(5), () -> events.size() >= n);
  }
}
