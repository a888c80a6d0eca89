package dev.beacon.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The broker's one Jackson mapper: INFO and CONNECT (client and route) and every monitoring
 * answer. Never used per message. Thread-safe once configured, as Jackson's mappers are.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** Compact JSON of a record, list or map. */
  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Indented JSON, as the monitoring endpoints answer. */
  static String writePretty(Object value) throws JsonProcessingException {
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
  }

  /** The JSON object in b[off, off+len), or null when it is not valid JSON or not an object. */
  static JsonNode readObject(byte[] b, int off, int len) {
    JsonNode n;
    try {
      n = MAPPER.readTree(b, off, len);
    } catch (Exception e) {
      return null;
    }
    return n != null && n.isObject() ? n : null;
  }
}
