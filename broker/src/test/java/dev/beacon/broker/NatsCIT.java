package dev.beacon.broker;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The NATS C client (Debian's libnats-dev, libnats 3.4.1; src/test/c compiled with gcc into
 * target/c) against the broker and against nats-server; skipped when gcc or nats.h is missing.
 */
@Tag("conformance")
@Timeout(60)
class NatsCIT {
  private static final Path SOURCE = Path.of("src/test/c/conformance.c");
  private static final Path HEADER = Path.of("/usr/include/nats/nats.h");
  private static final Path OUT = Path.of("target/c");
  private static final Path BINARY = OUT.resolve("conformance");
  /** Every scenario of conformance.c; a missing line fails as surely as a FAIL line. */
  private static final List<String> SCENARIOS = List.of("connect", "pubsub", "wildcard", "queue", "request",
      "headers", "noresponders", "flush", "autounsubscribe", "maxpayload", "noecho");

  @BeforeAll
  static void build() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(HEADER), HEADER + " missing: apt-get install libnats-dev");
    Files.createDirectories(OUT);
    ClientProgram.build(new ProcessBuilder("gcc", "-O1", "-Wall", "-o", BINARY.toString(), SOURCE.toString(), "-lnats"),
        "gcc", 30);
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void natsCConformanceProgramPasses(String target) throws Exception {
    ClientProgram.passesAgainst(target, BINARY, SCENARIOS);
  }
}
