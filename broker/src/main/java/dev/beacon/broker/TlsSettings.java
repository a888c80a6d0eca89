package dev.beacon.broker;

import com.typesafe.config.Config;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import java.time.Duration;
import java.util.List;

/**
 * The TLS settings of one listener kind (clients, routes or monitoring), PEM files as nats-server
 * takes them: a certificate chain, its private key (PKCS#8, PKCS#1 RSA or SEC1 EC, read by Vert.x's
 * PEM loader) and an optional CA bundle that peer certificates must chain to. {@link #serverContext}
 * and {@link #clientContext} turn them into Netty SslContexts (JDK provider); the connections put
 * Netty's SslHandler made from them into their channel pipeline ({@link Wire#startTls}).
 *
 * @param cert certificate chain file (PEM)
 * @param key private key file (PEM)
 * @param ca CA bundle (PEM) peer certificates are verified against; "" = the JDK's default trust store
 * @param verify peers must present a certificate that chains to {@code ca}
 * @param minVersion lowest TLS protocol version accepted: "1.2" or "1.3"
 * @param ciphers cipher suites (IANA names, as nats-server's cipher_suites), in order of preference; empty =
 *     the JDK's defaults with AES-128-GCM first
 * @param timeout how long the TLS handshake may take before the connection is closed
 * @param handshakeFirst clients only: TLS starts right after accept, before INFO (nats-server handshake_first)
 */
