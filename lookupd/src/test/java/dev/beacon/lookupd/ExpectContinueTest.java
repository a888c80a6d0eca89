package dev.beacon.lookupd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Expect: 100-continue as Go's net/http serves it for nsqlookupd, over a raw socket. */
@Timeout(20)
class ExpectContinueTest {
  private final LookupdFixture f = new LookupdFixture();

  @AfterEach
  void close() {
    f.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", f.lookupd.httpPort());
    s.setSoTimeout(5000);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** One response: the head up to the blank line, plus Content-Length bytes of body. */
  private static String response(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.write(b);
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.endsWith("\r\n\r\n")) {
        Matcher m = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(h);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
      }
    }
  }

  /** Nothing arrives within the window: the server is waiting for us. */
  private static void expectNothing(Socket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    try {
      int b = s.getInputStream().read();
      fail("unexpected byte " + b + " from the server");
    } catch (SocketTimeoutException expected) {
      // quiet, as it should be
    } finally {
      s.setSoTimeout(5000);
    }
  }

  private static void expectClosed(Socket s) throws IOException {
    assertEquals(-1, s.getInputStream().read(), "the server closes the connection");
  }

  @Test
  void aHandlerThatReadsTheBodyGets100ContinueThenTheBodyThenTheAnswer() throws Exception {
    try (Socket s = connect()) {
      send(s, "POST /topic/create?topic=t1 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      assertEquals("HTTP/1.1 100 Continue\r\n\r\n", response(s));
      expectNothing(s, 300);
      assertFalse(f.get("/topics").body().contains("t1"), "nothing is done before the body arrives");
      send(s, "hello");
      String answer = response(s);
      assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
      assertFalse(answer.toLowerCase(Locale.ROOT).contains("connection: close"), answer);
      assertEquals("{\"topics\":[\"t1\"]}", f.get("/topics").body());
      // the connection is reusable: the body was read to its end
      send(s, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(response(s).endsWith("\r\n\r\nOK"));
    }
  }

  @Test
  void aChunkedBodyAndAReadRouteWorkTheSameWay() throws Exception {
    try (Socket s = connect()) {
      send(s, "GET /channels?topic=t HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n");
      assertEquals("HTTP/1.1 100 Continue\r\n\r\n", response(s));
      expectNothing(s, 200);
      send(s, "3\r\nabc\r\n0\r\n\r\n");
      String answer = response(s);
      assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n") && answer.endsWith("{\"channels\":[]}"), answer);
    }
  }

  @Test
  void anAnswerThatNeverReadsTheBodyGetsNo100AndClosesTheConnection() throws Exception {
    // /ping takes no parameters: nsqlookupd never reads the body, so net/http never sends 100 Continue
    for (String request : new String[] {
        "GET /ping HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
        "POST /no/such/route HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
        "POST /ping HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
        "POST /topic/create?topic=%zz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"}) {
      try (Socket s = connect()) {
        send(s, request);
        String answer = response(s);
        assertFalse(answer.contains(" 100 "), request + " -> " + answer);
        assertTrue(answer.toLowerCase(Locale.ROOT).contains("connection: close"), answer);
        expectClosed(s);
      }
    }
    try (Socket s = connect()) {
      send(s, "POST /topic/create?topic=%zz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      String answer = response(s);
      assertTrue(answer.startsWith("HTTP/1.1 400 ") && answer.endsWith("{\"message\":\"INVALID_REQUEST\"}"), answer);
    }
  }

  @Test
  void noBodyMeansNo100AndAnUnknownExpectationIs417() throws Exception {
    try (Socket s = connect()) {
      send(s, "POST /topic/create?topic=t2 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n");
      assertTrue(response(s).startsWith("HTTP/1.1 200 OK\r\n"));
      send(s, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(response(s).endsWith("\r\n\r\nOK"), "still open");
    }
    try (Socket s = connect()) {
      send(s, "POST /topic/create?topic=t3 HTTP/1.1\r\nHost: x\r\nExpect: the-moon\r\nContent-Length: 5\r\n\r\n");
      String answer = response(s);
      assertTrue(answer.startsWith("HTTP/1.1 417 Expectation Failed\r\n"), answer);
      expectClosed(s);
    }
    assertFalse(f.get("/topics").body().contains("t3"));
  }
}
