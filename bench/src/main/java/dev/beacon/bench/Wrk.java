package dev.beacon.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs Debian's wrk (keep-alive HTTP load) and reads its summary. */
final class Wrk {
  static final String BINARY = "wrk";
  private static final Pattern RATE = Pattern.compile("(?m)^Requests/sec:\\s+([0-9.]+)\\s*$");
  private static final Pattern NON_2XX = Pattern.compile("(?m)^\\s*Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("(?m)^\\s*Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern TOTAL = Pattern.compile("(?m)^\\s*(\\d+) requests in ");

  private Wrk() {}

  /** wrk's summary: requests/s and the number of requests completed. */
  record Summary(double rate, long requests) {}

  /** A {@code seconds}-long run; any non-2xx answer or socket error fails the run. */
  static Summary run(int threads, int connections, int seconds, String url) throws IOException {
    Process p = new ProcessBuilder(List.of(BINARY, "-t" + threads, "-c" + connections, "-d" + seconds + "s",
        "--timeout", "10s", url)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      int status = p.waitFor();
      if (status != 0) {
        throw new IOException("wrk exited " + status + ": " + output.trim());
      }
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    return parse(output);
  }

  static Summary parse(String output) throws IOException {
    Matcher bad = NON_2XX.matcher(output);
    if (bad.find()) {
      throw new IOException("wrk saw " + bad.group(1) + " non-2xx answers");
    }
    Matcher errors = SOCKET_ERRORS.matcher(output);
    if (errors.find()) {
      throw new IOException("wrk socket errors: " + errors.group(0).trim());
    }
    Matcher total = TOTAL.matcher(output);
    Matcher rate = RATE.matcher(output);
    if (!total.find() || !rate.find()) {
      throw new IOException("no wrk summary in: " + output.trim());
    }
    long requests = Long.parseLong(total.group(1));
    if (requests == 0) {
      throw new IOException("wrk completed no request");
    }
    return new Summary(Double.parseDouble(rate.group(1)), requests);
  }
}
