package dev.beacon.bench;

/** Benchmark entry point (being built). */
public final class Main {
  public static void main(String[] args) {
    System.err.println("bench: not built yet");
    System.exit(1);
  }
}
