package dev.beacon.testkit;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * PEM certificates made with openssl at test time in a temporary directory (no key is committed):
 * a CA; a server certificate for 127.0.0.1 and localhost (EC, and an RSA one whose key is in the
 * traditional PKCS#1 form); a client certificate; a certificate from the same CA for another name
 * only (hostname checks); and a second, unrelated CA with its own certificate for 127.0.0.1 (a
 * process outside the cluster). Every leaf allows serverAuth and clientAuth, so any of them also
 * serves as a route certificate.
 */
public final class TestCerts {
  public final Path dir;
  public final Path ca;
  public final Path serverCert;
  public final Path serverKey;
  /** A server certificate whose key is in the traditional PKCS#1 "RSA PRIVATE KEY" form. */
  public final Path rsaCert;
  public final Path rsaKey;
  public final Path clientCert;
  public final Path clientKey;
  /** Same CA, but only for DNS:elsewhere.invalid: fails hostname verification at 127.0.0.1. */
  public final Path wrongNameCert;
  public final Path wrongNameKey;
  public final Path otherCa;
  public final Path otherCert;
  public final Path otherKey;

  private static TestCerts shared;

  /** One set per test JVM (openssl takes a moment per key). */
  public static synchronized TestCerts get() {
    if (shared == null) {
      try {
        shared = new TestCerts(Files.createTempDirectory("beacon-certs"));
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
    issue("ca", "server", "localhost", "IP:127.0.0.1,DNS:localhost");
    rsaCert = dir.resolve("rsa.pem");
    rsaKey = dir.resolve("rsa-key.pem");
    issue("ca", "rsa", "localhost", "IP:127.0.0.1,DNS:localhost", "rsa:2048");
    run("openssl", "rsa", "-in", rsaKey.toString(), "-out", rsaKey.toString(), "-traditional");
    clientCert = dir.resolve("client.pem");
    clientKey = dir.resolve("client-key.pem");
    issue("ca", "client", "client", "DNS:client");
    wrongNameCert = dir.resolve("wrongname.pem");
    wrongNameKey = dir.resolve("wrongname-key.pem");
    issue("ca", "wrongname", "elsewhere.invalid", "DNS:elsewhere.invalid");
    otherCa = newCa("otherca", "Unrelated CA");
    otherCert = dir.resolve("other.pem");
    otherKey = dir.resolve("other-key.pem");
    issue("otherca", "other", "localhost", "IP:127.0.0.1,DNS:localhost");
    for (File f : dir.toFile().listFiles()) {
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

  private void issue(String caName, String name, String cn, String san) throws IOException {
    issue(caName, name, cn, san, null);
  }

  /** {@code rsa}: e.g. "rsa:2048" for an RSA key; null for an EC P-256 key. */
  private void issue(String caName, String name, String cn, String san, String rsa) throws IOException {
    Path key = dir.resolve(name + "-key.pem");
    Path csr = dir.resolve(name + ".csr");
    Path ext = dir.resolve(name + ".ext");
    Files.writeString(ext, "subjectAltName=" + san + "\nextendedKeyUsage=serverAuth,clientAuth\n"
        + "keyUsage=critical,digitalSignature,keyEncipherment\n", StandardCharsets.US_ASCII);
    if (rsa != null) {
      run("openssl", "req", "-new", "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn,
          "-newkey", rsa);
    } else {
      run("openssl", "req", "-new", "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn,
          "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
    }
    run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", dir.resolve(caName + ".pem").toString(),
        "-CAkey", dir.resolve(caName + "-key.pem").toString(), "-CAcreateserial",
        "-out", dir.resolve(name + ".pem").toString(), "-days", "2", "-extfile", ext.toString());
  }

  private static void run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
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

  /** A JDK client SSLContext that trusts only {@code caFile} and presents no certificate. */
  public static SSLContext trusting(Path caFile) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int i = 0;
      try (var in = Files.newInputStream(caFile)) {
        for (Certificate c : cf.generateCertificates(in)) {
          ks.setCertificateEntry("ca" + i++, c);
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A TLS socket to 127.0.0.1:port, hostname checked, handshake done. */
  public static SSLSocket connect(SSLContext ctx, int port) throws IOException {
    SSLSocket t = (SSLSocket) ctx.getSocketFactory().createSocket(new Socket("127.0.0.1", port), "127.0.0.1", port, true);
    SSLParameters params = t.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    t.setSSLParameters(params);
    t.setSoTimeout(5000);
    t.startHandshake();
    return t;
  }
}
