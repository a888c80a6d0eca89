// TLS check for nats.go, run by NatsTlsClientsIT: tls.go PORT CA [CERT KEY] connects over TLS
// (verifying the server against CA, presenting CERT/KEY when given), does a publish/subscribe
// round trip and a request, and prints "PASS tls"; tls.go PORT plain connects without TLS and
// prints "ERROR <message>" with the error nats.go reports.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

func main() {
	url := "nats://127.0.0.1:" + os.Args[1]
	if os.Args[2] == "plain" {
		nc, err := nats.Connect(url, nats.Timeout(3*time.Second), nats.NoReconnect())
		if err == nil {
			nc.Close()
			fmt.Println("CONNECTED")
			os.Exit(1)
		}
		fmt.Println("ERROR " + err.Error())
		return
	}
	opts := []nats.Option{nats.RootCAs(os.Args[2]), nats.Timeout(3 * time.Second), nats.NoReconnect()}
	if len(os.Args) > 4 {
		opts = append(opts, nats.ClientCert(os.Args[3], os.Args[4]))
	}
	nc, err := nats.Connect("tls://127.0.0.1:"+os.Args[1], opts...)
	if err != nil {
		fmt.Println("FAIL connect: " + err.Error())
		os.Exit(1)
	}
	defer nc.Close()
	if !nc.TLSRequired() {
		fmt.Println("FAIL server did not require TLS")
		os.Exit(1)
	}
	sub, _ := nc.SubscribeSync("tls.check")
	nc.Subscribe("tls.svc", func(m *nats.Msg) { m.Respond(append([]byte("re:"), m.Data...)) })
	nc.Flush()
	nc.Publish("tls.check", []byte("secret"))
	m, err := sub.NextMsg(3 * time.Second)
	if err != nil || string(m.Data) != "secret" {
		fmt.Println("FAIL pubsub", err)
		os.Exit(1)
	}
	r, err := nc.Request("tls.svc", []byte("q"), 3*time.Second)
	if err != nil || string(r.Data) != "re:q" {
		fmt.Println("FAIL request", err)
		os.Exit(1)
	}
	fmt.Println("PASS tls")
}
