package dev.beacon.lookupd;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * One identified nsqd connection: what it said in IDENTIFY, when it last PINGed, and (the
 * index that makes disconnect cleanup cost what the peer registered) every registration it is in.
 */
final class PeerInfo {
  final String id;
  final String hostname;
  final String broadcastAddress;
  final int tcpPort;
  final int httpPort;
  final String version;
  final String topologyZone;
  final String topologyRegion;
  /** Unix nanoseconds of the last IDENTIFY or PING (the only heartbeat, as in nsqlookupd). */
  long lastUpdate;

  /** topic name -> this peer's Producer entry in that topic registration, sorted for /nodes. */
  final TreeMap<String, Producer> topics = new TreeMap<>();
  /** Channel registrations this peer is a producer of. */
  final Set<RegistrationDb.Channel> channels = new HashSet<>();

  PeerInfo(String id, String hostname, String broadcastAddress, int tcpPort, int httpPort, String version,
      String topologyZone, String topologyRegion) {
    this.id = id;
    this.hostname = hostname;
    this.broadcastAddress = broadcastAddress;
    this.tcpPort = tcpPort;
    this.httpPort = httpPort;
    this.version = version;
    this.topologyZone = topologyZone;
    this.topologyRegion = topologyRegion;
  }

  /**
   * Topic plus channel registrations this peer is a producer of (max-registrations-per-peer counts
   * these). The two indexes are the counter: every path that adds or removes an entry (REGISTER,
   * UNREGISTER, disconnect, the HTTP deletes) keeps them exact, and their sizes cost nothing.
   */
  int registrations() {
    return topics.size() + channels.size();
  }

  /** The /topic/tombstone node key: broadcast_address:http_port, unbracketed as nsqlookupd compares it. */
  boolean isNode(String node) {
    String port = Integer.toString(httpPort);
    int n = node.length();
    if (!node.endsWith(port) || n - port.length() < 1 || node.charAt(n - port.length() - 1) != ':') {
      return false;
    }
    String host = node.substring(0, n - port.length() - 1);
    if (host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']') {
      host = host.substring(1, host.length() - 1); // ours: also accept [v6]:port
    }
    return host.equals(broadcastAddress);
  }
}
