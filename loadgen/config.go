package loadgen

import (
	"fmt"
	"math"
	"time"

	"github.com/strain-dev/strain/loadgen/send"
	"github.com/strain-dev/strain/loadgen/template"
)

// Defaults for a zero Config.
const (
	DefaultConcurrency = 10               // closed model
	DefaultMaxInflight = 1000             // open model's cap when Concurrency is 0
	DefaultDuration    = 10 * time.Second // when neither Duration, Requests nor Stages bound the run
	DefaultTimeout     = 30 * time.Second
	DefaultInterval    = time.Second
	DefaultMaxBody     = 4 << 20 // bytes of one response body
	// LateAfter is how far past its intended start a request may be sent
	// before the open model counts it late.
	LateAfter = time.Millisecond
)

// Config describes a run. Its zero value, given Targets, is a 10-second
// closed-model run at DefaultConcurrency.
type Config struct {
	Targets []Target // sent in turn; at least one

	// Concurrency is the number of requests in flight (closed model) or,
	// with Rate, the cap on requests in flight. Zero means the default;
	// negative is an error.
	Concurrency int
	// Rate > 0 selects the open model: Rate requests/s are started on
	// schedule whatever the target does. Zero is the closed model.
	Rate float64
	// Stages ramp the concurrency (or the rate, with Rate > 0) linearly,
	// starting from Concurrency (or Rate); the last target is held after
	// the stages end. The run lasts as long as the stages unless Duration
	// or Requests bound it.
	Stages []Stage

	Duration time.Duration // zero: DefaultDuration unless Requests or Stages bound the run
	Requests int64         // > 0: stop after exactly this many requests

	Timeout  time.Duration // per request; zero means DefaultTimeout
	Interval time.Duration // window length; zero means DefaultInterval
	HTTP2    bool          // HTTP/2 over TLS, or h2c for http:// URLs
	// Connections are the HTTP/2 connections to each endpoint that the
	// requests in flight (Concurrency) are spread over as streams; zero
	// means one per DefaultStreamsPerConn of them.
	Connections int
	Insecure    bool      // skip TLS verification
	OKStatus    StatusSet // statuses counted as success

	// MaxBody caps each response body, in bytes. A body that runs past it
	// is read no further, its connection is dropped, and the request fails
	// as KindBodyTooLarge, with the bytes read so far counted; a
	// Content-Length over the cap fails at once, before any of the body is
	// read. Zero means DefaultMaxBody; negative is an error.
	MaxBody int64

	// FirstSeq is the {{seq}} of the run's first request: a run that
	// continues another's numbering (a capacity search's next step)
	// starts past the requests the other began.
	FirstSeq uint64

	// Segment makes this run one part of a load split over several
	// (Split makes its config): in the open model it sends its turns of
	// the whole's schedule, at Rate×Share. Zero: the whole.
	Segment Segment

	// Data is the data file's rows that {{row.FIELD}} in the targets
	// takes (template.ReadData); nil for none.
	Data *template.Data

	// Transport makes the transport that carries the run's requests
	// (package loadgen/transport's For picks strain's own clients, with
	// net/http for what they do not speak). The engine imports no
	// transport: New refuses a config without one.
	Transport send.Maker
}

// DefaultStreamsPerConn is how many requests in flight share an HTTP/2
// connection when Connections is not given: below the 128 streams nginx
// takes at once by default.
const DefaultStreamsPerConn = 100

// HTTP2Connections is the connections the HTTP/2 fast path opens to each
// endpoint: Connections, or one per DefaultStreamsPerConn requests in
// flight.
func (c Config) HTTP2Connections() int {
	if c.Connections > 0 {
		return c.Connections
	}
	return max(1, (c.peakConcurrency()+DefaultStreamsPerConn-1)/DefaultStreamsPerConn)
}

// Open reports whether the config is the open model.
func (c Config) Open() bool { return c.Rate > 0 }

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	switch {
	case len(c.Targets) == 0:
		return c, fmt.Errorf("no targets")
	case c.Transport == nil:
		return c, fmt.Errorf("no transport: set Config.Transport (loadgen/transport's For)")
	case c.Concurrency < 0:
		return c, fmt.Errorf("concurrency %d is negative", c.Concurrency)
	case c.Concurrency > MaxConcurrency:
		return c, fmt.Errorf("concurrency %d: at most %d", c.Concurrency, MaxConcurrency)
	case c.Rate < 0:
		return c, fmt.Errorf("rate %g is negative", c.Rate)
	case math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate > 0 && c.Rate < MinRate:
		return c, fmt.Errorf("rate %g: want a number of requests per second from %g", c.Rate, MinRate)
	case c.Connections < 0 || c.Connections > MaxConcurrency:
		return c, fmt.Errorf("connections %d: want 1 to %d (or 0 for one per %d streams)", c.Connections, MaxConcurrency, DefaultStreamsPerConn)
	case c.Duration < 0, c.Requests < 0, c.Timeout < 0, c.Interval < 0, c.MaxBody < 0:
		return c, fmt.Errorf("duration, requests, timeout, interval and max body must not be negative")
	}
	if err := c.grpcDefaults(); err != nil {
		return c, err
	}
	for _, st := range c.Stages {
		if math.IsNaN(st.Target) || math.IsInf(st.Target, 0) || st.Target < 0 || !c.Open() && st.Target > MaxConcurrency {
			return c, fmt.Errorf("stage target %g: want a level from 0 (at most %d in flight)", st.Target, MaxConcurrency)
		}
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
		if c.Open() {
			c.Concurrency = DefaultMaxInflight
		}
	}
	if c.Duration == 0 && c.Requests == 0 {
		c.Duration = DefaultDuration
		if len(c.Stages) > 0 {
			c.Duration = Profile{Stages: c.Stages}.End()
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	// Telling a body past the cap means reading one byte past it.
	c.MaxBody = min(c.MaxBody, math.MaxInt64-1)
	return c, nil
}

// MinRate is the least rate of the open model, in requests per second (one
// request every 1000 s); MaxConcurrency the most requests in flight, past
// which starting the workers alone would overrun a short run.
const (
	MinRate        = 1e-3
	MaxConcurrency = 100_000
)

// options are what the transport takes from c.
func (c *Config) options() send.Options {
	return send.Options{Timeout: c.Timeout, MaxBody: c.MaxBody, Insecure: c.Insecure, HTTP2: c.HTTP2,
		Concurrency: c.peakConcurrency(), H2Conns: c.HTTP2Connections()}
}

// peakConcurrency is the most requests the run can have in flight at once.
func (c *Config) peakConcurrency() int {
	peak := max(c.Concurrency, 1)
	if !c.Open() {
		for _, s := range c.Stages {
			peak = max(peak, int(s.Target+0.5))
		}
	}
	return peak
}
