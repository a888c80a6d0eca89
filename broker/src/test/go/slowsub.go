// A nats.go subscriber whose socket drains at a bounded rate (nats.go 1.22.1, Debian's package):
//
//	slowsub <port> <subject> <count> <bytes-per-second>
//
// Built in GOPATH mode by SlowSubscriberIT, like conformance.go. It subscribes, prints "READY"
// once the subscription reached the server, then counts messages until <count> arrived (exit 0) or
// nothing arrived for 20 s (exit 1). Its last line is "GOT <n>". A closed connection ends it too.
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// throttled reads from the socket no faster than rate bytes per second.
type throttled struct {
	net.Conn
	rate  int64
	start time.Time
	got   int64
}

func (t *throttled) Read(b []byte) (int, error) {
	if len(b) > 16*1024 {
		b = b[:16*1024]
	}
	n, err := t.Conn.Read(b)
	t.got += int64(n)
	due := t.start.Add(time.Duration(t.got * int64(time.Second) / t.rate))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
	return n, err
}

type dialer struct{ rate int64 }

func (d dialer) Dial(network, address string) (net.Conn, error) {
	c, err := net.Dial(network, address)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// A small fixed receive buffer: the backlog builds in the server, not in this kernel.
		tc.SetReadBuffer(64 * 1024)
	}
	return &throttled{Conn: c, rate: d.rate, start: time.Now()}, nil
}

func main() {
	if len(os.Args) != 5 {
		fmt.Println("usage: slowsub <port> <subject> <count> <bytes-per-second>")
		os.Exit(2)
	}
	count, _ := strconv.ParseInt(os.Args[3], 10, 64)
	rate, _ := strconv.ParseInt(os.Args[4], 10, 64)
	closed := make(chan struct{})
	nc, err := nats.Connect("nats://127.0.0.1:"+os.Args[1], nats.SetCustomDialer(dialer{rate}), nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		fmt.Println("connect:", err)
		os.Exit(1)
	}
	var got int64
	done := make(chan struct{})
	sub, err := nc.Subscribe(os.Args[2], func(m *nats.Msg) {
		if atomic.AddInt64(&got, 1) == count {
			close(done)
		}
	})
	if err != nil {
		fmt.Println("subscribe:", err)
		os.Exit(1)
	}
	// The handler keeps up: only the socket is slow, so nats.go's own pending limits never drop.
	sub.SetPendingLimits(-1, -1)
	if err := nc.Flush(); err != nil {
		fmt.Println("flush:", err)
		os.Exit(1)
	}
	fmt.Println("READY")
	last := int64(-1)
	quiet := time.Now()
	for {
		select {
		case <-done:
			fmt.Printf("GOT %d\n", atomic.LoadInt64(&got))
			os.Exit(0)
		case <-closed:
			fmt.Printf("CLOSED\nGOT %d\n", atomic.LoadInt64(&got))
			os.Exit(1)
		case <-time.After(100 * time.Millisecond):
			n := atomic.LoadInt64(&got)
			if n != last {
				last = n
				quiet = time.Now()
			} else if time.Since(quiet) > 20*time.Second {
				fmt.Printf("GOT %d\n", n)
				os.Exit(1)
			}
		}
	}
}
