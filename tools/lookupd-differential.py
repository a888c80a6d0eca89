#!/usr/bin/env python3
"""Differential check of lookupd against a real nsqlookupd binary: the same HTTP requests and TCP
sessions go to both, answers are normalised (Date, Content-Length, JSON key order, the daemons' own
ports) and every difference is printed. Starts both daemons on free loopback ports, stops them.

    tools/lookupd-differential.py /path/to/nsqlookupd [lookupd.jar]

Exit 0 when the only differences are the documented ones (KNOWN below), 1 otherwise.
"""
import json, os, socket, struct, subprocess, sys, time

KNOWN = {
    "GET /create_topic?topic=x": "legacy alias of nsqlookupd <= 0.3.8, gone in v1.3.0 (older reference code may still have it)",
    "tcp: negative body": "lookupd answers E_BAD_BODY before closing (README: differences from nsqlookupd)",
}

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def start(cmd, tcp):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", tcp), timeout=0.2).close(); return proc
        except OSError:
            time.sleep(0.1)
    proc.kill(); sys.exit("not listening: " + " ".join(cmd))

def http(port, method, target):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(2)
    s.sendall((f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               + ("Content-Length: 0\r\n" if method == "POST" else "") + "\r\n").encode())
    data = b""
    try:
        while (d := s.recv(65536)):
            data += d
    except socket.timeout:
        pass
    s.close()
    head, _, body = data.decode(errors="replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    try:
        body = json.dumps(json.loads(body), sort_keys=True)
    except ValueError:
        pass
    keep = ("content-type", "x-nsq-content-type", "allow", "location")
    return lines[0], {k: v for k, v in sorted(hdrs.items()) if k in keep}, body

def tcp(port, chunks):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(0.6)
    out, closed = b"", False
    for c in chunks:
        try:
            s.sendall(c)
        except OSError:
            closed = True; break
        time.sleep(0.05)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True; break
            out += d
    except socket.timeout:
        pass
    except OSError:
        closed = True
    s.close()
    return out, closed

HTTP = [
    "GET /ping", "GET /info", "GET /topics", "GET /nodes", "GET /lookup", "GET /lookup?topic=", "GET /lookup?topic=nope",
    "GET /lookup?topic=bad!name", "GET /channels", "GET /channels?topic=t1", "POST /topic/create", "POST /topic/create?topic=t1",
    "POST /topic/create?topic=t1", "POST /topic/create?topic=bad!", "POST /channel/create?topic=t1",
    "POST /channel/create?topic=t1&channel=c1", "POST /channel/create?topic=t2&channel=c1", "POST /channel/create?topic=t1&channel=bad!",
    "GET /lookup?topic=t1", "GET /lookup?topic=t2", "GET /channels?topic=t1", "POST /channel/delete?topic=t1&channel=nope",
    "POST /channel/delete?topic=t1&channel=c1", "POST /topic/delete?topic=nope", "POST /topic/delete?topic=t2",
    "POST /topic/tombstone?topic=t1", "POST /topic/tombstone?topic=t1&node=x:1", "GET /topic/create?topic=t1", "HEAD /ping",
    "DELETE /ping", "GET /nope", "GET /ping/", "GET /lookup/?topic=t1&a=<b>'", "POST /TOPIC/create?topic=t9", "GET /LOOKUP?topic=t1",
    "GET /lookup?topic=t1&topic=t2", "GET /debug", "POST /topic/create?topic=t1%23ephemeral", "GET /lookup?topic=t1%23ephemeral",
    "POST /topic/create?topic=" + "a" * 65, "POST /topic/create?topic=" + "a" * 64, "OPTIONS /ping", "OPTIONS /topic/create",
    "GET /create_topic?topic=x",
]
IDENT = b'{"broadcast_address":"127.0.0.1","hostname":"h","http_port":1,"tcp_port":2,"version":"1.3.0"}'
def I(body): return b"IDENTIFY\n" + struct.pack(">i", len(body)) + body
TCP = {
    "bad magic": [b"  V2"], "PING": [b"  V1", b"PING\n"], "unknown command": [b"  V1", b"BOGUS\n"],
    "REGISTER before IDENTIFY": [b"  V1", b"REGISTER t\n"], "IDENTIFY": [b"  V1", I(IDENT)],
    "IDENTIFY twice": [b"  V1", I(IDENT), I(IDENT)], "IDENTIFY bad json": [b"  V1", I(b"{nope")],
    "IDENTIFY missing fields": [b"  V1", I(b'{"hostname":"h"}')],
    "REGISTER topic": [b"  V1", I(IDENT), b"REGISTER t1\n"], "REGISTER topic channel": [b"  V1", I(IDENT), b"REGISTER t1 c1\n"],
    "REGISTER no args": [b"  V1", I(IDENT), b"REGISTER\n"], "REGISTER bad topic": [b"  V1", I(IDENT), b"REGISTER b@d\n"],
    "REGISTER bad channel": [b"  V1", I(IDENT), b"REGISTER t1 b@d\n"], "REGISTER extra arg": [b"  V1", I(IDENT), b"REGISTER t1 c1 x\n"],
    "UNREGISTER topic": [b"  V1", I(IDENT), b"REGISTER t1 c1\n", b"UNREGISTER t1\n"],
    "UNREGISTER unknown": [b"  V1", I(IDENT), b"UNREGISTER nope c\n"], "lowercase ping": [b"  V1", b"ping\n"],
    "spaces around PING": [b"  V1", b"  PING  \n"], "CRLF": [b"  V1", b"PING\r\n"], "empty line": [b"  V1", b"\n"],
    "ephemeral channel": [b"  V1", I(IDENT), b"REGISTER t1 c#ephemeral\n"], "64-byte topic": [b"  V1", I(IDENT), b"REGISTER " + b"a" * 64 + b"\n"],
    "65-byte topic": [b"  V1", I(IDENT), b"REGISTER " + b"a" * 65 + b"\n"], "negative body": [b"  V1", b"IDENTIFY\n" + struct.pack(">i", -1)],
}

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    jar = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "lookupd", "target", "lookupd.jar")
    bt, bh, nt, nh = (free_port() for _ in range(4))
    procs = [start(["java", "-jar", jar, f"--tcp-address=127.0.0.1:{bt}", f"--http-address=127.0.0.1:{bh}",
                    "--broadcast-address=127.0.0.1"], bt),
             start([sys.argv[1], f"--tcp-address=127.0.0.1:{nt}", f"--http-address=127.0.0.1:{nh}",
                    "--broadcast-address=127.0.0.1"], nt)]
    try:
        unknown = compared = 0
        def report(name, a, b):
            nonlocal unknown, compared
            compared += 1
            if a == b:
                return
            tag = "known" if name in KNOWN else "DIFF"
            unknown += tag == "DIFF"
            print(f"{tag}: {name}" + (f" ({KNOWN[name]})" if name in KNOWN else ""))
            print("  lookupd:   ", a); print("  nsqlookupd:", b)
        for r in HTTP:
            m, t = r.split(" ", 1)
            report(r, http(bh, m, t), http(nh, m, t))
        def ports(x, t, h):
            return (x[0].replace(str(t).encode(), b"TCP").replace(str(h).encode(), b"HTTP"), x[1])
        for name, chunks in TCP.items():
            report("tcp: " + name, ports(tcp(bt, chunks), bt, bh), ports(tcp(nt, chunks), nt, nh))
        print(f"{compared} cases, {unknown} unexplained differences")
        return 1 if unknown else 0
    finally:
        for p in procs:
            p.kill()

if __name__ == "__main__":
    sys.exit(main())
