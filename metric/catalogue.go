package metric

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Unit is what a metric measures, which decides how it is printed and the
// units a threshold on it may carry.
type Unit uint8

// The units. Durations are in seconds, sizes in bytes, CPU in percent of
// one core.
const (
	Unknown Unit = iota // plain numbers
	Count               // requests, goroutines…
	Ratio               // 0–1, printed in percent: 0.05 is 5.00%
	Percent             // already in percent: 90 is 90%
	Seconds             // durations
	Bytes               // sizes
	Rate                // per second
)

// String names the unit as a message to a user does.
func (u Unit) String() string {
	return [...]string{"unknown units", "a count", "a ratio", "percent", "seconds", "bytes", "a rate"}[u]
}

// Catalogue knows the metric names of PRODUCT.md and their units. A
// runtime's names stand for self.X, target.X and target[NAME].X alike.
type Catalogue struct {
	names map[string]Unit
}

// LoadNames are the load's metrics and their units (without the latency
// statistics, which are LatencyStats of latency and latency_uncorrected).
var LoadNames = map[string]Unit{
	"requests": Count, "errors": Count, "error_rate": Ratio, "throughput": Rate,
	"inflight": Count, "oldest_inflight": Seconds, "dropped": Count, "late": Count, "unfinished": Count,
	"bytes_in": Bytes, "bytes_out": Bytes, "concurrency": Count, "rate": Rate, "messages": Count,
}

// SearchNames are a capacity search's own figures (strain capacity), in
// its summary beside the load's.
var SearchNames = map[string]Unit{"capacity": Rate}

// RuntimeNames are a runtime's metrics, a watched target's or strain's
// own, and their units.
var RuntimeNames = map[string]Unit{
	"tasks": Count, "tasks_growth": Rate, "goroutines": Count, "goroutines.runnable": Count, "goroutines.running": Count,
	"goroutines.waiting": Count, "goroutines.not_in_go": Count, "goroutines_growth": Rate,
	"sched_latency.p50": Seconds, "sched_latency.p99": Seconds, "sched_latency.max": Seconds,
	"cpu": Percent, "rss": Bytes, "rss_growth": Rate, "heap": Bytes, "memory": Bytes,
	"gc_pause.p99": Seconds, "gc_pause.max": Seconds, "gc_rate": Rate, "gc_cpu": Ratio, "mutex_wait": Ratio,
	"threads": Count, "fds": Count, "restarts": Count, "gomaxprocs": Count, "cpu_limit": Percent,
	"gc_pause.mean": Seconds, "alloc_rate": Rate, "mutex_waiters": Count,
	"blocked.sync": Ratio, "blocked.chan": Ratio, "blocked.select": Ratio, "blocked.net": Ratio, "blocked.syscall": Ratio,
}

// LatencyStats are the statistics of the load's latency histograms.
var LatencyStats = []string{"p50", "p90", "p95", "p99", "p999", "max", "mean"}

// SeriesStats are the whole-run summaries of a time series: NAME.min…
var SeriesStats = []string{"min", "mean", "max", "last"}

// NewCatalogue returns the catalogue of strain's metric names, plus extra
// target series picked from Prometheus endpoints. An extra series' unit
// comes from its name's Prometheus suffix (_seconds, _bytes, _ratio), and
// is Unknown otherwise.
func NewCatalogue(extra ...string) *Catalogue {
	c := &Catalogue{names: map[string]Unit{}}
	for n, u := range LoadNames {
		c.names[n] = u
	}
	for n, u := range SearchNames {
		c.names[n] = u
	}
	for _, s := range LatencyStats {
		c.names["latency."+s] = Seconds
		c.names["latency_uncorrected."+s] = Seconds
	}
	for n, u := range RuntimeNames {
		c.names[OneTarget.Of(n).String()] = u
		c.names[SelfScope.Of(n).String()] = u
	}
	for _, n := range extra {
		c.names[OneTarget.Of(n).String()] = suffixUnit(n)
	}
	return c
}

// suffixUnit is the unit Prometheus' naming conventions give a series.
func suffixUnit(name string) Unit {
	switch {
	case strings.HasSuffix(name, "_seconds"):
		return Seconds
	case strings.HasSuffix(name, "_bytes"):
		return Bytes
	case strings.HasSuffix(name, "_ratio"):
		return Ratio
	}
	return Unknown
}

// Add adds names of unit u to c: the counts of findings, findings.KIND
// and findings.SEVERITY, that a session puts in a run's summary (their
// kinds are the diagnosis', which this package does not know).
func (c *Catalogue) Add(u Unit, names ...string) {
	for _, n := range names {
		c.names[n] = u
	}
}

// defaultCatalogue serves UnitOf, which needs no extra series.
var defaultCatalogue = NewCatalogue()

// findings begins the names of a summary's counts of findings.
const findings = "findings."

// UnitOf is the unit of a metric, or of the series a whole-run summary
// (NAME.max…) is of; Unknown for a name strain does not know. A count of
// findings is a Count. A series strain does not know gets the unit its
// Prometheus suffix says.
func UnitOf(name string) Unit {
	u, err := defaultCatalogue.Lookup(name, true)
	if err == nil {
		return u
	}
	if strings.HasPrefix(name, findings) {
		return Count
	}
	base := Parse(name).Name
	if i := strings.LastIndexByte(base, '.'); i > 0 && slices.Contains(SeriesStats, base[i+1:]) {
		base = base[:i]
	}
	return suffixUnit(base)
}

// Lookup finds a metric's unit. With summaries, a whole-run summary
// NAME.min|mean|max|last of a known NAME is known too. An unknown name is
// an error that suggests the closest known ones.
func (c *Catalogue) Lookup(name string, summaries bool) (Unit, error) {
	base := Canonical(name)
	if u, ok := c.names[base]; ok {
		return u, nil
	}
	if summaries {
		if i := strings.LastIndexByte(base, '.'); i > 0 && slices.Contains(SeriesStats, base[i+1:]) {
			if u, ok := c.names[base[:i]]; ok {
				return u, nil
			}
		}
	}
	return Unknown, fmt.Errorf("unknown metric %q%s", name, c.suggest(base))
}

// Summary splits a whole-run summary NAME.min|mean|max|last of a known
// time series NAME into NAME and the statistic; ok is false for any other
// name (latency.max, say, is a latency statistic, not a summary).
func (c *Catalogue) Summary(name string) (series, stat string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || !slices.Contains(SeriesStats, name[i+1:]) {
		return "", "", false
	}
	if _, known := c.names[Canonical(name[:i])]; !known {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// suggest names the known metrics closest to name.
func (c *Catalogue) suggest(name string) string {
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	for n := range c.names {
		switch d := distance(name, n); {
		case strings.HasSuffix(n, "."+name):
			cands = append(cands, cand{n, 0}) // p99 → latency.p99
		case d <= max(3, len(name)/3):
			cands = append(cands, cand{n, d})
		}
	}
	if len(cands) == 0 {
		return ""
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].name < cands[j].name
	})
	var names []string
	for i := 0; i < len(cands) && i < 3; i++ {
		names = append(names, cands[i].name)
	}
	return "; did you mean " + strings.Join(names, ", ") + "?"
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
