// TLS check for nats.js, run by NatsTlsClientsIT: node tls.js PORT CA [CERT KEY] connects over TLS
// (verifying the server against CA, presenting CERT/KEY when given), does a publish/subscribe round
// trip and a request, and prints "PASS tls"; node tls.js PORT plain connects without TLS and prints
// "ERROR <message>" with the error nats.js reports. With TLS_FIRST=1 in the environment the client
// starts TLS before reading INFO (tls.handshakeFirst, for a server with handshake-first).
const { connect, StringCodec } = require("nats");

async function main() {
  const [port, ca, cert, key] = process.argv.slice(2);
  const servers = `127.0.0.1:${port}`;
  if (ca === "plain") {
    try {
      const nc = await connect({ servers, timeout: 3000, reconnect: false });
      await nc.close();
      console.log("CONNECTED");
      process.exit(1);
    } catch (err) {
      console.log("ERROR " + err.message);
      return;
    }
  }
  const tls = { caFile: ca };
  if (process.env.TLS_FIRST === "1") {
    tls.handshakeFirst = true;
  }
  if (cert) {
    tls.certFile = cert;
    tls.keyFile = key;
  }
  const nc = await connect({ servers, tls, timeout: 3000, reconnect: false });
  const sc = StringCodec();
  const sub = nc.subscribe("tls.check", { max: 1 });
  nc.subscribe("tls.svc", { callback: (_, m) => m.respond(sc.encode("re:" + sc.decode(m.data))) });
  await nc.flush();
  nc.publish("tls.check", sc.encode("secret"));
  for await (const m of sub) {
    if (sc.decode(m.data) !== "secret") throw new Error("pubsub payload " + sc.decode(m.data));
  }
  const r = await nc.request("tls.svc", sc.encode("q"), { timeout: 3000 });
  if (sc.decode(r.data) !== "re:q") throw new Error("request reply " + sc.decode(r.data));
  await nc.close();
  console.log("PASS tls");
}

main().catch((err) => {
  console.log("FAIL " + err.message);
  process.exit(1);
});
