package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// faultNames are the faults the command serves, in the order tables list them.
var faultNames = []string{"healthy", "lock", "cpuhog", "leak", "heapgrow", "gcchurn", "slowdep", "stall"}

// config sizes the faults. The command serves defaultConfig; tests shrink
// the durations so that a schedule plays out in a second or two.
type config struct {
	HeavyQuotes int           // healthy: catalog items rendered and hashed per request
	LightQuotes int           // every other fault's own work per request
	LockHold    time.Duration // lock: work done per request under the ledger's mutex
	Hog         burst         // cpuhog: when the background compaction burns
	ExtraHogs   int           // cpuhog: compaction goroutines beyond GOMAXPROCS
	LeakCap     int64         // leak: goroutines left blocked at most
	SessionSize int           // heapgrow: bytes kept per request
	CacheCap    int64         // heapgrow: bytes kept at most
	ChurnNodes  int           // gcchurn: nodes built and dropped per request
	ChurnGOGC   int           // gcchurn: the GC percent the service runs with
	DepSlots    int           // slowdep: calls to the dependency at once
	DepCall     time.Duration // slowdep: how long one call takes
	Gate        burst         // stall: when the gate is shut
}

var defaultConfig = config{
	HeavyQuotes: 144,
	LightQuotes: 4,
	LockHold:    2 * time.Millisecond,
	Hog:         burst{Start: 5 * time.Second, On: 8 * time.Second, Period: 12 * time.Second},
	ExtraHogs:   2,
	LeakCap:     100_000,
	SessionSize: 16 << 10,
	CacheCap:    1536 << 20,
	ChurnNodes:  64 << 10, // 48 B each: 3 MiB a request
	ChurnGOGC:   25,
	DepSlots:    2,
	DepCall:     50 * time.Millisecond,
	Gate:        burst{Start: 5 * time.Second, On: 4 * time.Second, Period: 15 * time.Second},
}

// service is one fault's "/" handler and the background work it needs.
type service struct {
	http.Handler
	// start begins the background work, timed from now, until ctx ends; it
	// returns a function that waits for it to end and undoes what start
	// changed in the runtime. Nil when the fault has none.
	start func(ctx context.Context) (wait func())
}

// newService returns the service with the named fault.
func newService(name string, c config) (*service, error) {
	switch name {
	case "healthy":
		return handle(func(w http.ResponseWriter, r *http.Request) { renderQuote(w, c.HeavyQuotes) }), nil
	case "lock":
		return lockService(c), nil
	case "cpuhog":
		return hogService(c), nil
	case "leak":
		return leakService(c), nil
	case "heapgrow":
		return heapService(c), nil
	case "gcchurn":
		return churnService(c), nil
	case "slowdep":
		return depService(c), nil
	case "stall":
		return stallService(c), nil
	}
	return nil, fmt.Errorf("unknown fault %q (one of %v)", name, faultNames)
}

func handle(f http.HandlerFunc) *service { return &service{Handler: f} }

// quote is one catalog item, as a pricing endpoint would render it.
type quote struct {
	SKU      string            `json:"sku"`
	Name     string            `json:"name"`
	Cents    int64             `json:"cents"`
	Tags     []string          `json:"tags"`
	Attrs    map[string]string `json:"attrs"`
	Checksum string            `json:"checksum"`
}

// renderQuote is a healthy request's work: build n catalog items, sign
// each, encode them as JSON and write the digest of the whole. At 144
// items it costs about half a millisecond of CPU.
func renderQuote(w http.ResponseWriter, n int) {
	items := make([]quote, n)
	for i := range items {
		q := &items[i]
		q.SKU = "sku-" + strconv.Itoa(1000+i)
		q.Name = "item " + strconv.Itoa(i)
		q.Cents = int64(199 + 37*i)
		q.Tags = []string{"catalog", "priced", strconv.Itoa(i % 7)}
		q.Attrs = map[string]string{"color": "blue", "size": strconv.Itoa(i % 5), "origin": "eu"}
		sum := sha256.Sum256([]byte(q.SKU + q.Name + strconv.FormatInt(q.Cents, 10)))
		for range 8 {
			sum = sha256.Sum256(sum[:])
		}
		q.Checksum = hex.EncodeToString(sum[:8])
	}
	body, err := json.Marshal(items)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(body)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%x\n", sum[:8])
}

