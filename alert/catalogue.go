package alert

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind is what a metric measures, which decides the units a threshold on
// it may carry.
type Kind uint8

// The kinds of metric.
const (
	Any     Kind = iota // unknown: plain numbers and k/M only
	Count               // requests, goroutines…
	Ratio               // 0–1: 5% means 0.05
	Percent             // already in percent: 90% means 90
	Seconds             // durations
	Bytes               // sizes
	Rate                // per second
)

// Catalogue knows the metric names of PRODUCT.md and their kinds. A
// target's names stand for target[NAME].… and self.… too.
type Catalogue struct {
	names map[string]Kind
}

// loadNames and targetNames are the names strain produces.
var (
	loadNames = map[string]Kind{
		"requests": Count, "errors": Count, "error_rate": Ratio, "throughput": Rate,
		"inflight": Count, "oldest_inflight": Seconds, "dropped": Count, "late": Count, "unfinished": Count,
		"bytes_in": Bytes, "bytes_out": Bytes, "concurrency": Count, "rate": Rate,
	}
	targetNames = map[string]Kind{
		"goroutines": Count, "goroutines.runnable": Count, "goroutines.running": Count,
		"goroutines.waiting": Count, "goroutines.not_in_go": Count, "goroutines_growth": Rate,
		"sched_latency.p50": Seconds, "sched_latency.p99": Seconds, "sched_latency.max": Seconds,
		"cpu": Percent, "rss": Bytes, "rss_growth": Rate, "heap": Bytes, "memory": Bytes,
		"gc_pause.p99": Seconds, "gc_pause.max": Seconds, "gc_rate": Rate, "mutex_wait": Ratio,
		"threads": Count, "fds": Count, "restarts": Count, "gomaxprocs": Count,
	}
	latencyStats = []string{"p50", "p90", "p95", "p99", "p999", "max", "mean"}
	// seriesStats are the whole-run summaries of a time series.
	seriesStats = []string{"min", "mean", "max", "last"}
)

// NewCatalogue returns the catalogue of strain's metric names, plus extra
// target series (picked from Prometheus endpoints) whose kind is unknown.
func NewCatalogue(extra ...string) *Catalogue {
	c := &Catalogue{names: map[string]Kind{}}
	for n, k := range loadNames {
		c.names[n] = k
	}
	for _, s := range latencyStats {
		c.names["latency."+s] = Seconds
		c.names["latency_uncorrected."+s] = Seconds
	}
	for n, k := range targetNames {
		c.names["target."+n] = k
		c.names["self."+n] = k
	}
	for _, n := range extra {
		c.names["target."+n] = Any
	}
	return c
}

// Lookup finds a metric's kind. With summaries, a whole-run summary
// NAME.min|mean|max|last of a known NAME is known too.
func (c *Catalogue) Lookup(name string, summaries bool) (Kind, error) {
	base := canonical(name)
	if k, ok := c.names[base]; ok {
		return k, nil
	}
	if summaries {
		if i := strings.LastIndexByte(base, '.'); i > 0 && slices.Contains(seriesStats, base[i+1:]) {
			if k, ok := c.names[base[:i]]; ok {
				return k, nil
			}
		}
	}
	return Any, fmt.Errorf("unknown metric %q%s", name, c.suggest(base))
}

// Summary splits a whole-run summary NAME.min|mean|max|last of a known
// time series NAME into NAME and the statistic; ok is false for any other
// name (latency.max, say, is a latency statistic, not a summary).
func (c *Catalogue) Summary(name string) (series, stat string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || !slices.Contains(seriesStats, name[i+1:]) {
		return "", "", false
	}
	if _, known := c.names[canonical(name[:i])]; !known {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// canonical turns target[NAME].x into target.x.
func canonical(name string) string {
	if strings.HasPrefix(name, "target[") {
		if i := strings.Index(name, "]."); i > 0 {
			return "target." + name[i+2:]
		}
	}
	return name
}

// suggest names the known metrics closest to name.
func (c *Catalogue) suggest(name string) string {
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	for n := range c.names {
		if d := distance(name, n); d <= max(3, len(name)/3) {
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
