package dev.beacon.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The distribution archive unpacked as a user unpacks it, shared by the process tests of this module. */
final class UnpackedDist {
  static final Path ARCHIVE = Path.of(System.getProperty("dist.archive", "target/beacon-0.1.0.tar.gz"));
  static final String VERSION = System.getProperty("dist.version", "0.1.0");
  static final Pattern BROKER_READY =
      Pattern.compile("broker: ready, server_id (\\w+), clients on 127\\.0\\.0\\.1:(\\d+), monitoring on 127\\.0\\.0\\.1:(\\d+)");

  private UnpackedDist() {}

  /** Unpacks the archive into {@code dir} and returns its top directory (beacon-VERSION), checked for the shipped files. */
  static Path unpack(Path dir) throws Exception {
    assertTrue(Files.isRegularFile(ARCHIVE), ARCHIVE + " missing: run mvn package first");
    // tar keeps the launchers' file modes, as a user's unpacking would.
    Process tar = new ProcessBuilder("tar", "xzf", ARCHIVE.toAbsolutePath().toString(), "-C", dir.toString())
        .redirectErrorStream(true).start();
    assertTrue(tar.waitFor(60, TimeUnit.SECONDS), "tar did not finish");
    assertEquals(0, tar.exitValue(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    Path home = dir.resolve("beacon-" + VERSION);
    for (String f : List.of("bin/lookupd", "bin/broker", "lib/lookupd.jar", "lib/broker.jar", "lib/launcher.sh",
        "conf/jvm.options", "conf/lookupd.reference.conf", "conf/broker.reference.conf")) {
      assertTrue(Files.isRegularFile(home.resolve(f)), f + " missing from the archive");
    }
    assertTrue(Files.isExecutable(home.resolve("bin/broker")) && Files.isExecutable(home.resolve("bin/lookupd")));
    return home;
  }
}
