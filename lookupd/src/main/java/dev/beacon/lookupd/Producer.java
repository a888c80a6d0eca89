package dev.beacon.lookupd;

/** A peer's entry in one registration; tombstone state belongs to this (registration, peer) pair. */
final class Producer {
  final PeerInfo peer;
  boolean tombstoned;
  long tombstonedAt;

  Producer(PeerInfo peer) {
    this.peer = peer;
  }
}
