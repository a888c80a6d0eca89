package dev.beacon.broker;

import java.util.function.BiConsumer;

/**
 * What the broker's NSQ side registers with lookupd, as nsqd would: its NSQ topics, and the
 * channels that have a consumer on this broker. Read on the broker's context.
 */
public interface NsqRegistrationsView {
  boolean hasTopic(String topic);

  boolean hasChannel(String topic, String channel);

  /** {@code (topic, null)} for each NSQ topic, {@code (topic, channel)} for each channel with consumers. */
  void forEachRegistration(BiConsumer<String, String> action);

  /** Nothing (no NSQ topics). */
  NsqRegistrationsView NONE = new NsqRegistrationsView() {
    @Override
    public boolean hasTopic(String topic) {
      return false;
    }

    @Override
    public boolean hasChannel(String topic, String channel) {
      return false;
    }

    @Override
    public void forEachRegistration(BiConsumer<String, String> action) {
    }
  };
}
