// The NATS ecosystem's own client as a load generator: one benchmark row against one server with
// nats.go (Debian's golang-github-nats-io-go-nats-dev, nats.go 1.22.1), with the semantics of
// `nats bench`: publishers publish flat out with no flow control (only TCP and nats.go's own
// buffer hold them back), subscribers count what they receive, and "lost" is exactly what was
// published and never received.
//
//	natsbench -url nats://127.0.0.1:4222 -row pub|pubsub|rtt|req -size 16 -subs 1 -requesters 16 -seconds 3
//
// Rows: pub (one publisher, no subscriber), pubsub (one publisher, -subs subscribers on their own
// connections: 1 for 1 -> 1, 4 for fan-out), rtt (one requester, sequential requests to one
// responder: p50/p99 latency), req (-requesters concurrent requesters, one request in flight each).
// Prints one line and exits 0, or prints "natsbench: error: ..." to stderr and exits 1:
//
//	result row=pubsub size=16 subs=1 sent=N received=N lost=0 seconds=3.01 rate=1.2e+06 ops=N p50us=0 p99us=0 cpus=1.9
//
// rate is msgs/s published (pub), deliveries/s received by all subscribers (pubsub) or requests/s
// (rtt, req); ops is what was counted (messages, deliveries, round trips), which bench/run divides
// the server's CPU time by; cpus is this program's own CPU time.
//
// Built in GOPATH mode, offline, by bench/run:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off go build -o bench/target/natsbench bench/go/natsbench.go
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

// drainQuiet is how long the subscribers may receive nothing after the last publish before the
// rest counts as lost; drainMax bounds the whole wait.
const (
	drainQuiet = 2 * time.Second
	drainMax   = 30 * time.Second
	reqTimeout = 5 * time.Second
)

type result struct {
	row                  string
	size, subs           int
	sent, received, lost int64
	seconds, rate        float64
	ops                  int64
	p50us, p99us         float64
}

func main() {
	url := flag.String("url", nats.DefaultURL, "server URL")
	row := flag.String("row", "pub", "pub, pubsub, rtt or req")
	size := flag.Int("size", 16, "payload bytes")
	subs := flag.Int("subs", 1, "subscribers (pubsub)")
	requesters := flag.Int("requesters", 16, "concurrent requesters (req)")
	seconds := flag.Float64("seconds", 3, "publishing or requesting time")
	flag.Parse()
	d := time.Duration(*seconds * float64(time.Second))
	subject := fmt.Sprintf("natsbench.%d", os.Getpid())
	var r result
	var err error
	switch *row {
	case "pub":
		r, err = pubSub(*url, subject, *size, 0, d)
	case "pubsub":
		r, err = pubSub(*url, subject, *size, *subs, d)
	case "rtt":
		r, err = requests(*url, subject, *size, 1, d)
	case "req":
		r, err = requests(*url, subject, *size, *requesters, d)
	default:
		err = fmt.Errorf("unknown row %q", *row)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsbench: error:", err)
		os.Exit(1)
	}
	r.row = *row
	fmt.Printf("result row=%s size=%d subs=%d sent=%d received=%d lost=%d seconds=%.4f rate=%.1f ops=%d p50us=%.1f p99us=%.1f cpus=%.3f\n",
		r.row, r.size, r.subs, r.sent, r.received, r.lost, r.seconds, r.rate, r.ops, r.p50us, r.p99us, cpuSeconds())
}

// connect opens a connection that never reconnects (a slow consumer cut stays cut, so its losses
// show) and records asynchronous errors (slow consumer) instead of printing them per message.
func connect(url, name string, asyncErr *atomic.Value) (*nats.Conn, error) {
	return nats.Connect(url, nats.Name(name), nats.NoReconnect(), nats.MaxReconnects(0), nats.Timeout(10*time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, e error) { asyncErr.Store(e.Error()) }))
}

