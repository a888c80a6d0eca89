package dev.beacon.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Mutated protocol input, cut into random chunks, for both connection kinds: the parser may only
 * ever fail with a NatsProtocolException (any other exception is a bug that would reach the socket).
 */
@Timeout(60)
class ParserFuzzTest {
  private static final byte[] ALPHABET = " \t\r\n0123456789+-|*>.$GPUBSHMRINFOCONECTpubsh{}\"".getBytes(StandardCharsets.UTF_8);

  @Test
  void mutatedInputOnlyEverRaisesProtocolErrors() {
    Random rnd = new Random(42);
    String[] seeds = {ParserTest.CLIENT_INPUT, ParserTest.ROUTE_INPUT};
    Parser.Kind[] kinds = {Parser.Kind.CLIENT, Parser.Kind.ROUTE};
    for (int round = 0; round < 20_000; round++) {
      int k = rnd.nextInt(2);
      byte[] in = seeds[k].getBytes(StandardCharsets.UTF_8);
      int mutations = 1 + rnd.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        int pos = rnd.nextInt(in.length);
        switch (rnd.nextInt(3)) {
          case 0 -> in[pos] = ALPHABET[rnd.nextInt(ALPHABET.length)];
          case 1 -> in = java.util.Arrays.copyOf(in, pos + 1); // truncate
          default -> in[pos] = (byte) rnd.nextInt(256);
        }
      }
      Parser p = new Parser(kinds[k], new ParserTest.Recorder(), 64, 256);
      int off = 0;
      try {
        while (off < in.length) {
          int n = 1 + rnd.nextInt(Math.min(32, in.length - off));
          p.parse(java.util.Arrays.copyOfRange(in, off, off + n), 0, n);
          off += n;
        }
      } catch (NatsProtocolException expected) {
        // fine: a protocol violation
      } catch (RuntimeException e) {
        throw new AssertionError("round " + round + " input " + Parser.snippet(in, 0, in.length) + ": " + e, e);
      }
    }
  }
}
