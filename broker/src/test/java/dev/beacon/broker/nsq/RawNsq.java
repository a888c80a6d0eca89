package dev.beacon.broker.nsq;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A raw nsqd V2 client over a real socket: send commands, read frames ("R:", "E:", "M:attempts:id:body"). */
final class RawNsq implements AutoCloseable {
  final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  RawNsq(int port) throws IOException {
    this(port, true);
  }

  RawNsq(int port, boolean magic) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(5000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    if (magic) {
      send("  V2");
    }
  }

  RawNsq send(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  RawNsq send(String line, String body) throws IOException {
    return send(line, body.getBytes(StandardCharsets.UTF_8));
  }

  RawNsq send(String line, byte[] body) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
    b.write(body.length >>> 24);
    b.write(body.length >>> 16);
    b.write(body.length >>> 8);
    b.write(body.length);
    b.writeBytes(body);
    out.write(b.toByteArray());
    out.flush();
    return this;
  }

  /** The next frame that is not a heartbeat. */
  String frame() throws IOException {
    while (true) {
      String f = anyFrame();
      if (!f.equals("R:_heartbeat_")) {
        return f;
      }
    }
  }

  String anyFrame() throws IOException {
    int size = in.readInt();
    int type = in.readInt();
    byte[] data = new byte[size - 4];
    in.readFully(data);
    if (type == 2) {
      int attempts = ((data[8] & 0xff) << 8) | (data[9] & 0xff);
      return "M:" + attempts + ":" + new String(data, 10, 16, StandardCharsets.US_ASCII) + ":"
          + new String(data, 26, data.length - 26, StandardCharsets.UTF_8);
    }
    return (type == 1 ? "E:" : "R:") + new String(data, StandardCharsets.UTF_8);
  }

  /** True when the server closed the connection (EOF) within the socket timeout. */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (EOFException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  /** Identifies (without feature negotiation) and subscribes; expects OK, OK. */
  RawNsq consumer(String topic, String channel) throws IOException {
    send("IDENTIFY\n", "{\"client_id\":\"raw\",\"hostname\":\"raw\",\"heartbeat_interval\":1000}");
    expect("R:OK");
    send("SUB " + topic + " " + channel + "\n");
    expect("R:OK");
    return this;
  }

  void expect(String frame) throws IOException {
    String f = frame();
    if (!f.equals(frame)) {
      throw new AssertionError("expected " + frame + " but got " + f);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
