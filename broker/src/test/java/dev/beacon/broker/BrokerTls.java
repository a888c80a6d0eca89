package dev.beacon.broker;

import dev.beacon.testkit.TestCerts;

import java.io.IOException;
import java.nio.file.Path;

/** The broker tests' TLS helpers on top of testkit's {@link TestCerts}: client contexts and broker settings. */
public final class BrokerTls {
  private BrokerTls() {}

  /** A JDK SSLContext trusting {@code caFile}, presenting {@code cert}/{@code key} when not null. */
  public static javax.net.ssl.SSLContext sslContext(Path cert, Path key, Path caFile) {
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
  public static javax.net.ssl.SSLSocket upgrade(java.net.Socket s, javax.net.ssl.SSLContext ctx) throws IOException {
    javax.net.ssl.SSLSocket t = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
        .createSocket(s, "127.0.0.1", s.getPort(), true);
    javax.net.ssl.SSLParameters params = t.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    t.setSSLParameters(params);
    t.setSoTimeout(5000);
    t.startHandshake();
    return t;
  }

  /** HOCON overrides for a broker with client TLS from {@code certs}' server certificate. */
  public static String clientTls(TestCerts certs) {
    return "broker.tls-cert=\"" + certs.serverCert + "\"\nbroker.tls-key=\"" + certs.serverKey + "\"\nbroker.tls-ca=\""
        + certs.ca + "\"\n";
  }

  /** HOCON overrides for mutual route TLS with {@code cert}/{@code key} and {@code caFile}. */
  public static String routeTls(Path cert, Path key, Path caFile) {
    return "broker.route-tls-cert=\"" + cert + "\"\nbroker.route-tls-key=\"" + key + "\"\nbroker.route-tls-ca=\""
        + caFile + "\"\n";
  }
}
