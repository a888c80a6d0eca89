package dev.beacon.broker.discovery;

import dev.beacon.broker.BrokerLog;
import dev.beacon.common.Log;
import dev.beacon.broker.Discovery;
import dev.beacon.broker.DiscoveryHost;
import dev.beacon.broker.DiscoveryOptions;
import dev.beacon.common.CommandLine;
import dev.beacon.common.HostPort;
import dev.beacon.common.Hostname;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Cluster membership through lookupd, for one broker: a {@link LookupdRegistrar} per lookupd that
 * registers the broker's local interest (as {@link NsqRegistrations}) the way nsqd registers its
 * topics and channels, and a {@link PeerDiscovery} that turns the brokers lookupd knows into the
 * broker's route peers. Runs on the broker's context.
 */
public final class LookupdDiscovery implements Discovery {
  private static final Log LOG = BrokerLog.LOG;

  private final DiscoveryHost host;
  private final DiscoveryOptions options;
  private final NsqRegistrations interest;
  private final List<LookupdRegistrar> registrars = new ArrayList<>();
  private Vertx vertx;
  private NetClient netClient;
  private HttpClient httpClient;
  private PeerDiscovery discovery;
  private boolean started;

  public LookupdDiscovery(DiscoveryHost host, DiscoveryOptions options) {
    this.host = host;
    this.options = options;
    this.interest = new NsqRegistrations(host.localInterest(), host.nsqRegistrations());
  }

  List<LookupdRegistrar> registrars() {
    return registrars;
  }

  PeerDiscovery discovery() {
    return discovery;
  }

  /** Starts registering and discovering; completes at once (a lookupd that is down never delays the broker). */
  @Override
  public Future<Void> start() {
    if (options.lookupdTcpAddresses().isEmpty()) {
      return Future.succeededFuture();
    }
    vertx = host.context().owner();
    // IDENTIFY carries the hostname even when a broadcast address is configured; resolving it may block.
    return vertx.executeBlocking(Hostname::local).map(name -> {
      begin(options.broadcastAddress().isEmpty() ? name : options.broadcastAddress(), name);
      return null;
    });
  }

  private void begin(String broadcast, String hostname) {
    int dial = Math.toIntExact(options.lookupdDialTimeout().toMillis());
    NetClientOptions net = new NetClientOptions().setConnectTimeout(dial).setTcpNoDelay(true);
    HttpClientOptions http = new HttpClientOptions().setConnectTimeout(dial).setKeepAlive(true);
    if (options.lookupdTls()) {
      tls(net).setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
    }
    if (options.anyTls()) {
      // Each request says whether it is https (lookupd-tls, peer-http-tls); the host is always verified.
      tls(http).setVerifyHost(true);
    }
    netClient = vertx.createNetClient(net);
    httpClient = vertx.createHttpClient(http);
    // nsqd's tcp_port is where NSQ clients connect: the NSQ listener when there is one (NATS clients
    // and peers find the client and route ports in /varz either way).
    int tcpPort = host.nsqPort() > 0 ? host.nsqPort() : host.clientPort();
    LookupdCommands.Identity identity = new LookupdCommands.Identity(broadcast, hostname, tcpPort,
        host.httpPort(), CommandLine.versionOf(LookupdDiscovery.class, "0.1.0"), options.lookupdSecret());
    discovery = new PeerDiscovery(vertx, httpClient, options,
        new PeerDiscovery.Node(broadcast, tcpPort, host.httpPort()), host.serverId(),
        this::lookupdHttpAddresses, host::setRoutePeers);
    for (HostPort address : options.lookupdTcpAddresses()) {
      registrars.add(new LookupdRegistrar(vertx, netClient, address, identity, interest, options,
          lookupdHttp -> discovery.pollAll()));
    }
    host.addInterestListener(this::onInterest);
    host.addNsqListener(this::onNsq);
    registrars.forEach(LookupdRegistrar::start);
    discovery.start();
    started = true;
    LOG.info("cluster: registering with lookupd " + options.lookupdTcpAddresses()
        + " as " + broadcast + ":" + tcpPort);
  }

  private void onInterest(String subject, String queue, boolean added) {
    if (!started) {
      return;
    }
    if (!TopicNames.isRegistrableSubject(subject)) {
      return;
    }
    // Each registrar compares what it told its lookupd with the projection, so a call that changed
    // nothing lookupd sees sends nothing. A queue group is no channel: only the topic may change.
    for (LookupdRegistrar r : registrars) {
      r.changed(subject, null);
    }
  }

  /** An NSQ topic or channel (null: the topic) may have come or gone. */
  private void onNsq(String topic, String channel) {
    if (!started || !TopicNames.isRegistrableSubject(topic)) {
      return;
    }
    for (LookupdRegistrar r : registrars) {
      r.changed(topic, channel != null && TopicNames.isValidName(channel) ? channel : null);
    }
  }

  private Collection<HostPort> lookupdHttpAddresses() {
    return registrars.stream().map(LookupdRegistrar::discoveryAddress).filter(Objects::nonNull).toList();
  }

  /** discovery-tls-ca (trust) and discovery-tls-cert/key (client certificate), PEM, when set. */
  private <T extends io.vertx.core.net.ClientOptionsBase> T tls(T o) {
    if (!options.discoveryTlsCa().isEmpty()) {
      o.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(options.discoveryTlsCa()));
    }
    if (!options.discoveryTlsCert().isEmpty()) {
      o.setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions().setCertPath(options.discoveryTlsCert())
          .setKeyPath(options.discoveryTlsKey()));
    }
    return o;
  }

  @Override
  public Future<Void> stop() {
    started = false;
    registrars.forEach(LookupdRegistrar::stop);
    if (discovery != null) {
      discovery.stop();
    }
    List<Future<Void>> closing = new ArrayList<>();
    if (netClient != null) {
      closing.add(netClient.close());
    }
    if (httpClient != null) {
      closing.add(httpClient.close());
    }
    return Future.join(closing).mapEmpty();
  }
}
