// Runs nats.go (Debian's golang-github-nats-io-go-nats-dev, nats.go 1.22.1) against a server:
//
//	conformance <port>
//
// Built in GOPATH mode by NatsGoIT:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o target/... conformance.go
//
// Every scenario prints one line, "PASS name" or "FAIL name: reason"; the exit code is 1 when any
// failed, 2 on the overall timeout.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

const wait = 2 * time.Second

var url string

// P prefixes every subject with this run's process id, so that runs sharing a server stay apart.
var P = fmt.Sprintf("go.%d.", os.Getpid())

func connect(opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.MaxReconnects(0), nats.Timeout(5 * time.Second), nats.NoReconnect()}, opts...)
	return nats.Connect(url, opts...)
}

// next reads one message from a synchronous subscription.
func next(sub *nats.Subscription) (string, error) {
	m, err := sub.NextMsg(wait)
	if err != nil {
		return "", err
	}
	return m.Subject + ":" + string(m.Data), nil
}

// none checks that nothing more arrives on sub within a short quiet period.
func none(sub *nats.Subscription) error {
	m, err := sub.NextMsg(100 * time.Millisecond)
	if err == nil {
		return fmt.Errorf("unexpected message %s:%s", m.Subject, m.Data)
	}
	if !errors.Is(err, nats.ErrTimeout) {
		return err
	}
	return nil
}

func connectInfo(nc *nats.Conn) error {
	if !nc.IsConnected() {
		return fmt.Errorf("status %v", nc.Status())
	}
	if nc.ConnectedServerVersion() == "" {
		return errors.New("empty server version")
	}
	if nc.ConnectedServerId() == "" {
		return errors.New("empty server id")
	}
	if !nc.HeadersSupported() {
		return errors.New("headers not supported")
	}
	if nc.MaxPayload() <= 0 {
		return fmt.Errorf("max_payload %d", nc.MaxPayload())
	}
	return nil
}

func pubSub(nc *nats.Conn) error {
	sub, err := nc.SubscribeSync(P + "ps")
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		if err := nc.Publish(P+"ps", []byte(fmt.Sprint(i))); err != nil {
			return err
		}
	}
	for i := 0; i < 3; i++ {
		got, err := next(sub)
		if err != nil {
			return err
		}
		if got != fmt.Sprintf(P+"ps:%d", i) {
			return fmt.Errorf("message %d: %q", i, got)
		}
	}
	return none(sub)
}

func wildcards(nc *nats.Conn) error {
	star, err := nc.SubscribeSync(P + "*.x")
	if err != nil {
		return err
	}
	defer star.Unsubscribe()
	full, err := nc.SubscribeSync(P + "w.>")
	if err != nil {
		return err
	}
	defer full.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return err
	}
	for _, s := range []string{P + "a.x", P + "b.y", P + "w.x", P + "w.a.b", P + "w"} {
		if err := nc.Publish(s, []byte("m")); err != nil {
			return err
		}
	}
	for _, want := range []string{P + "a.x:m", P + "w.x:m"} {
		got, err := next(star)
		if err != nil {
			return fmt.Errorf("*: %v", err)
		}
		if got != want {
			return fmt.Errorf("*: got %q want %q", got, want)
		}
	}
	if err := none(star); err != nil {
		return fmt.Errorf("*: %v", err)
	}
	for _, want := range []string{P + "w.x:m", P + "w.a.b:m"} {
		got, err := next(full)
		if err != nil {
			return fmt.Errorf(">: %v", err)
		}
		if got != want {
			return fmt.Errorf(">: got %q want %q", got, want)
		}
	}
	if err := none(full); err != nil {
		return fmt.Errorf(">: %v", err)
	}
	return nil
}

func queueGroup(nc *nats.Conn) error {
	other, err := connect()
	if err != nil {
		return err
	}
	defer other.Close()
	const n = 200
	var mu sync.Mutex
	seen := map[string]int{}
	counts := [2]int{}
	total := make(chan struct{}, n*2)
	handler := func(i int) nats.MsgHandler {
		return func(m *nats.Msg) {
			mu.Lock()
			seen[string(m.Data)]++
			counts[i]++
			mu.Unlock()
			total <- struct{}{}
		}
	}
	s1, err := nc.QueueSubscribe(P+"q", "workers", handler(0))
	if err != nil {
		return err
	}
	defer s1.Unsubscribe()
	s2, err := other.QueueSubscribe(P+"q", "workers", handler(1))
	if err != nil {
		return err
	}
	defer s2.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return err
	}
	if err := other.Flush(); err != nil {
		return err
	}
	pub, err := connect()
	if err != nil {
		return err
	}
	defer pub.Close()
	for i := 0; i < n; i++ {
		if err := pub.Publish(P+"q", []byte(fmt.Sprint(i))); err != nil {
			return err
		}
	}
	if err := pub.Flush(); err != nil {
		return err
	}
	deadline := time.After(wait)
	for i := 0; i < n; i++ {
		select {
		case <-total:
		case <-deadline:
			return fmt.Errorf("only %d of %d delivered", i, n)
		}
	}
	time.Sleep(100 * time.Millisecond) // room for a duplicate to show up
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		return fmt.Errorf("%d distinct messages, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			return fmt.Errorf("message %s delivered %d times", k, c)
		}
	}
	if counts[0] == 0 || counts[1] == 0 {
		return fmt.Errorf("one member got nothing: %v", counts)
	}
	return nil
}

