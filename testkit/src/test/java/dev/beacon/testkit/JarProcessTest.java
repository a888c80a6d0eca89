package dev.beacon.testkit;

import dev.beacon.testkit.demo.ReadyDaemon;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class JarProcessTest {
  private static final Pattern READY = Pattern.compile("demo: ready, port (\\d+) and (\\d+)");
  @TempDir
  static Path dir;
  static Path jar;

  /** Packs ReadyDaemon into a runnable jar. */
  @BeforeAll
  static void packJar() throws Exception {
    jar = dir.resolve("demo.jar");
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ReadyDaemon.class.getName());
    String entry = ReadyDaemon.class.getName().replace('.', '/') + ".class";
    try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, mf);
         var in = ReadyDaemon.class.getClassLoader().getResourceAsStream(entry)) {
      j.putNextEntry(new JarEntry(entry));
      in.transferTo(j);
      j.closeEntry();
    }
  }

  @Test
  void readyLinePortsThenSigtermWithExitCodeAndStderr() throws Exception {
    try (JarProcess p = JarProcess.start(jar, List.of("-Xmx32m"), List.of())) {
      int[] ports = p.awaitReady(READY, Duration.ofSeconds(60));
      assertEquals(2, ports.length);
      assertEquals(ports[0] + 1, ports[1]);
      assertEquals(ports[0], p.port(0));
      try (Socket s = new Socket("127.0.0.1", p.port(0))) {
        assertTrue(s.isConnected());
      }
      assertTrue(p.isAlive());
      int code = p.stop(Duration.ofSeconds(30));
      assertEquals(143, code, "a JVM ended by SIGTERM exits 128+15");
      assertEquals(List.of("demo: stopping"), p.stderrLines());
      assertEquals("demo: starting\n" + p.stdoutLines().get(1) + "\n", p.stdout());
    }
  }

  @Test
  void exitBeforeTheReadyLineFailsAtOnceWithTheOutput() throws Exception {
    try (JarProcess p = JarProcess.start(jar, List.of("-Xmx32m"), List.of("fail"))) {
      long t0 = System.nanoTime();
      AssertionError e = assertThrows(AssertionError.class, () -> p.awaitReady(READY, Duration.ofSeconds(60)));
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos());
      assertTrue(e.getMessage().contains("the output ended before a line matching"), e.getMessage());
      assertEquals(3, p.awaitExit(Duration.ofSeconds(30)));
      assertTrue(e.getMessage().contains("demo: listen failed") || p.stderr().equals("demo: listen failed\n"), e.getMessage());
      assertEquals("demo: listen failed\n", p.stderr());
    }
  }

  @Test
  void aMissingJarIsAClearFailure() {
    AssertionError e = assertThrows(AssertionError.class, () -> JarProcess.start(dir.resolve("nope.jar")));
    assertTrue(e.getMessage().contains("run after package"), e.getMessage());
  }
}
