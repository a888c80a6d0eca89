package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits and timers that need their own broker settings: connections, stale, auth. */
@Timeout(30)
class LimitsTest {

  @Test
  void maxConnectionsSendsInfoThenErrAndCloses() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.max-connections=1");
         RawConn first = RawConn.connect(b.port());
         RawConn second = new RawConn(b.port())) {
      second.expect("INFO .*?\r\n");
      second.expectErr(Protocol.ERR_MAX_CONNECTIONS);
      second.expectClosed();
      first.send("PING\r\n").expect("PONG\r\n");
    }
  }

  @Test
  void staleConnectionAfterPingMaxUnansweredPings() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.ping-interval=100ms\nbroker.ping-max=2");
         RawConn c = RawConn.connect(b.port())) {
      c.expect("PING\r\n");
      c.expect("PING\r\n");
      c.expectErr(Protocol.ERR_STALE);
      c.expectClosed();
    }
  }

  @Test
  void aClientThatAnswersPingsStays() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.ping-interval=300ms\nbroker.ping-max=2");
         RawConn answering = RawConn.connect(b.port())) {
      for (int i = 0; i < 4; i++) {
        answering.expect("PING\r\n");
        answering.send("PONG\r\n");
      }
      answering.send("PING\r\n");
      answering.expect("PONG\r\n");
    }
  }

  @Test
  void tokenAuth() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.auth.token=s3cr3t")) {
      try (RawConn c = new RawConn(b.port())) {
        assertTrue(c.expect("INFO .*?\r\n").group().contains("\"auth_required\":true"));
        c.send("CONNECT {\"verbose\":false,\"auth_token\":\"wrong\"}\r\n").expectErr(Protocol.ERR_AUTH_VIOLATION);
        c.expectClosed();
      }
      try (RawConn c = new RawConn(b.port())) {
        c.expect("INFO .*?\r\n");
        c.send("SUB foo 1\r\n").expectErr(Protocol.ERR_AUTH_VIOLATION);
        c.expectClosed();
      }
      try (RawConn c = RawConn.connect(b.port(), "{\"verbose\":false,\"auth_token\":\"s3cr3t\"}")) {
        c.send("SUB foo 1\r\nPUB foo 1\r\nx\r\nPING\r\n").expect("MSG foo 1 1\r\nx\r\nPONG\r\n");
      }
    }
  }

  @Test
  void usersWithPasswords() throws Exception {
    String users = "broker.auth.users=[{user=alice,password=a1},{user=bob,password=b2}]";
    try (RunningBroker b = RunningBroker.start(users)) {
      RawConn.connect(b.port(), "{\"verbose\":false,\"user\":\"alice\",\"pass\":\"a1\"}").close();
      RawConn.connect(b.port(), "{\"verbose\":false,\"user\":\"bob\",\"pass\":\"b2\"}").close();
      try (RawConn c = new RawConn(b.port())) {
        c.expect("INFO .*?\r\n");
        c.send("CONNECT {\"user\":\"alice\",\"pass\":\"b2\"}\r\n").expectErr(Protocol.ERR_AUTH_VIOLATION);
        c.expectClosed();
      }
    }
  }

  @Test
  void authenticationTimeout() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.auth.token=t\nbroker.auth.timeout=200ms");
         RawConn c = new RawConn(b.port())) {
      c.expect("INFO .*?\r\n");
      c.expectErr(Protocol.ERR_AUTH_TIMEOUT);
      c.expectClosed();
    }
  }

  @Test
  void noAuthTimeoutWithoutAuth() throws Exception {
    try (RunningBroker b = RunningBroker.start("broker.auth.timeout=100ms");
         RawConn c = new RawConn(b.port())) {
      c.expect("INFO .*?\r\n");
      c.expectNothing(Duration.ofMillis(400));
      c.send("PING\r\n").expect("PONG\r\n");
    }
  }
}