// lockService keeps an in-memory ledger that every request appends to
// under one mutex, re-chaining the ledger's hash while it holds it: the
// requests run one at a time, however many cores there are.
func lockService(c config) *service {
	var l ledger
	return handle(func(w http.ResponseWriter, r *http.Request) {
		sum := commitToLedger(&l, c.LockHold)
		fmt.Fprintf(w, "%x\n", sum[:8])
	})
}

type ledger struct {
	mu      sync.Mutex
	head    [32]byte
	entries int
}

// commitToLedger appends an entry and re-chains the ledger's hash, hashing
// for hold while it holds the ledger's one mutex. The culprit of lock.
func commitToLedger(l *ledger, hold time.Duration) [32]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := time.Now()
	for i := 0; i == 0 || time.Since(start) < hold; i++ {
		for range 32 {
			l.head = sha256.Sum256(l.head[:])
		}
	}
	l.entries++
	return l.head
}

// hogService answers like a light healthy service while, from c.Hog.Start
// on, more goroutines than there are cores compact a search index in
// bursts: ready handlers wait for a core.
func hogService(c config) *service {
	s := handle(func(w http.ResponseWriter, r *http.Request) { renderQuote(w, c.LightQuotes) })
	s.start = func(ctx context.Context) func() {
		began := time.Now()
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) + c.ExtraHogs {
			wg.Go(func() {
				for ctx.Err() == nil {
					on, next := c.Hog.at(time.Since(began))
					if on {
						compactSearchIndex(ctx, next)
						continue
					}
					select {
					case <-ctx.Done():
					case <-time.After(next):
					}
				}
			})
		}
		return wg.Wait
	}
	return s
}

// hogSink keeps the compaction's result, so that it is not optimised away.
var hogSink atomic.Uint64

// compactSearchIndex burns a core for d, or until ctx ends. The culprit of
// cpuhog.
func compactSearchIndex(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	var h [32]byte
	for ctx.Err() == nil && time.Now().Before(end) {
		for range 256 {
			h = sha256.Sum256(h[:])
		}
	}
	hogSink.Add(uint64(h[0]))
}

// leakService subscribes every request to order updates and leaves a
// goroutine behind waiting for an acknowledgement nobody sends.
func leakService(c config) *service {
	var left atomic.Int64
	return handle(func(w http.ResponseWriter, r *http.Request) {
		if left.Add(1) <= c.LeakCap {
			acks := make(chan struct{})
			go awaitSubscriberAck(acks)
		}
		renderQuote(w, c.LightQuotes)
	})
}

// awaitSubscriberAck waits for an acknowledgement on acks, which never
// comes. The culprit of leak.
func awaitSubscriberAck(acks <-chan struct{}) {
	<-acks
}

// heapService keeps a snapshot of every request's session in a map keyed
// by a new session id, and never evicts one.
func heapService(c config) *service {
	cache := &sessions{m: map[string]*session{}}
	return handle(func(w http.ResponseWriter, r *http.Request) {
		id := strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatUint(cache.seq.Add(1), 36)
		rememberSession(cache, id, r, c.SessionSize, c.CacheCap)
		renderQuote(w, c.LightQuotes)
	})
}

type session struct {
	id, agent, addr string
	seen            time.Time
	snapshot        []byte
}

type sessions struct {
	seq   atomic.Uint64
	mu    sync.Mutex // guards the map only, a moment per request
	m     map[string]*session
	bytes int64
}

