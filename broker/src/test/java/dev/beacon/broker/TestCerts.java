package dev.beacon.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made with openssl at test time in a temporary directory (no key is ever committed):
 * a CA; a server certificate for 127.0.0.1 and localhost; a client certificate; a certificate from
 * the same CA for another name only (hostname checks); and a second, unrelated CA with a
 * certificate for 127.0.0.1 (a process outside the cluster). Server and client certificates allow
 * both serverAuth and clientAuth, so any of them also serves as a route certificate.
 */
final class TestCerts {
  final Path dir;
  final Path ca;
  final Path serverCert;
  final Path serverKey;
  /** The server certificate's key in the traditional PKCS#1 "RSA PRIVATE KEY" form. */
  final Path rsaCert;
  final Path rsaKey;
  final Path clientCert;
  final Path clientKey;
  /** Same CA, but only for DNS:elsewhere.invalid: fails hostname verification at 127.0.0.1. */
  final Path wrongNameCert;
  final Path wrongNameKey;
  final Path otherCa;
  final Path otherCert;
  final Path otherKey;

  private static TestCerts shared;

  /** One set per test JVM (openssl takes a moment per key). */
  static synchronized TestCerts get() {
    if (shared == null) {
      try {
        shared = new TestCerts(Files.createTempDirectory("beacon-tls"));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return shared;
  }

  private TestCerts(Path dir) throws IOException {
    this.dir = dir;
    dir.toFile().deleteOnExit();
    ca = newCa("ca", "Beacon Test CA");
    serverCert = dir.resolve("server.pem");
    serverKey = dir.resolve("server-key.pem");
    issue("ca", "server", "localhost", "IP:127.0.0.1,DNS:localhost", "ec");
    rsaCert = dir.resolve("rsa.pem");
    rsaKey = dir.resolve("rsa-key.pem");
    issue("ca", "rsa", "localhost", "IP:127.0.0.1,DNS:localhost", "rsa");
    run("openssl", "rsa", "-in", rsaKey.toString(), "-out", rsaKey.toString(), "-traditional");
    clientCert = dir.resolve("client.pem");
    clientKey = dir.resolve("client-key.pem");
    issue("ca", "client", "client", "DNS:client", "ec");
    wrongNameCert = dir.resolve("wrongname.pem");
    wrongNameKey = dir.resolve("wrongname-key.pem");
    issue("ca", "wrongname", "elsewhere.invalid", "DNS:elsewhere.invalid", "ec");
    otherCa = newCa("otherca", "Unrelated CA");
    otherCert = dir.resolve("other.pem");
    otherKey = dir.resolve("other-key.pem");
    issue("otherca", "other", "localhost", "IP:127.0.0.1,DNS:localhost", "ec");
    for (java.io.File f : dir.toFile().listFiles()) {
      f.deleteOnExit();
    }
  }

  private Path newCa(String name, String cn) throws IOException {
    Path cert = dir.resolve(name + ".pem");
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", dir.resolve(name + "-key.pem").toString(), "-out", cert.toString(), "-days", "2",
        "-subj", "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    return cert;
  }

  private void issue(String caName, String name, String cn, String san, String keyType) throws IOException {
    Path key = dir.resolve(name + "-key.pem");
    Path csr = dir.resolve(name + ".csr");
    Path ext = dir.resolve(name + ".ext");
    Files.writeString(ext, "subjectAltName=" + san + "\nextendedKeyUsage=serverAuth,clientAuth\n"
        + "keyUsage=critical,digitalSignature,keyEncipherment\n", StandardCharsets.US_ASCII);
    List<String> req = new ArrayList<>(List.of("openssl", "req", "-new", "-nodes", "-keyout", key.toString(),
        "-out", csr.toString(), "-subj", "/CN=" + cn, "-newkey"));
    if (keyType.equals("rsa")) {
      req.add("rsa:2048");
    } else {
      req.addAll(List.of("ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"));
    }
    run(req.toArray(new String[0]));
    run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", dir.resolve(caName + ".pem").toString(),
        "-CAkey", dir.resolve(caName + "-key.pem").toString(), "-CAcreateserial",
        "-out", dir.resolve(name + ".pem").toString(), "-days", "2", "-extfile", ext.toString());
  }

  private static void run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** A JDK SSLContext trusting {@code caFile}, presenting {@code cert}/{@code key} when not null. */
  static javax.net.ssl.SSLContext sslContext(Path cert, Path key, Path caFile) {
    try {
      io.netty.handler.ssl.SslContextBuilder b = io.netty.handler.ssl.SslContextBuilder.forClient()
          .sslProvider(io.netty.handler.ssl.SslProvider.JDK).trustManager(caFile.toFile());
      if (cert != null) {
        b.keyManager(cert.toFile(), key.toFile());
      }
      return ((io.netty.handler.ssl.JdkSslContext) b.build()).context();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Upgrades a connected socket to TLS as a client of 127.0.0.1 and completes the handshake. */
  static javax.net.ssl.SSLSocket upgrade(java.net.Socket s, javax.net.ssl.SSLContext ctx) throws IOException {
    javax.net.ssl.SSLSocket t = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
        .createSocket(s, "127.0.0.1", s.getPort(), true);
    javax.net.ssl.SSLParameters params = t.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    t.setSSLParameters(params);
    t.setSoTimeout(5000);
    t.startHandshake();
    return t;
  }

  /** HOCON overrides for a broker with client TLS from these files. */
  String clientTls() {
    return "broker.tls-cert=\"" + serverCert + "\"\nbroker.tls-key=\"" + serverKey + "\"\nbroker.tls-ca=\"" + ca + "\"\n";
  }

  /** HOCON overrides for mutual route TLS with {@code cert}/{@code key} and {@code caFile}. */
  static String routeTls(Path cert, Path key, Path caFile) {
    return "broker.route-tls-cert=\"" + cert + "\"\nbroker.route-tls-key=\"" + key + "\"\nbroker.route-tls-ca=\""
        + caFile + "\"\n";
  }
}
