// Points a real nsqjs Reader's lookupd discovery at lookupd: prints what nsqjs' own lookup
// code makes of our /lookup answer (one JSON line), then lets a Reader connect to the nsqd
// producers it discovers. Usage: node reader.js <lookupd host:port> <topic>
const nsq = require('nsqjs')
const lookup = require('nsqjs/lib/lookupd')

const [lookupd, topic] = process.argv.slice(2)

lookup([lookupd], topic).then((nodes) => {
  console.log(JSON.stringify(nodes))
  const reader = new nsq.Reader(topic, 'nsqjs-it', {
    lookupdHTTPAddresses: [lookupd],
    lookupdPollInterval: 1,
  })
  reader.on('error', () => {})
  reader.connect()
})

// The test kills us when it has seen enough; never outlive it.
setTimeout(() => process.exit(0), 20000)
