package dev.beacon.broker;

/** The broker verticle (being built: issue 3). */
public final class Broker {
}
