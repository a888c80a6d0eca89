package dev.beacon.broker;

/** Entry point (being built; see the open issues). */
public final class Main {
  public static void main(String[] args) {
    System.err.println("broker: not built yet");
    System.exit(1);
  }
}
