package dev.beacon.lookupd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A third-party NSQ consumer (npm nsqjs 0.13.0) discovers producers through lookupd's /lookup:
 * nsqjs' own lookup code must parse our answer, and its Reader must then dial the nsqd we
 * registered (here a socket posing as nsqd that checks for nsqd's "  V2" magic). Skips when
 * node or src/test/js/node_modules is missing (.ci/run installs them).
 */
@Tag("conformance")
@Timeout(60)
class NsqjsReaderIT {
  private static final Path JS = Path.of("src", "test", "js");

  private static boolean nodeAvailable() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void nsqjsReaderFindsAndDialsTheRegisteredProducer() throws Exception {
    assumeTrue(Files.isDirectory(JS.resolve("node_modules").resolve("nsqjs")), "npm install in lookupd/src/test/js first");
    assumeTrue(nodeAvailable(), "node is not installed");
    try (LookupdFixture f = new LookupdFixture();
         ServerSocket fakeNsqd = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
         TestPeer producer = f.connect()) {
      fakeNsqd.setSoTimeout(20_000);
      producer.identify("{\"broadcast_address\":\"127.0.0.1\",\"hostname\":\"fake-nsqd\",\"http_port\":1,"
          + "\"tcp_port\":" + fakeNsqd.getLocalPort() + ",\"version\":\"1.3.0\"}");
      producer.command("REGISTER orders");
      Process node = new ProcessBuilder("node", "reader.js", "127.0.0.1:" + f.lookupd.httpPort(), "orders")
          .directory(JS.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        JsonNode nodes = new ObjectMapper().readTree(out.readLine());
        assertEquals(1, nodes.size(), nodes.toString());
        assertEquals("127.0.0.1", nodes.get(0).get("broadcast_address").asText());
        assertEquals(fakeNsqd.getLocalPort(), nodes.get(0).get("tcp_port").asInt());
        try (Socket dialed = fakeNsqd.accept()) {
          dialed.setSoTimeout(10_000);
          assertArrayEquals("  V2".getBytes(StandardCharsets.US_ASCII), dialed.getInputStream().readNBytes(4),
              "nsqjs dialed our producer and spoke nsqd's protocol");
        }
      } finally {
        node.destroyForcibly();
        node.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
