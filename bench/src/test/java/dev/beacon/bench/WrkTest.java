package dev.beacon.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class WrkTest {
  static final String OK = """
      Running 5s test @ http://127.0.0.1:4161/lookup?topic=topic-0
        2 threads and 8 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency    85.21us   40.02us   2.31ms   93.10%
          Req/Sec    48.21k     2.10k   52.01k    71.00%
        479812 requests in 5.00s, 98.37MB read
      Requests/sec:  95962.40
      Transfer/sec:     19.67MB
      """;

  @Test
  void readsRequestsPerSecond() throws IOException {
    assertEquals(95962.40, Wrk.parse(OK).rate(), 1e-6);
    assertEquals(479812, Wrk.parse(OK).requests());
  }

  @Test
  void non2xxAnswersFail() {
    String bad = OK.replace("Requests/sec", "  Non-2xx or 3xx responses: 479812\nRequests/sec");
    assertThrows(IOException.class, () -> Wrk.parse(bad));
  }

  @Test
  void socketErrorsFail() {
    String bad = OK.replace("Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec");
    assertThrows(IOException.class, () -> Wrk.parse(bad));
  }

  @Test
  void missingSummaryOrNoRequestsFail() {
    assertThrows(IOException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:4161 Connection refused\n"));
    assertThrows(IOException.class, () -> Wrk.parse(OK.replace("479812 requests", "0 requests")));
  }
}
