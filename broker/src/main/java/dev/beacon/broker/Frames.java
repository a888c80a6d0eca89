package dev.beacon.broker;

import java.nio.charset.StandardCharsets;

/**
 * Every frame the broker writes, the one place the outbound NATS wire format is spelled (the
 * {@link Parser} is the one place it is read): MSG/HMSG and the no-responders status to clients,
 * RMSG and RS+/RS- to routes, INFO/CONNECT, PING/PONG, +OK and -ERR. The per-message writers
 * append to an {@link OutBuffer} and allocate nothing.
 */
final class Frames {
  private Frames() {}

  static final byte[] PING = ascii("PING\r\n");
  static final byte[] PONG = ascii("PONG\r\n");
  static final byte[] OK = ascii("+OK\r\n");

  private static final byte[] CRLF = ascii("\r\n");
  private static final byte[] MSG = ascii("MSG ");
  private static final byte[] HMSG = ascii("HMSG ");
  private static final byte[] RMSG = ascii("RMSG " + Protocol.ACCOUNT + " ");
  private static final byte[] ROUTE_HMSG = ascii("HMSG " + Protocol.ACCOUNT + " ");
  /** No-responders header block, exactly as nats-server 2.9 sends it (later versions add Nats-Subject). */
  private static final byte[] NO_RESPONDERS_HDR = ascii("NATS/1.0 503\r\n\r\n");

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code -ERR 'text'}. */
  static byte[] err(String text) {
    return utf8("-ERR '" + text + "'\r\n");
  }

  /** {@code INFO {json}}. */
  static byte[] info(Info info) {
    return utf8("INFO " + Json.write(info) + "\r\n");
  }

  /** {@code CONNECT {json}}, a route's first line when it dialled. */
  static byte[] connect(RouteConnect connect) {
    return utf8("CONNECT " + Json.write(connect) + "\r\n");
  }

  /** Subjects and queue names are byte strings: written back as the very bytes they were read from. */
  private static byte[] wire(String s) {
    return s.getBytes(Subjects.WIRE);
  }

  /** {@code RS+ $G subject} for plain interest, {@code RS+ $G subject queue weight} for a queue group. */
  static byte[] routeSub(String subject, String queue, int weight) {
    return wire(queue == null
        ? "RS+ " + Protocol.ACCOUNT + " " + subject + "\r\n"
        : "RS+ " + Protocol.ACCOUNT + " " + subject + " " + queue + " " + weight + "\r\n");
  }

  /** {@code RS- $G subject[ queue]}. */
  static byte[] routeUnsub(String subject, String queue) {
    return wire(queue == null
        ? "RS- " + Protocol.ACCOUNT + " " + subject + "\r\n"
        : "RS- " + Protocol.ACCOUNT + " " + subject + " " + queue + "\r\n");
  }

  /**
   * {@code MSG subject sid [reply] size} or, for a client that accepts headers and a message that has
   * them, {@code HMSG subject sid [reply] hdr-size total-size}; then the payload. A client without
   * header support gets the message without its header block. Returns the payload bytes written.
   */
  static int msg(OutBuffer out, Parser p, byte[] sid, boolean clientHeaders) {
    boolean hasHeaders = p.headerLen >= 0;
    boolean hmsg = hasHeaders && clientHeaders;
    int skip = hasHeaders && !hmsg ? p.headerLen : 0;
    int size = p.payloadLen - skip;
    out.append(hmsg ? HMSG : MSG);
    out.append(p.args, p.subjectOff, p.subjectLen);
    out.append((byte) ' ');
    out.append(sid);
    out.append((byte) ' ');
    if (p.replyLen >= 0) {
      out.append(p.args, p.replyOff, p.replyLen);
      out.append((byte) ' ');
    }
    return sizesAndPayload(out, p, hmsg, skip, size);
  }

  /** The 503 status a requester gets on its reply subject when nobody received its request. */
  static void noResponders(OutBuffer out, Parser p, byte[] sid) {
    int n = NO_RESPONDERS_HDR.length;
    out.append(HMSG);
    out.append(p.args, p.replyOff, p.replyLen);
    out.append((byte) ' ');
    out.append(sid);
    out.append((byte) ' ');
    out.appendNumber(n);
    out.append((byte) ' ');
    out.appendNumber(n);
    out.append(CRLF);
    out.append(NO_RESPONDERS_HDR);
    out.append(CRLF);
  }

  /**
   * One message to a route: {@code RMSG $G subject [reply] size}, or with queue groups
   * {@code RMSG $G subject + reply q1 q2 size} ({@code |} instead of {@code + reply} without a reply);
   * {@code HMSG $G ...} with a header size when the route accepts headers. Returns the payload bytes.
   */
  static int routeMsg(OutBuffer out, Parser p, boolean routeHeaders, byte[][] queues, int queueCount) {
    boolean hasHeaders = p.headerLen >= 0;
    boolean h = hasHeaders && routeHeaders;
    int skip = hasHeaders && !h ? p.headerLen : 0;
    int size = p.payloadLen - skip;
    out.append(h ? ROUTE_HMSG : RMSG);
    out.append(p.args, p.subjectOff, p.subjectLen);
    if (queueCount > 0) {
      if (p.replyLen >= 0) {
        out.append((byte) ' ');
        out.append((byte) '+');
        out.append((byte) ' ');
        out.append(p.args, p.replyOff, p.replyLen);
      } else {
        out.append((byte) ' ');
        out.append((byte) '|');
      }
      for (int i = 0; i < queueCount; i++) {
        out.append((byte) ' ');
        out.append(queues[i]);
      }
    } else if (p.replyLen >= 0) {
      out.append((byte) ' ');
      out.append(p.args, p.replyOff, p.replyLen);
    }
    out.append((byte) ' ');
    return sizesAndPayload(out, p, h, skip, size);
  }

  /**
   * The end every message frame shares: {@code [header-size ]size CRLF payload CRLF}, the payload
   * starting {@code skip} bytes in (headers stripped for a peer that does not take them).
   */
  private static int sizesAndPayload(OutBuffer out, Parser p, boolean headers, int skip, int size) {
    if (headers) {
      out.appendNumber(p.headerLen);
      out.append((byte) ' ');
    }
    out.appendNumber(size);
    out.append(CRLF);
    out.append(p.payload, p.payloadOff + skip, size);
    out.append(CRLF);
    return size;
  }
}
