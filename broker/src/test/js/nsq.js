// A real NSQ client (npm nsqjs) against the broker's NSQ listener, driven by the broker's tests.
// Every line printed is one JSON object.
//   node nsq.js reader <nsqd|lookupd> <host:port> <topic> <channel> <count> [finish|req|timeout]
//     prints {"ready":true} once connected, then {"body","attempts"} per message; exits after
//     <count> messages were finished. req: the first attempt is requeued (REQ 0), the next
//     finished; timeout: the first attempt is left to time out (msg_timeout 1 s), the next finished.
//   node nsq.js writer <host:port> <pub|mpub|dpub> <topic> <body>...
//     prints {"published":n} after the broker's OK (dpub delays each message by 500 ms).
// With NSQ_AUTH_SECRET set, reader and writer send it with AUTH (nsqjs's authSecret option).
const nsq = require('nsqjs')

const [mode, ...args] = process.argv.slice(2)
const out = (o) => console.log(JSON.stringify(o))

if (mode === 'reader') {
  const [kind, addr, topic, channel, count, behaviour = 'finish'] = args
  const opts = { maxInFlight: 10, heartbeatInterval: 1, lookupdPollInterval: 1 }
  if (process.env.NSQ_AUTH_SECRET) opts.authSecret = process.env.NSQ_AUTH_SECRET
  if (kind === 'lookupd') opts.lookupdHTTPAddresses = [addr]
  else opts.nsqdTCPAddresses = [addr]
  if (behaviour === 'timeout') opts.messageTimeout = 1000
  const reader = new nsq.Reader(topic, channel, opts)
  let finished = 0
  reader.on('nsqd_connected', () => out({ ready: true }))
  reader.on('error', (e) => out({ error: String(e) }))
  reader.on('message', (msg) => {
    out({ body: msg.body.toString(), attempts: msg.attempts })
    if (behaviour === 'req' && msg.attempts === 1) {
      msg.requeue(0, false)
      return
    }
    if (behaviour === 'timeout' && msg.attempts === 1) {
      return
    }
    msg.finish()
    if (++finished >= Number(count)) {
      setTimeout(() => { reader.close(); process.exit(0) }, 200)
    }
  })
  reader.connect()
} else if (mode === 'writer') {
  const [addr, kind, topic, ...bodies] = args
  const [host, port] = addr.split(':')
  const wopts = process.env.NSQ_AUTH_SECRET ? { authSecret: process.env.NSQ_AUTH_SECRET } : {}
  const w = new nsq.Writer(host, Number(port), wopts)
  w.on('error', (e) => { out({ error: String(e) }); process.exit(1) })
  w.on('ready', () => {
    const done = (err) => {
      if (err) { out({ error: String(err) }); process.exit(1) }
    }
    if (kind === 'pub') {
      let n = 0
      bodies.forEach((b) => w.publish(topic, b, (err) => {
        done(err)
        if (++n === bodies.length) { out({ published: n }); w.close(); process.exit(0) }
      }))
    } else if (kind === 'mpub') {
      w.publish(topic, bodies, (err) => { done(err); out({ published: bodies.length }); w.close(); process.exit(0) })
    } else if (kind === 'dpub') {
      let n = 0
      // nsqjs 0.13's deferPublish hands its message on as is, and the connection expects an array
      bodies.forEach((b) => w.deferPublish(topic, [b], 500, (err) => {
        done(err)
        if (++n === bodies.length) { out({ published: n }); w.close(); process.exit(0) }
      }))
    }
  })
  w.connect()
}

// The test kills us when it has seen enough; never outlive it.
setTimeout(() => { out({ timeout: true }); process.exit(2) }, 30000)
