package dev.beacon.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A connection's last activity is never before its start, even when it is the first to send bytes
 * after the event loop was idle (the broker caches the clock per read).
 */
@Timeout(30)
class ConnzClockTest {
  @Test
  void lastActivityIsNotBeforeStartAfterAnIdleLoop() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (RunningBroker b = RunningBroker.start("broker.name=clock-1");
         RawConn early = RawConn.connect(b.port(), "{\"verbose\":false,\"name\":\"early\"}")) {
      early.send("PING\r\n").expect("PONG\r\n");
      // Not a synchronisation: time has to pass with no reads, so that the clock the broker cached at
      // its last read is older than the next connection's start.
      Thread.sleep(300);
      try (Socket late = new Socket("127.0.0.1", b.port())) {
        // One write, so the connection's only read is the one that sets its last activity.
        late.getOutputStream().write("CONNECT {\"verbose\":false,\"name\":\"late\"}\r\nPING\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        late.setSoTimeout(5000);
        BufferedReader in = new BufferedReader(new InputStreamReader(late.getInputStream(), StandardCharsets.US_ASCII));
        String line;
        do {
          line = in.readLine();
        } while (line != null && !line.equals("PONG"));
        assertEquals("PONG", line);
        String body = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + b.broker.httpPort() + "/connz?sort=cid")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        JsonNode conns = new ObjectMapper().readTree(body).path("connections");
        assertEquals(2, conns.size(), body);
        JsonNode c = conns.get(1);
        assertEquals("late", c.path("name").asText());
        Instant start = Instant.parse(c.path("start").asText());
        Instant last = Instant.parse(c.path("last_activity").asText());
        assertFalse(last.isBefore(start), "last_activity " + last + " before start " + start);
      }
    }
  }
}
