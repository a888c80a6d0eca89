package dev.beacon.broker.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Our bytes against a real nsqd v1.3.0's, from shared/golden/lookupd/nsqd-to-lookupd-tap.txt. */
@Timeout(5)
class LookupdCommandsTest {

  private static String hex(Buffer b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b.getBytes()) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format("%02x", x));
    }
    return sb.toString();
  }

  @Test
  void helloIsByteForByteWhatNsqdSends() {
    // conn1 client->lookupd, 117 bytes: magic, IDENTIFY, size 0x64, JSON with keys sorted.
    String nsqd = "20 20 56 31 49 44 45 4e 54 49 46 59 0a 00 00 00 64 7b 22 62 72 6f 61 64 63 61 73 74 5f 61 64 64 72 65"
        + " 73 73 22 3a 22 31 32 37 2e 30 2e 30 2e 31 22 2c 22 68 6f 73 74 6e 61 6d 65 22 3a 22 76 6d 22 2c 22 68 74 74"
        + " 70 5f 70 6f 72 74 22 3a 34 33 35 31 2c 22 74 63 70 5f 70 6f 72 74 22 3a 34 33 35 30 2c 22 76 65 72 73 69 6f"
        + " 6e 22 3a 22 31 2e 33 2e 30 22 7d";
    Buffer ours = LookupdCommands.hello(new LookupdCommands.Identity("127.0.0.1", "vm", 4350, 4351, "1.3.0"));
    assertEquals(nsqd, hex(ours));
  }

  @Test
  void commandsAreNsqdsLines() {
    Buffer out = Buffer.buffer();
    LookupdCommands.appendCommand(out, LookupdCommands.REGISTER, "tap_t", null);
    LookupdCommands.appendCommand(out, LookupdCommands.REGISTER, "tap_t", "tap_c");
    LookupdCommands.appendCommand(out, LookupdCommands.UNREGISTER, "tap_t", "tap_c");
    LookupdCommands.appendCommand(out, LookupdCommands.UNREGISTER, "tap_t", null);
    assertEquals("REGISTER tap_t\nREGISTER tap_t tap_c\nUNREGISTER tap_t tap_c\nUNREGISTER tap_t\n",
        out.toString(StandardCharsets.US_ASCII));
  }
}
