// Runs nats.js (npm "nats" 2.x) against a server: node conformance.js <port>
// Exits 0 when every check passed; prints the failing check otherwise.
const { connect, StringCodec, headers, ErrorCode } = require("nats");

const port = process.argv[2];
const sc = StringCodec();

function check(cond, what) {
  if (!cond) {
    throw new Error("check failed: " + what);
  }
}

async function main() {
  const nc = await connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: 0, timeout: 5000 });
  const other = await connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: 0, noEcho: true });

  // pub/sub with wildcards
  const sub = nc.subscribe("js.*.x", { max: 2 });
  const got = [];
  const done = (async () => { for await (const m of sub) got.push(m.subject + ":" + sc.decode(m.data)); })();
  await nc.flush();
  nc.publish("js.a.x", sc.encode("1"));
  nc.publish("js.b.y", sc.encode("no"));
  nc.publish("js.b.x", sc.encode("2"));
  await done;
  check(got.join(",") === "js.a.x:1,js.b.x:2", "wildcard pub/sub + max: " + got);

  // request/reply with a queue-group responder
  const svc = other.subscribe("js.svc", { queue: "q" });
  (async () => { for await (const m of svc) m.respond(sc.encode("re:" + sc.decode(m.data))); })();
  await other.flush();
  const r = await nc.request("js.svc", sc.encode("hi"), { timeout: 2000 });
  check(sc.decode(r.data) === "re:hi", "request/reply");

  // headers
  const hsub = nc.subscribe("js.h", { max: 1 });
  const hdone = (async () => { for await (const m of hsub) return m; })();
  await nc.flush();
  const h = headers();
  h.append("X-Id", "42");
  nc.publish("js.h", sc.encode("body"), { headers: h });
  const hm = await hdone;
  check(hm.headers && hm.headers.get("X-Id") === "42" && sc.decode(hm.data) === "body", "headers");

  // no responders
  try {
    await nc.request("js.nobody", sc.encode("x"), { timeout: 2000 });
    check(false, "no responders: request resolved");
  } catch (err) {
    check(err.code === ErrorCode.NoResponders || err.code === "503", "no responders: " + err.code);
  }

  // noEcho: other's own publish is not delivered to other
  const esub = other.subscribe("js.echo");
  const seen = [];
  (async () => { for await (const m of esub) seen.push(sc.decode(m.data)); })();
  await other.flush();
  other.publish("js.echo", sc.encode("self"));
  await other.flush();
  nc.publish("js.echo", sc.encode("peer"));
  await nc.flush();
  await other.flush();
  await new Promise((res) => setTimeout(res, 100));
  check(seen.join(",") === "peer", "noEcho: " + seen);

  check(nc.info && /^\d+\.\d+\.\d+$/.test(nc.info.version) && nc.info.headers === true, "INFO");
  await other.drain();
  await nc.drain();
  console.log("nats.js conformance ok");
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