record TlsSettings(String cert, String key, String ca, boolean verify, String minVersion, List<String> ciphers,
                   Duration timeout, boolean handshakeFirst) {

  /**
   * The client listener's settings ({@code tls-*} keys), or null when {@code tls-cert} and
   * {@code tls-key} are both empty (no TLS).
   */
  static TlsSettings clients(Config b) {
    return read(b, "tls-", b.getBoolean("tls-verify"), b.getString("tls-min-version"), b.getStringList("tls-ciphers"),
        b.getDuration("tls-timeout"), b.getBoolean("tls-handshake-first"));
  }

  /**
   * The route listener's and dialler's settings ({@code route-tls-*}), or null without TLS. Routes share
   * the client listener's minimum version and cipher suites; a CA is required, since both sides verify.
   */
  static TlsSettings routes(Config b) {
    TlsSettings t = read(b, "route-tls-", b.getBoolean("route-tls-verify"), b.getString("tls-min-version"),
        b.getStringList("tls-ciphers"), b.getDuration("route-tls-timeout"), false);
    if (t != null && t.ca.isEmpty()) {
      throw new IllegalArgumentException("route-tls-ca is required with route-tls-cert (routes verify each other)");
    }
    return t;
  }

  /** The monitoring listener's settings ({@code http-tls-cert}, {@code http-tls-key}), or null (plain HTTP). */
  static TlsSettings monitoring(Config b) {
    return read(b, "http-tls-", false, b.getString("tls-min-version"), b.getStringList("tls-ciphers"),
        b.getDuration("tls-timeout"), false);
  }

  private static TlsSettings read(Config b, String prefix, boolean verify, String minVersion, List<String> ciphers,
                                  Duration timeout, boolean handshakeFirst) {
    String cert = b.getString(prefix + "cert");
    String key = b.getString(prefix + "key");
    String ca = b.hasPath(prefix + "ca") ? b.getString(prefix + "ca") : "";
    if (cert.isEmpty() && key.isEmpty()) {
      if (!ca.isEmpty()) {
        throw new IllegalArgumentException(prefix + "ca is set without " + prefix + "cert and " + prefix + "key");
      }
      return null;
    }
    if (cert.isEmpty() || key.isEmpty()) {
      throw new IllegalArgumentException(prefix + "cert and " + prefix + "key must be set together");
    }
    if (!minVersion.equals("1.2") && !minVersion.equals("1.3")) {
      throw new IllegalArgumentException("tls-min-version: \"" + minVersion + "\" (expected: \"1.2\" or \"1.3\")");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(prefix + "timeout: " + timeout + " (expected: > 0)");
    }
    return new TlsSettings(cert, key, ca, verify, minVersion, List.copyOf(ciphers), timeout, handshakeFirst);
  }

  private String[] protocols() {
    return minVersion.equals("1.3") ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"};
  }

  /** The listener side. Reads the files (blocking: call on a worker); fails with the file named on bad input. */
  SslContext serverContext(Vertx vertx) {
    SslContextBuilder b = SslContextBuilder.forServer(keyManager(vertx))
        .clientAuth(verify ? ClientAuth.REQUIRE : ClientAuth.NONE);
    if (!ca.isEmpty()) {
      b.trustManager(trustManager(vertx));
    }
    return build(b, true);
  }

  /**
   * The dialling side: presents this certificate and verifies the peer's against {@code ca}, hostname
   * included (the address it was dialled at must be a name on the peer's certificate).
   */
  SslContext clientContext(Vertx vertx) {
    SslContextBuilder b = SslContextBuilder.forClient().keyManager(keyManager(vertx))
        .endpointIdentificationAlgorithm("HTTPS");
    if (!ca.isEmpty()) {
      b.trustManager(trustManager(vertx));
    }
    return build(b, false);
  }

  private SslContext build(SslContextBuilder b, boolean server) {
    b.sslProvider(SslProvider.JDK).protocols(protocols());
    b.ciphers(ciphers.isEmpty() ? jdkDefaultsAes128First() : ciphers);
    SslContext ctx;
    try {
      ctx = b.build();
    } catch (Exception e) {
      throw new IllegalArgumentException("TLS settings (" + cert + "): " + e.getMessage(), e);
    }
    // An unknown cipher suite name only fails when an engine is made: find out at start-up.
    try {
      SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT);
      engine.closeOutbound();
      engine.closeInbound();
    } catch (Exception e) {
      throw new IllegalArgumentException("tls-ciphers " + ciphers + ": " + e.getMessage(), e);
    }
    return ctx;
  }

  /**
   * The JDK's default cipher suites with the AES-128-GCM ones first, as Go (nats-server) prefers them:
   * the JDK would pick AES-256-GCM, measured here at well below the throughput of AES-128-GCM.
   * The JDK's server side follows this order.
   */
  static List<String> jdkDefaultsAes128First() {
    String[] jdk;
    try {
      jdk = javax.net.ssl.SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    List<String> ordered = new java.util.ArrayList<>();
    for (String c : jdk) {
      if (c.contains("AES_128_GCM")) {
        ordered.add(c);
      }
    }
    for (String c : jdk) {
      if (!c.contains("AES_128_GCM")) {
        ordered.add(c);
      }
    }
    return ordered;
  }

  private KeyManagerFactory keyManager(Vertx vertx) {
    try {
      return new PemKeyCertOptions().setCertPath(cert).setKeyPath(key).getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot load certificate " + cert + " / key " + key + ": " + message(e), e);
    }
  }

  private TrustManagerFactory trustManager(Vertx vertx) {
    try {
      return new PemTrustOptions().addCertPath(ca).getTrustManagerFactory(vertx);
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot load CA " + ca + ": " + message(e), e);
    }
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  /** A new SslHandler for one connection; {@code peerHost}/{@code peerPort} for the dialling side, else null/0. */
  SslHandler newHandler(SslContext ctx, ByteBufAllocator alloc, String peerHost, int peerPort) {
    SslHandler h = peerHost == null ? ctx.newHandler(alloc) : ctx.newHandler(alloc, peerHost, peerPort);
    h.setHandshakeTimeoutMillis(timeout.toMillis());
    return h;
  }

  /** nats-server's spelling of a negotiated protocol for /connz: "1.2", "1.3". */
  static String versionName(String protocol) {
    return protocol.startsWith("TLSv") ? protocol.substring(4) : protocol;
  }
}
