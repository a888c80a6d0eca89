package dev.beacon.broker;

import dev.beacon.testkit.NatsServerProcess;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same raw bytes sent to the broker and to Debian's nats-server 2.9: what comes back (INFO
 * lines aside) and whether the connection is closed must be identical.
 */
@Tag("conformance")
@Timeout(60)
class DifferentialIT {
  private static RunningBroker broker;
  private static NatsServerProcess nats;

  @BeforeAll
  static void start() throws Exception {
    broker = RunningBroker.start("");
    if (NatsServerProcess.installed()) {
      nats = new NatsServerProcess("", false);
    }
    // Warm both up (class loading, JIT) so timing does not decide an answer.
    for (int i = 0; i < 20; i++) {
      exchange(broker.port(), "CONNECT {}\r\n", "PING\r\n");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    broker.close();
    if (nats != null) {
      nats.close();
    }
  }

  /** Sends CONNECT then {@code input}; returns everything received (INFO dropped) plus "<closed>" or "<open>". */
  private static String exchange(int port, String connect, String input) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setTcpNoDelay(true);
      s.getOutputStream().write((connect + input).getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[65536];
      boolean closed = false;
      long deadline = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < deadline) {
        // Quiet for 400 ms after an answer (1.5 s before any) means the server is done.
        boolean answered = sb.toString().replaceAll("INFO \\{[^\r\n]*\\} ?\r\n", "").length() > 0;
        s.setSoTimeout(answered ? 400 : 1500);
        try {
          int n = in.read(buf);
          if (n < 0) {
            closed = true;
            break;
          }
          sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException e) {
          break;
        } catch (IOException e) {
          closed = true;
          break;
        }
      }
      String out = sb.toString().replaceAll("INFO \\{[^\r\n]*\\} ?\r\n", "");
      return out.replace("\r", "\\r").replace("\n", "\\n") + (closed ? "<closed>" : "<open>");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "PING\r\n",
      "ping\nPiNg\r\n",
      "PING extra\r\n",
      "SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n",
      "sub foo 1\npub foo 2\nhi\r\nping\n",
      "SUB foo 1\r\nPUB   foo\t reply  2\r\nhi\r\nPING\r\n",
      "SUB foo 1\r\nPUB foo 0\r\n\r\nPING\r\n",
      "PUB foo\r\n",
      "PUB foo x\r\n",
      "PUB foo -1\r\n",
      "PUB foo 1 2 3\r\n",
      "SUB\r\n",
      "SUB foo\r\n",
      "SUB a b c d\r\n",
      "UNSUB\r\n",
      "UNSUB 1 x\r\n",
      "UNSUB 99\r\nPING\r\n",
      "PUBX foo 1\r\n",
      "XYZ\r\n",
      "\r\n",
      "MSG foo 1 1\r\nx\r\n",
      "RS+ $G foo\r\n",
      "PUB foo 2\r\nabc\r\n",
      "PUB foo 2\r\nab\n\n",
      "PUB foo 1048577\r\n",
      "SUB foo..bar 1\r\nPING\r\n",
      "SUB foo.>.bar 1\r\nPING\r\n",
      "SUB foo q.x 1\r\nPING\r\n",
      "SUB foo 1\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\nPING\r\n",
      "SUB foo 1\r\nUNSUB 1 1\r\nPUB foo 1\r\nx\r\nPUB foo 1\r\ny\r\nPING\r\n",
      "SUB foo 1\r\nUNSUB 1 0\r\nPUB foo 1\r\nx\r\nPING\r\n",
      "SUB _INBOX.a.* 1\r\nPUB nobody _INBOX.a.b 0\r\n\r\nPING\r\n",
      "+OK\r\nPING\r\n",
      "INFO {}\r\nPING\r\n",
      "-ERR 'bye'\r\n",
      "CONNECT {\"verbose\":true}\r\nSUB x 1\r\nPING\r\n",
      "CONNECT {\"protocol\":2}\r\n",
      "CONNECT {\"no_responders\":true}\r\n",
      "CONNECT {bad\r\n",
      "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n",
  })
  void sameBytesSameAnswer(String input) throws Exception {
    Assumptions.assumeTrue(nats != null, "nats-server not installed");
    String connect = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
    assertEquals(exchange(nats.port(), connect, input), exchange(broker.port(), connect, input), "input: " + input.replace("\r", "\\r").replace("\n", "\\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SUB foo.* 1\r\nPUB foo.* 1\r\nx\r\nPING\r\n",
      "SUB foo 1\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n",
      "SUB _INBOX.a.* 1\r\nPUB nobody _INBOX.a.b 0\r\n\r\nPING\r\n",
  })
  void sameAnswerForPedanticHeaderClients(String input) throws Exception {
    Assumptions.assumeTrue(nats != null, "nats-server not installed");
    String connect = "CONNECT {\"verbose\":false,\"pedantic\":true,\"headers\":true,\"no_responders\":true}\r\n";
    assertEquals(exchange(nats.port(), connect, input), exchange(broker.port(), connect, input), "input: " + input.replace("\r", "\\r").replace("\n", "\\n"));
  }
}