func requestReply(nc *nats.Conn) error {
	other, err := connect()
	if err != nil {
		return err
	}
	defer other.Close()
	svc, err := other.Subscribe(P+"svc", func(m *nats.Msg) {
		m.Respond(append([]byte("re:"), m.Data...))
	})
	if err != nil {
		return err
	}
	defer svc.Unsubscribe()
	if err := other.Flush(); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		r, err := nc.Request(P+"svc", []byte(fmt.Sprint("hi", i)), wait)
		if err != nil {
			return err
		}
		if string(r.Data) != fmt.Sprint("re:hi", i) {
			return fmt.Errorf("reply %q", r.Data)
		}
	}
	return nil
}

func noResponders(nc *nats.Conn) error {
	start := time.Now()
	_, err := nc.Request(P+"nobody", []byte("x"), wait)
	if !errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("want ErrNoResponders, got %v", err)
	}
	if d := time.Since(start); d > wait/2 {
		return fmt.Errorf("took %v (a timeout, not a 503 status)", d)
	}
	return nil
}

func headersRoundTrip(nc *nats.Conn) error {
	sub, err := nc.SubscribeSync(P + "h")
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return err
	}
	msg := nats.NewMsg(P + "h")
	msg.Header.Set("X-Id", "42")
	msg.Header.Add("X-Multi", "a")
	msg.Header.Add("X-Multi", "b")
	msg.Data = []byte("body")
	if err := nc.PublishMsg(msg); err != nil {
		return err
	}
	m, err := sub.NextMsg(wait)
	if err != nil {
		return err
	}
	if m.Header.Get("X-Id") != "42" {
		return fmt.Errorf("X-Id %q", m.Header.Get("X-Id"))
	}
	multi := m.Header.Values("X-Multi")
	sort.Strings(multi)
	if strings.Join(multi, ",") != "a,b" {
		return fmt.Errorf("X-Multi %v", multi)
	}
	if string(m.Data) != "body" {
		return fmt.Errorf("body %q", m.Data)
	}
	// A header-only message (empty body).
	empty := nats.NewMsg(P + "h")
	empty.Header.Set("K", "v")
	if err := nc.PublishMsg(empty); err != nil {
		return err
	}
	m, err = sub.NextMsg(wait)
	if err != nil {
		return err
	}
	if m.Header.Get("K") != "v" || len(m.Data) != 0 {
		return fmt.Errorf("header-only message: %v %q", m.Header, m.Data)
	}
	return nil
}

