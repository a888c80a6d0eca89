package dev.beacon.lookupd;

/** Entry point (being built; see the open issues). */
public final class Main {
  public static void main(String[] args) {
    System.err.println("lookupd: not built yet");
    System.exit(1);
  }
}
