/**
 * Cluster membership through lookupd ({@link dev.beacon.broker.discovery.LookupdDiscovery}, the core's
 * {@link dev.beacon.broker.Discovery}): registering the broker's local interest with each lookupd as
 * nsqd registers topics and channels ({@link dev.beacon.broker.discovery.LookupdRegistrar},
 * {@link dev.beacon.broker.discovery.LookupdCommands}, {@link dev.beacon.broker.discovery.NsqRegistrations}),
 * and turning the brokers lookupd lists into route peers ({@link dev.beacon.broker.discovery.PeerDiscovery}).
 * Depends on the core; the core does not depend on it.
 */
package dev.beacon.broker.discovery;
