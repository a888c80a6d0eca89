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
import java.util.Map;

/**
 * nats.go (Debian's golang-github-nats-io-go-nats-dev, nats.go 1.22.1, built with Debian's Go in
 * GOPATH mode from src/test/go into target/go) against the broker and against nats-server; skipped
 * when go or the nats.go sources are missing.
 */
@Tag("conformance")
@Timeout(60)
class NatsGoIT {
  private static final Path SOURCE = Path.of("src/test/go/conformance.go");
  private static final Path GOPATH = Path.of("/usr/share/gocode");
  private static final Path NATS_GO = GOPATH.resolve("src/github.com/nats-io/nats.go/nats.go");
  private static final Path OUT = Path.of("target/go");
  private static final Path BINARY = OUT.resolve("conformance");
  /** Every scenario of conformance.go; a missing line fails as surely as a FAIL line. */
  private static final List<String> SCENARIOS = List.of("connect", "pubsub", "wildcards", "queue", "request",
      "noresponders", "headers", "autounsubscribe", "flush", "drain", "maxpayload", "noecho");

  @BeforeAll
  static void build() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(NATS_GO),
        "nats.go sources missing (" + NATS_GO + "): apt-get install golang-github-nats-io-go-nats-dev");
    Files.createDirectories(OUT);
    ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", BINARY.toString(), SOURCE.toString());
    Map<String, String> env = pb.environment();
    env.put("GO111MODULE", "off");
    env.put("GOPATH", GOPATH.toString());
    env.put("GOCACHE", OUT.resolve("cache").toAbsolutePath().toString());
    env.put("GOPROXY", "off");
    env.put("GOFLAGS", "");
    ClientProgram.build(pb, "go", 40);
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "nats-server"})
  void natsGoConformanceProgramPasses(String target) throws Exception {
    ClientProgram.passesAgainst(target, BINARY, SCENARIOS);
  }
}
