/**
 * The broker core: one event loop owns all state, nothing is locked.
 *
 * <p>Hot path, in order: {@link dev.beacon.broker.Wire} (the one adapter to socket internals) hands
 * each read chunk to a {@link dev.beacon.broker.Conn}, whose {@link dev.beacon.broker.Parser} (the
 * one place the wire format is read) calls the connection ({@link dev.beacon.broker.ClientConnection}
 * or {@link dev.beacon.broker.RouteConnection}); {@link dev.beacon.broker.Deliver} matches a message
 * in the {@link dev.beacon.broker.Sublist} and appends frames ({@link dev.beacon.broker.Frames}, the
 * one place the wire format is written) to each target's {@link dev.beacon.broker.OutBuffer}; the
 * {@link dev.beacon.broker.Broker} flushes every buffer written during the read once at its end.
 *
 * <p>State: subscriptions in {@link dev.beacon.broker.Sublist}; local interest counted once in
 * {@link dev.beacon.broker.LocalInterest}; routes and the peer set in {@link dev.beacon.broker.Routes};
 * settings in {@link dev.beacon.broker.BrokerOptions}; counters in {@link dev.beacon.broker.Stats}.
 * Monitoring: {@link dev.beacon.broker.MonitorData} builds the typed answers
 * ({@link dev.beacon.broker.Varz}, {@link dev.beacon.broker.Connz}, {@link dev.beacon.broker.Routez},
 * {@link dev.beacon.broker.Subsz}), {@link dev.beacon.broker.Monitor} serves them over HTTP.
 * Discovery is reached only through {@link dev.beacon.broker.Discovery} and
 * {@link dev.beacon.broker.DiscoveryHost}. The NSQ side ({@code dev.beacon.broker.nsq}) reaches the
 * core through the Broker's {@link dev.beacon.broker.nsq.NsqCore}: one owner-less
 * {@link dev.beacon.broker.Subscription} (with a sink) per NSQ consumer, and NSQ PUB delivered as a
 * message with no publishing connection.
 */
package dev.beacon.broker;
