package dev.beacon.broker.nsq;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * nsqd's IDENTIFY: the client's JSON (decoded as Go decodes it into nsqd's struct: unknown keys
 * ignored, keys matched case-insensitively, a value of the wrong type fails the whole body), the
 * settings checks with nsqd's texts, and nsqd's answer: {@code OK}, or with feature_negotiation the
 * JSON of what was agreed. TLS, snappy and deflate are not offered here, so they are answered
 * false as an nsqd started without them answers (the client then stays on plain TCP);
 * auth_required is true when the broker's users or token apply (the client must AUTH).
 */
final class Identify {
  /** Like Go's json.Unmarshal, data after the JSON value is an error. */
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** What one connection agreed to. Defaults come from the settings. */
  static final class Client {
    String clientId = "";
    String hostname = "";
    String userAgent = "";
    long heartbeatIntervalMs;
    int outputBufferSize = NsqSettings.OUTPUT_BUFFER_SIZE;
    long outputBufferTimeoutMs = NsqSettings.OUTPUT_BUFFER_TIMEOUT_MS;
    int sampleRate;
    long msgTimeoutMs;
    boolean identified;

    Client(NsqSettings s) {
      heartbeatIntervalMs = s.clientTimeoutMs() / 2;
      msgTimeoutMs = s.msgTimeoutMs();
    }
  }

  private Identify() {
  }

  /** Applies an IDENTIFY body to {@code c} (no auth); returns the response frame's data. */
  static String apply(byte[] body, int off, int len, NsqSettings s, Client c) throws NsqException {
    return apply(body, off, len, s, c, false);
  }

  /** Applies an IDENTIFY body to {@code c}; returns the response frame's data. */
  static String apply(byte[] body, int off, int len, NsqSettings s, Client c, boolean authRequired) throws NsqException {
    String clientId = "";
    String hostname = "";
    String userAgent = "";
    long heartbeat = 0;
    long outSize = 0;
    long outTimeout = 0;
    boolean negotiate = false;
    long sampleRate = 0;
    long msgTimeout = 0;
    try {
      JsonNode root = JSON.readTree(body, off, len);
      if (root == null || !root.isObject()) {
        throw bad();
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        if (v.isNull()) {
          continue;
        }
        switch (e.getKey().toLowerCase(Locale.ROOT)) {
          case "client_id" -> clientId = text(v);
          case "hostname" -> hostname = text(v);
          case "user_agent" -> userAgent = text(v);
          case "heartbeat_interval" -> heartbeat = integer(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case "output_buffer_size" -> outSize = integer(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case "output_buffer_timeout" -> outTimeout = integer(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case "feature_negotiation" -> negotiate = bool(v);
          case "tls_v1", "deflate", "snappy" -> bool(v);
          case "deflate_level" -> integer(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case "sample_rate" -> sampleRate = integer(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
          case "msg_timeout" -> msgTimeout = integer(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
          default -> {
          }
        }
      }
    } catch (IOException e) {
      throw bad();
    }

    c.clientId = clientId;
    c.hostname = hostname;
    c.userAgent = userAgent;

    // nsqd: SetHeartbeatInterval, SetOutputBuffer, SetSampleRate, SetMsgTimeout, in this order.
    if (heartbeat == -1) {
      c.heartbeatIntervalMs = 0;
    } else if (heartbeat == 0) {
      // default
    } else if (heartbeat >= 1000 && heartbeat <= s.maxHeartbeatIntervalMs()) {
      c.heartbeatIntervalMs = heartbeat;
    } else {
      throw invalid("heartbeat interval (" + heartbeat + ") is invalid");
    }

    if (outTimeout == -1) {
      c.outputBufferTimeoutMs = 0;
    } else if (outTimeout == 0) {
      // default
    } else if (outTimeout >= NsqSettings.MIN_OUTPUT_BUFFER_TIMEOUT_MS && outTimeout <= NsqSettings.MAX_OUTPUT_BUFFER_TIMEOUT_MS) {
      c.outputBufferTimeoutMs = outTimeout;
    } else {
      throw invalid("output buffer timeout (" + outTimeout + ") is invalid");
    }
    if (outSize == -1) {
      c.outputBufferSize = 1;
      c.outputBufferTimeoutMs = 0;
    } else if (outSize == 0) {
      // default
    } else if (outSize >= 64 && outSize <= NsqSettings.MAX_OUTPUT_BUFFER_SIZE) {
      c.outputBufferSize = (int) outSize;
    } else {
      throw invalid("output buffer size (" + outSize + ") is invalid");
    }

    if (sampleRate < 0 || sampleRate > 99) {
      throw invalid("sample rate (" + sampleRate + ") is invalid");
    }
    c.sampleRate = (int) sampleRate;

    if (msgTimeout == 0) {
      // default
    } else if (msgTimeout >= 1000 && msgTimeout <= s.maxMsgTimeoutMs()) {
      c.msgTimeoutMs = msgTimeout;
    } else {
      throw invalid("msg timeout (" + msgTimeout + ") is invalid");
    }
    c.identified = true;

    if (!negotiate) {
      return "OK";
    }
    return "{\"max_rdy_count\":" + s.maxRdyCount()
        + ",\"version\":" + quoteJson(s.version())
        + ",\"max_msg_timeout\":" + s.maxMsgTimeoutMs()
        + ",\"msg_timeout\":" + c.msgTimeoutMs
        + ",\"tls_v1\":false,\"deflate\":false,\"deflate_level\":" + NsqSettings.MAX_DEFLATE_LEVEL
        + ",\"max_deflate_level\":" + NsqSettings.MAX_DEFLATE_LEVEL
        + ",\"snappy\":false"
        + ",\"sample_rate\":" + c.sampleRate
        + ",\"auth_required\":" + authRequired
        + ",\"output_buffer_size\":" + c.outputBufferSize
        + ",\"output_buffer_timeout\":" + c.outputBufferTimeoutMs + "}";
  }

  private static NsqException bad() {
    return NsqException.fatal("E_BAD_BODY", "IDENTIFY failed to decode JSON body");
  }

  private static NsqException invalid(String why) {
    return NsqException.fatal("E_BAD_BODY", "IDENTIFY " + why);
  }

  private static String text(JsonNode v) throws NsqException {
    if (!v.isTextual()) {
      throw bad();
    }
    return v.textValue();
  }

  private static boolean bool(JsonNode v) throws NsqException {
    if (!v.isBoolean()) {
      throw bad();
    }
    return v.booleanValue();
  }

  private static long integer(JsonNode v, long min, long max) throws NsqException {
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
      throw bad();
    }
    return v.longValue();
  }

  static String quoteJson(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '<' -> sb.append("\\u003c");
        case '>' -> sb.append("\\u003e");
        case '&' -> sb.append("\\u0026");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
