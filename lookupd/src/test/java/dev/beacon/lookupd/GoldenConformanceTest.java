package dev.beacon.lookupd;

import dev.beacon.common.Hostname;
import dev.beacon.testkit.Await;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replays the transcripts captured from real nsqlookupd/nsqd v1.3.0 (src/test/resources/golden)
 * against lookupd and compares status, the headers that matter
 * and bodies as JSON (list order aside). Addresses, ports and the host name that necessarily
 * differ between the capture and this run are mapped; nothing else is.
 */
@Tag("conformance")
@Timeout(60)
class GoldenConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The nsqd of the capture: what it sent in IDENTIFY, and its remote address as nsqlookupd saw it. */
  private static final String NSQD_IDENTIFY =
      "{\"broadcast_address\":\"127.0.0.1\",\"hostname\":\"vm\",\"http_port\":4151,\"tcp_port\":4150,\"version\":\"1.3.0\"}";
  private static final String NSQD_GOLDEN_ADDR = "127.0.0.1:43632";

  private static String resource(String name) throws IOException {
    try (InputStream in = GoldenConformanceTest.class.getResourceAsStream("/golden/" + name)) {
      assertNotNull(in, "missing golden file " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static byte[] hex(String s) {
    String[] parts = s.trim().split("\\s+");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (String p : parts) {
      if (!p.isEmpty()) {
        b.write(Integer.parseInt(p, 16));
      }
    }
    return b.toByteArray();
  }

  // ---- comparison -------------------------------------------------------------------------------

  /** Arrays sorted (order aside), debug timestamps zeroed; objects compare key-order-free already. */
  private static JsonNode canon(JsonNode n) {
    if (n.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      n.forEach(i -> items.add(canon(i)));
      items.sort(Comparator.comparing(JsonNode::toString));
      ArrayNode a = JSON.createArrayNode();
      items.forEach(a::add);
      return a;
    }
    if (n.isObject()) {
      ObjectNode o = JSON.createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        o.set(e.getKey(), e.getKey().equals("last_update") ? JSON.getNodeFactory().numberNode(0) : canon(e.getValue()));
      }
      return o;
    }
    return n;
  }

  private static void assertSameBody(String expected, String actual, String what) throws IOException {
    if (expected.isEmpty() || !(expected.startsWith("{") || expected.startsWith("["))) {
      assertEquals(expected, actual, what);
      return;
    }
    assertEquals(canon(JSON.readTree(expected)), canon(JSON.readTree(actual)), what + "\n expected " + expected + "\n actual   " + actual);
  }

  /** The golden run's addresses mapped to this run's. */
  private final Map<String, String> addresses = new LinkedHashMap<>();

  private String mapped(String s) {
    for (Map.Entry<String, String> e : addresses.entrySet()) {
      s = s.replace(e.getKey(), e.getValue());
    }
    return s;
  }

  /** The IDENTIFY answer of the capture, with this lookupd's host name and ports. */
  private static String identifyAnswer(String golden, LookupdFixture f) throws IOException {
    ObjectNode o = (ObjectNode) JSON.readTree(golden);
    o.put("hostname", Hostname.local());
    o.put("tcp_port", f.tcpPort());
    o.put("http_port", f.lookupd.httpPort());
    return o.toString();
  }

  private void assertFrame(byte[] expectedFrame, String actualPayload, LookupdFixture f, String what) throws IOException {
    String expected = new String(expectedFrame, 4, expectedFrame.length - 4, StandardCharsets.ISO_8859_1);
    if (expected.startsWith("{") && expected.contains("\"tcp_port\":4160")) {
      assertSameBody(identifyAnswer(expected, f), actualPayload, what);
    } else {
      assertEquals(expected, actualPayload, what);
      int len = ((expectedFrame[0] & 0xff) << 24) | ((expectedFrame[1] & 0xff) << 16) | ((expectedFrame[2] & 0xff) << 8)
          | (expectedFrame[3] & 0xff);
      assertEquals(len, actualPayload.length(), what + ": frame length");
    }
  }

  // ---- HTTP transcripts -------------------------------------------------------------------------

  private record Golden(String name, String method, String target, String accept, int status, Map<String, String> headers,
      String body) {}

  private static Golden golden(String name) throws IOException {
    String text = resource(name);
    String[] lines = text.replace("\r\n", "\n").split("\n", -1);
    String curl = lines[0];
    String method = curl.contains("-X POST") ? "POST" : curl.contains(" -I ") ? "HEAD" : "GET";
    int url = curl.indexOf("http://");
    String target = curl.substring(curl.indexOf('/', url + 7));
    String accept = curl.contains("-H Accept: ") ? curl.substring(curl.indexOf("-H Accept: ") + 11, url - 1) : null;
    int i = 0;
    while (!lines[i].startsWith("HTTP/1.1 ")) {
      i++;
    }
    int status = Integer.parseInt(lines[i].split(" ")[1]);
    Map<String, String> headers = new HashMap<>();
    for (i++; !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).toLowerCase(), lines[i].substring(colon + 1).trim());
    }
    StringBuilder body = new StringBuilder();
    for (i++; i < lines.length; i++) {
      body.append(lines[i]);
    }
    return new Golden(name, method, target, accept, status, headers, body.toString().trim());
  }

  private void check(LookupdFixture f, String name) throws Exception {
    Golden g = golden(name);
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.lookupd.httpPort() + g.target))
        .method(g.method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
    if (g.accept != null) {
      b.header("Accept", g.accept);
    }
    HttpResponse<String> r = f.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(g.status, r.statusCode(), name + ": status");
    for (String h : List.of("content-type", "x-nsq-content-type", "allow")) {
      assertEquals(g.headers.get(h), r.headers().firstValue(h).orElse(null), name + ": header " + h);
    }
    if (g.body.isEmpty()) {
      assertEquals(g.headers.get("content-length"), r.headers().firstValue("content-length").orElse(null), name + ": content-length");
    }
    assertSameBody(mapped(g.body), r.body(), name);
  }

  /** Same as check, but polls until it holds (after a disconnect, which lookupd learns about asynchronously). */
  private void eventually(LookupdFixture f, String name) {
    Await.until(name + " as recorded", Duration.ofSeconds(5), () -> {
      check(f, name);
      return true;
    });
  }

  // ---- the tests ------------------------------------------------------------------------------

  @Test
  void nsqdTapReplaysByteForByte() throws Exception {
    List<Object[]> chunks = new ArrayList<>(); // {Boolean fromClient, byte[]}
    String[] lines = resource("nsqd-to-lookupd-tap.txt").split("\n");
    for (int i = 0; i < lines.length; i++) {
      boolean client = lines[i].contains("client->lookupd");
      boolean server = lines[i].contains("lookupd->client");
      if ((client || server) && !lines[i].contains(" EOF ")) {
        byte[] bytes = hex(lines[i + 1].substring(lines[i + 1].indexOf(':') + 1));
        if (server && !chunks.isEmpty() && !(Boolean) chunks.get(chunks.size() - 1)[0]) {
          byte[] prev = (byte[]) chunks.get(chunks.size() - 1)[1];
          byte[] joined = new byte[prev.length + bytes.length];
          System.arraycopy(prev, 0, joined, 0, prev.length);
          System.arraycopy(bytes, 0, joined, prev.length, bytes.length);
          chunks.get(chunks.size() - 1)[1] = joined;
        } else {
          chunks.add(new Object[] {client, bytes});
        }
      }
    }
    assertTrue(chunks.size() >= 14, "parsed the tap");
    try (LookupdFixture f = new LookupdFixture(); TestPeer nsqd = new TestPeer(f.tcpPort())) {
      for (Object[] c : chunks) {
        byte[] bytes = (byte[]) c[1];
        if ((Boolean) c[0]) {
          nsqd.send(bytes);
          continue;
        }
        for (int off = 0; off < bytes.length; ) {
          int len = ((bytes[off] & 0xff) << 24) | ((bytes[off + 1] & 0xff) << 16) | ((bytes[off + 2] & 0xff) << 8) | (bytes[off + 3] & 0xff);
          byte[] frame = java.util.Arrays.copyOfRange(bytes, off, off + 4 + len);
          assertFrame(frame, nsqd.readFrame(), f, "tap frame");
          off += 4 + len;
        }
      }
      assertEquals("{\"channels\":[\"tap_c\"],\"producers\":[]}", f.get("/lookup?topic=tap_t").body(),
          "after the tap: topic and normal channel stay, the ephemeral channel is gone, no producer is left");
    }
  }

  @Test
  void httpAndTcpTranscriptsInCaptureOrder() throws Exception {
    try (LookupdFixture f = new LookupdFixture()) {
      check(f, "lookupd-00-info.txt");
      check(f, "lookupd-00-ping.txt");
      TestPeer nsqd = f.connect();
      addresses.put(NSQD_GOLDEN_ADDR, nsqd.id());
      nsqd.identify(NSQD_IDENTIFY);
      for (String n : List.of("channels-missing-arg", "channels-t1-before-pub", "lookup-missing-arg", "lookup-t1-notfound",
          "nodes-before-pub", "topics-empty")) {
        check(f, "lookupd-01-" + n + ".txt");
      }
      assertEquals("OK", nsqd.command("REGISTER t1"));
      for (String n : List.of("channels-t1", "info", "lookup-t1", "nodes", "ping", "topics")) {
        check(f, "lookupd-03-" + n + ".txt");
      }
      assertEquals("OK", nsqd.command("REGISTER t1 tailch"));
      for (String n : List.of("channels-t1", "lookup-t1-with-channel", "nodes", "topics")) {
        check(f, "lookupd-04-" + n + ".txt");
      }
      check(f, "lookupd-05-lookup-t1-after-tail-exit.txt");

      replayTcpTranscript(f);

      for (String n : List.of("HEAD-ping", "debug", "lookup-bad-topic-name", "lookup-with-accept-v1",
          "method-not-allowed-GET-topic-create", "method-not-allowed-POST-ping", "notfound-route")) {
        eventually(f, "lookupd-06-" + n + ".txt");
      }
      for (String n : List.of("topic-create-missing-arg", "topic-create-bad-name", "topic-create", "topics-after-create",
          "channel-create-missing-channel", "channel-create", "lookup-admin_t", "channel-delete-notfound", "channel-delete",
          "topic-delete-notfound", "topic-delete", "topic-tombstone-missing-node", "topic-tombstone",
          "lookup-t1-after-tombstone", "nodes-after-tombstone", "topics-final")) {
        check(f, "lookupd-07-" + n + ".txt");
      }
      nsqd.close();
      for (String n : List.of("channels-t1-after-nsqd-exit", "lookup-t1-after-nsqd-exit", "nodes-after-nsqd-exit")) {
        eventually(f, "lookupd-08-" + n + ".txt");
      }
    }
  }

  /** v1-tcp.txt: every exchange on its own connection, sent bytes as captured, each answer frame compared. */
  private void replayTcpTranscript(LookupdFixture f) throws Exception {
    String[] lines = resource("v1-tcp.txt").split("\n");
    TestPeer peer = null;
    int exchanges = 0;
    int frames = 0;
    String title = "";
    for (String raw : lines) {
      String line = raw.trim();
      if (line.startsWith("EXCHANGE: ")) {
        if (peer != null) {
          peer.close();
        }
        title = line;
        peer = new TestPeer(f.tcpPort());
        exchanges++;
      } else if (line.startsWith("local 127.0.0.1:")) {
        addresses.put(line.substring(6, line.indexOf(" ->")), peer.id());
      } else if (line.startsWith("sent  hex :")) {
        peer.send(hex(line.substring(line.indexOf(':') + 1)));
      } else if (line.startsWith("recv  hex :") || (line.startsWith("frame ") && line.contains(" hex :"))) {
        assertFrame(hex(line.substring(line.indexOf(':') + 1)), peer.readFrame(), f, title);
        frames++;
      } else if (line.startsWith("after last step: connection closed")) {
        peer.expectClosed();
      } else if (line.startsWith("after last step: connection still open")) {
        peer.expectNothing(Duration.ofMillis(200));
        peer.close();
      } else if (line.startsWith("[http] ")) {
        String[] parts = line.substring(7).split(" ", 3);
        String rest = line.substring(line.indexOf(" -> ") + 4);
        int status = Integer.parseInt(rest.substring(0, 3));
        String body = mapped(rest.substring(4));
        String target = parts[1];
        String step = title + " " + line;
        Await.until(step, Duration.ofSeconds(5), () -> {
          HttpResponse<String> r = f.get(target);
          assertEquals(status, r.statusCode(), step);
          assertSameBody(body, r.body(), step);
          return true;
        });
      }
    }
    if (peer != null) {
      peer.close();
    }
    assertEquals(19, exchanges, "every exchange replayed");
    assertTrue(frames > 25, "frames compared: " + frames);
  }

  @Test
  void identifyAnswerWithoutBroadcastAddressIsTheHostname() throws Exception {
    String golden = resource("v1-tcp-default-broadcast.txt");
    String text = golden.substring(golden.indexOf("IDENTIFY reply text: ") + 21).trim();
    try (LookupdFixture f = new LookupdFixture(Map.of("broadcast-address", "")); TestPeer p = f.connect()) {
      String expected = text.replace("\"broadcast_address\":\"vm\"", "\"broadcast_address\":\"" + Hostname.local() + "\"");
      assertSameBody(identifyAnswer(expected, f), p.identify(), "default broadcast address");
    }
  }

  @Test
  void magicErrorBytesExact() throws Exception {
    try (LookupdFixture f = new LookupdFixture(); TestPeer p = new TestPeer(f.tcpPort())) {
      p.send("  V2");
      assertArrayEquals(hex("00 00 00 0E 45 5F 42 41 44 5F 50 52 4F 54 4F 43 4F 4C"), p.input().readNBytes(18));
      p.expectClosed();
    } catch (IOException e) {
      fail(e);
    }
  }
}