// rememberSession stores a snapshot of size bytes under id, unless the
// cache already holds max bytes (a safety cap: the fault is the growth, not
// running the machine out of memory). The culprit of heapgrow.
func rememberSession(c *sessions, id string, r *http.Request, size int, max int64) {
	s := &session{id: id, agent: r.UserAgent(), addr: r.RemoteAddr, seen: time.Now(), snapshot: make([]byte, size)}
	for i := 0; i < size; i += 512 {
		s.snapshot[i] = byte(i) // touched, so that it is resident
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+int64(size) > max {
		return
	}
	c.m[id] = s
	c.bytes += int64(size)
}

// churnService builds a price index of small linked nodes for every
// request and drops it, with the GC told to keep the heap tight: the
// collector runs again and again, marking every request's index in flight.
func churnService(c config) *service {
	s := handle(func(w http.ResponseWriter, r *http.Request) {
		best := buildPriceIndex(c.ChurnNodes)
		fmt.Fprintf(w, "%s %d\n", best.sku, best.cents)
	})
	s.start = func(ctx context.Context) func() {
		old := debug.SetGCPercent(c.ChurnGOGC)
		return func() { debug.SetGCPercent(old) }
	}
	return s
}

type priceNode struct {
	sku         string
	cents       int64
	left, right *priceNode
	next        *priceNode
}

// buildPriceIndex links n nodes into a list and a lopsided tree, then
// walks it for the cheapest: several MiB of pointers, garbage once it
// returns. The culprit of gcchurn.
func buildPriceIndex(n int) *priceNode {
	var head, root *priceNode
	for i := range n {
		p := &priceNode{sku: "sku", cents: int64((i*7919)%100_000 + 1), next: head}
		head = p
		if root == nil {
			root = p
		} else if p.cents < root.cents {
			p.right, root = root, p
		} else {
			p.left, root.left = root.left, p
		}
	}
	best := root
	for p := head; p != nil; p = p.next {
		if p.cents < best.cents {
			best = p
		}
	}
	return best
}

// depService prices every request through a dependency behind a pool of
// c.DepSlots connections, each call taking c.DepCall: requests queue for a
// connection, and the service idles while they wait.
func depService(c config) *service {
	pool := make(chan struct{}, c.DepSlots)
	return handle(func(w http.ResponseWriter, r *http.Request) {
		if err := callPricingService(r.Context(), pool, c.DepCall); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		renderQuote(w, c.LightQuotes)
	})
}

// callPricingService takes a connection from pool, waits d for the
// dependency's answer and gives the connection back. The culprit of slowdep.
func callPricingService(ctx context.Context, pool chan struct{}, d time.Duration) error {
	select {
	case pool <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-pool }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stallService holds every request at a gate that shuts while the service
// waits for its leader lease (from c.Gate.Start on, c.Gate.On of every
// c.Gate.Period); nothing completes while it is shut.
func stallService(c config) *service {
	g := newGate()
	s := handle(func(w http.ResponseWriter, r *http.Request) {
		if err := awaitLeaderLease(r.Context(), g); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		renderQuote(w, c.LightQuotes)
	})
	s.start = func(ctx context.Context) func() {
		began := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer g.set(true)
			for {
				on, next := c.Gate.at(time.Since(began))
				g.set(!on)
				select {
				case <-ctx.Done():
					return
				case <-time.After(next):
				}
			}
		}()
		return func() { <-done }
	}
	return s
}

// gate lets requests through while its channel is closed.
type gate struct {
	mu   sync.Mutex // guards open, swapped on each change
	open chan struct{}
}

func newGate() *gate {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *gate) set(open bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
		if !open {
			g.open = make(chan struct{})
		}
	default:
		if open {
			close(g.open)
		}
	}
}

func (g *gate) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// awaitLeaderLease waits until the gate opens. The culprit of stall.
func awaitLeaderLease(ctx context.Context, g *gate) error {
	select {
	case <-g.wait():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