// pubSub: one publisher flat out for d; with subs > 0, that many subscribers on their own
// connections count every message (nats.go's pending limits off, as `nats bench` does, so any
// loss is the server's). The clock runs from the first publish to the last message received
// (or, with no subscriber, to the PONG that proves the server read every message).
func pubSub(url, subject string, size, subs int, d time.Duration) (result, error) {
	var asyncErr atomic.Value
	var received int64
	var last atomic.Int64 // unix nanos of the latest receipt
	conns := []*nats.Conn{}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < subs; i++ {
		sc, err := connect(url, fmt.Sprintf("natsbench-sub-%d", i), &asyncErr)
		if err != nil {
			return result{}, err
		}
		conns = append(conns, sc)
		sub, err := sc.Subscribe(subject, func(*nats.Msg) {
			atomic.AddInt64(&received, 1)
			last.Store(time.Now().UnixNano())
		})
		if err != nil {
			return result{}, err
		}
		if err := sub.SetPendingLimits(-1, -1); err != nil {
			return result{}, err
		}
		if err := sc.Flush(); err != nil {
			return result{}, err
		}
	}
	pc, err := connect(url, "natsbench-pub", &asyncErr)
	if err != nil {
		return result{}, err
	}
	conns = append(conns, pc)
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = 'x'
	}
	var sent int64
	t0 := time.Now()
	end := t0.Add(d)
	for {
		for i := 0; i < 256; i++ {
			if err := pc.Publish(subject, payload); err != nil {
				return result{}, fmt.Errorf("publish: %w", err)
			}
		}
		sent += 256
		if time.Now().After(end) {
			break
		}
	}
	if err := pc.FlushTimeout(30 * time.Second); err != nil {
		return result{}, fmt.Errorf("flush after publishing: %w", err)
	}
	published := time.Now()
	r := result{size: size, subs: subs, sent: sent}
	if subs == 0 {
		r.seconds = published.Sub(t0).Seconds()
		r.rate = float64(sent) / r.seconds
		r.ops = sent
		return r, nil
	}
	want := sent * int64(subs)
	deadline := published.Add(drainMax)
	seen, quietSince := atomic.LoadInt64(&received), time.Now()
	for atomic.LoadInt64(&received) < want && time.Now().Before(deadline) && time.Since(quietSince) < drainQuiet {
		time.Sleep(5 * time.Millisecond)
		if n := atomic.LoadInt64(&received); n != seen {
			seen, quietSince = n, time.Now()
		}
	}
	r.received = atomic.LoadInt64(&received)
	r.lost = want - r.received
	if r.received == 0 {
		msg := "no message received"
		if e, ok := asyncErr.Load().(string); ok {
			msg += " (" + e + ")"
		}
		return result{}, errors.New(msg)
	}
	r.seconds = time.Unix(0, last.Load()).Sub(t0).Seconds()
	r.rate = float64(r.received) / r.seconds
	r.ops = r.received
	return r, nil
}

// requests: one responder answering every request with its payload, n requesters each with one
// request in flight on its own connection for d. A request that times out counts as lost.
func requests(url, subject string, size, n int, d time.Duration) (result, error) {
	var asyncErr atomic.Value
	rc, err := connect(url, "natsbench-responder", &asyncErr)
	if err != nil {
		return result{}, err
	}
	defer rc.Close()
	if _, err := rc.Subscribe(subject, func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		return result{}, err
	}
	if err := rc.Flush(); err != nil {
		return result{}, err
	}
	payload := make([]byte, size)
	conns := make([]*nats.Conn, n)
	for i := range conns {
		if conns[i], err = connect(url, fmt.Sprintf("natsbench-requester-%d", i), &asyncErr); err != nil {
			return result{}, err
		}
		defer conns[i].Close()
	}
	samples := make([][]time.Duration, n)
	lost := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	end := t0.Add(d)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(end) {
				s := time.Now()
				_, err := conns[i].Request(subject, payload, reqTimeout)
				if errors.Is(err, nats.ErrTimeout) {
					lost[i]++
					continue
				}
				if err != nil {
					errs[i] = err
					return
				}
				samples[i] = append(samples[i], time.Since(s))
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(t0)
	var all []time.Duration
	r := result{size: size, subs: n, seconds: elapsed.Seconds()}
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			return result{}, fmt.Errorf("request: %w", errs[i])
		}
		all = append(all, samples[i]...)
		r.lost += lost[i]
	}
	if len(all) == 0 {
		return result{}, errors.New("no request answered")
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	r.sent = int64(len(all)) + r.lost
	r.received = int64(len(all))
	r.ops = r.received
	r.rate = float64(r.received) / r.seconds
	r.p50us = percentile(all, 0.50)
	r.p99us = percentile(all, 0.99)
	return r, nil
}

// percentile: nearest rank of sorted samples, in microseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	i := int(p*float64(len(sorted))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i]) / 1e3
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