func autoUnsubscribe(nc *nats.Conn) error {
	// A connection of its own, so its InMsgs counts what the server sent for this subscription.
	sc, err := connect()
	if err != nil {
		return err
	}
	defer sc.Close()
	sub, err := sc.SubscribeSync(P + "auto")
	if err != nil {
		return err
	}
	if err := sub.AutoUnsubscribe(3); err != nil {
		return err
	}
	if err := sc.Flush(); err != nil {
		return err
	}
	for i := 0; i < 5; i++ {
		if err := nc.Publish(P+"auto", []byte(fmt.Sprint(i))); err != nil {
			return err
		}
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	if err := sc.Flush(); err != nil { // all the server sent sc is now read
		return err
	}
	for i := 0; i < 3; i++ {
		got, err := next(sub)
		if err != nil {
			return fmt.Errorf("message %d: %v", i, err)
		}
		if got != fmt.Sprintf(P+"auto:%d", i) {
			return fmt.Errorf("message %d: %q", i, got)
		}
	}
	if m, err := sub.NextMsg(100 * time.Millisecond); err == nil {
		return fmt.Errorf("a 4th message arrived: %q", m.Data)
	}
	if sub.IsValid() {
		return errors.New("subscription still valid after 3 messages")
	}
	if in := sc.Stats().InMsgs; in != 3 {
		return fmt.Errorf("the server sent %d messages, want 3 (UNSUB max not honoured)", in)
	}
	return nil
}

func flushRTT(nc *nats.Conn) error {
	if err := nc.FlushTimeout(wait); err != nil {
		return err
	}
	rtt, err := nc.RTT()
	if err != nil {
		return err
	}
	if rtt <= 0 || rtt > wait {
		return fmt.Errorf("rtt %v", rtt)
	}
	return nil
}

func drain(nc *nats.Conn) error {
	closed := make(chan struct{})
	dc, err := connect(nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return err
	}
	const n = 50
	var mu sync.Mutex
	got := 0
	_, err = dc.Subscribe(P+"drain", func(m *nats.Msg) {
		time.Sleep(time.Millisecond) // still busy when Drain starts
		mu.Lock()
		got++
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	if err := dc.Flush(); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := nc.Publish(P+"drain", []byte(fmt.Sprint(i))); err != nil {
			return err
		}
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	if err := dc.Flush(); err != nil { // everything published is now in dc's buffers
		return err
	}
	if err := dc.Drain(); err != nil {
		return err
	}
	select {
	case <-closed:
	case <-time.After(wait * 2):
		return errors.New("connection not closed after drain")
	}
	mu.Lock()
	defer mu.Unlock()
	if got != n {
		return fmt.Errorf("handled %d of %d messages", got, n)
	}
	return nil
}

func maxPayload(nc *nats.Conn) error {
	max := nc.MaxPayload()
	if max <= 0 {
		return fmt.Errorf("max_payload %d", max)
	}
	err := nc.Publish(P+"big", make([]byte, max+1))
	if !errors.Is(err, nats.ErrMaxPayload) {
		return fmt.Errorf("publish of %d bytes: want ErrMaxPayload, got %v", max+1, err)
	}
	// Exactly max_payload is accepted and delivered; the connection survives both.
	sub, err := nc.SubscribeSync(P + "big")
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		return err
	}
	body := bytes.Repeat([]byte{'x'}, int(max))
	if err := nc.Publish(P+"big", body); err != nil {
		return err
	}
	m, err := sub.NextMsg(wait)
	if err != nil {
		return err
	}
	if !bytes.Equal(m.Data, body) {
		return fmt.Errorf("got %d bytes back", len(m.Data))
	}
	return nc.FlushTimeout(wait)
}

func noEcho(nc *nats.Conn) error {
	quiet, err := connect(nats.NoEcho())
	if err != nil {
		return err
	}
	defer quiet.Close()
	sub, err := quiet.SubscribeSync(P + "echo")
	if err != nil {
		return err
	}
	if err := quiet.Flush(); err != nil {
		return err
	}
	if err := quiet.Publish(P+"echo", []byte("self")); err != nil {
		return err
	}
	if err := quiet.Flush(); err != nil {
		return err
	}
	if err := nc.Publish(P+"echo", []byte("peer")); err != nil {
		return err
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	got, err := next(sub)
	if err != nil {
		return err
	}
	if got != P+"echo:peer" {
		return fmt.Errorf("first message %q", got)
	}
	return none(sub)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: conformance <port>")
		os.Exit(2)
	}
	url = "nats://127.0.0.1:" + os.Args[1]
	go func() {
		time.Sleep(25 * time.Second)
		fmt.Println("FAIL timeout: the suite did not finish in 25 s")
		os.Exit(2)
	}()
	nc, err := connect()
	if err != nil {
		fmt.Println("FAIL connect:", err)
		os.Exit(1)
	}
	defer nc.Close()
	scenarios := []struct {
		name string
		run  func(*nats.Conn) error
	}{
		{"connect", connectInfo},
		{"pubsub", pubSub},
		{"wildcards", wildcards},
		{"queue", queueGroup},
		{"request", requestReply},
		{"noresponders", noResponders},
		{"headers", headersRoundTrip},
		{"autounsubscribe", autoUnsubscribe},
		{"flush", flushRTT},
		{"drain", drain},
		{"maxpayload", maxPayload},
		{"noecho", noEcho},
	}
	failed := 0
	for _, s := range scenarios {
		if err := s.run(nc); err != nil {
			fmt.Printf("FAIL %s: %v\n", s.name, err)
			failed++
		} else {
			fmt.Printf("PASS %s\n", s.name)
		}
	}
	if !nc.IsConnected() {
		fmt.Println("FAIL connection: lost during the suite:", nc.LastError())
		failed++
	}
	if failed > 0 {
		os.Exit(1)
	}
}
