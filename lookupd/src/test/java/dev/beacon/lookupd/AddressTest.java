package dev.beacon.lookupd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(5)
class AddressTest {
  @Test
  void ipv6PeerIdsUseGosShortForm() {
    assertEquals("::1", Lookupd.shortIpv6("0:0:0:0:0:0:0:1"));
    assertEquals("::", Lookupd.shortIpv6("0:0:0:0:0:0:0:0"));
    assertEquals("fe80::1%eth0", Lookupd.shortIpv6("fe80:0:0:0:0:0:0:1%eth0"));
    assertEquals("2001:db8::1:0:0:1", Lookupd.shortIpv6("2001:db8:0:0:1:0:0:1"));
    assertEquals("2001:db8:0:1:1:1:1:1", Lookupd.shortIpv6("2001:db8:0:1:1:1:1:1"));
    assertEquals("127.0.0.1", Lookupd.shortIpv6("127.0.0.1"));
    assertEquals("[::1]:4150", Lookupd.hostPort("::1", 4150));
  }
}
