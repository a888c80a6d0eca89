package dev.beacon.broker.nsq;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IDENTIFY: nsqd's answer, its checks and its texts. */
class IdentifyTest {
  static final NsqSettings S = NsqSettings.defaults("0.1.0");

  static String apply(String json, Identify.Client c) throws NsqException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return Identify.apply(b, 0, b.length, S, c);
  }

  static String error(String json) {
    return assertThrows(NsqException.class, () -> apply(json, new Identify.Client(S))).getMessage();
  }

  @Test
  void withoutFeatureNegotiationTheAnswerIsOk() throws Exception {
    Identify.Client c = new Identify.Client(S);
    assertEquals("OK", apply("{\"client_id\":\"a\",\"hostname\":\"h\",\"unknown\":[1]}", c));
    assertEquals("a", c.clientId);
    assertEquals(30_000, c.heartbeatIntervalMs, "default is half of client-timeout");
    assertEquals(60_000, c.msgTimeoutMs);
  }

  @Test
  void negotiationAnswersNsqdsJsonWithEveryCompressionAndTlsOff() throws Exception {
    Identify.Client c = new Identify.Client(S);
    String answer = apply("{\"feature_negotiation\":true,\"tls_v1\":true,\"snappy\":true,\"deflate\":true,"
        + "\"deflate_level\":3,\"heartbeat_interval\":5000,\"msg_timeout\":2000,\"sample_rate\":10,"
        + "\"output_buffer_size\":-1,\"user_agent\":\"nsqjs/0.13.0\"}", c);
    assertEquals("{\"max_rdy_count\":2500,\"version\":\"0.1.0\",\"max_msg_timeout\":900000,\"msg_timeout\":2000,"
        + "\"tls_v1\":false,\"deflate\":false,\"deflate_level\":6,\"max_deflate_level\":6,\"snappy\":false,"
        + "\"sample_rate\":10,\"auth_required\":false,\"output_buffer_size\":1,\"output_buffer_timeout\":0}", answer);
    assertEquals(5000, c.heartbeatIntervalMs);
    assertEquals(10, c.sampleRate);
    assertEquals("nsqjs/0.13.0", c.userAgent);
  }

  @Test
  void heartbeatsCanBeTurnedOff() throws Exception {
    Identify.Client c = new Identify.Client(S);
    apply("{\"heartbeat_interval\":-1}", c);
    assertEquals(0, c.heartbeatIntervalMs);
  }

  @Test
  void nsqdsTexts() {
    assertEquals("E_BAD_BODY IDENTIFY failed to decode JSON body", error("{"));
    assertEquals("E_BAD_BODY IDENTIFY failed to decode JSON body", error("[1]"));
    assertEquals("E_BAD_BODY IDENTIFY failed to decode JSON body", error("{} x"));
    assertEquals("E_BAD_BODY IDENTIFY failed to decode JSON body", error("{\"heartbeat_interval\":\"1\"}"));
    assertEquals("E_BAD_BODY IDENTIFY failed to decode JSON body", error("{\"msg_timeout\":1.5}"));
    assertEquals("E_BAD_BODY IDENTIFY failed to decode JSON body", error("{\"tls_v1\":1}"));
    assertEquals("E_BAD_BODY IDENTIFY heartbeat interval (999) is invalid", error("{\"heartbeat_interval\":999}"));
    assertEquals("E_BAD_BODY IDENTIFY heartbeat interval (60001) is invalid", error("{\"heartbeat_interval\":60001}"));
    assertEquals("E_BAD_BODY IDENTIFY output buffer timeout (1) is invalid", error("{\"output_buffer_timeout\":1}"));
    assertEquals("E_BAD_BODY IDENTIFY output buffer size (63) is invalid", error("{\"output_buffer_size\":63}"));
    assertEquals("E_BAD_BODY IDENTIFY sample rate (100) is invalid", error("{\"sample_rate\":100}"));
    assertEquals("E_BAD_BODY IDENTIFY msg timeout (999) is invalid", error("{\"msg_timeout\":999}"));
    assertEquals("E_BAD_BODY IDENTIFY msg timeout (900001) is invalid", error("{\"msg_timeout\":900001}"));
  }

  @Test
  void keysMatchCaseInsensitivelyAsGoDecodes() throws Exception {
    Identify.Client c = new Identify.Client(S);
    apply("{\"Heartbeat_Interval\":2000}", c);
    assertEquals(2000, c.heartbeatIntervalMs);
  }
}
