package dev.beacon.broker.nsq;

/**
 * What the NSQ listener needs from the NATS core, called on the broker's owning context only:
 * queue subscriptions for channels and publishing to subjects.
 */
public interface NsqCore {

  /** Receives the messages a channel's queue subscription is picked for. */
  interface Delivery {
    /** The payload (headers already stripped) of one message; copy what must be kept. */
    void deliver(byte[] b, int off, int len);
  }

  /**
   * Subscribes the queue group {@code queue} on {@code subject} as one local subscriber (across the
   * cluster, each message goes to one member of the group). Returns a handle for {@link #unsubscribe}.
   */
  Object subscribe(String subject, String queue, Delivery delivery);

  void unsubscribe(Object handle);

  /** Publishes one message to {@code subject}, as a local client's PUB. */
  void publish(String subject, byte[] b, int off, int len);

  /** NSQ registrations changed: {@code channel} null is the topic itself (see {@link NsqServer#forEachRegistration}). */
  void registrationChanged(String topic, String channel);
}
