package session

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// Progress is the sink that prints a line per interval of the load, as
// strain run does on stderr without the dashboard: the load's figures,
// then each watched target's.
func Progress(w io.Writer) Sink {
	return SinkFunc(func(p *Point) {
		m := p.Metrics
		var b strings.Builder
		fmt.Fprintf(&b, "%6.1fs  %8s req  %9s req/s  p50 %8s  p99 %8s  errors %s  inflight %s",
			p.T, metric.FormatNumber(m["requests"]), metric.FormatNumber(m["throughput"]),
			orDash(m, "latency.p50"), orDash(m, "latency.p99"),
			metric.FormatNumber(m["errors"]), metric.FormatNumber(m["inflight"]))
		for _, scope := range p.Runtimes() {
			if scope.Kind == metric.Target {
				writeRuntime(&b, scope, p)
			}
		}
		fmt.Fprintln(w, b.String())
	})
}

// watchLineMetrics are the figures a line shows for each runtime.
var watchLineMetrics = []string{"goroutines", "sched_latency.p99", "cpu", "rss", "heap"}

// RuntimeLines is the sink that prints a line per interval with the main
// figures of every runtime in it (each target, then strain itself), as
// strain watch does on stderr.
func RuntimeLines(w io.Writer) Sink {
	return SinkFunc(func(p *Point) {
		var b strings.Builder
		fmt.Fprintf(&b, "%6.1fs", p.T)
		for _, scope := range p.Runtimes() {
			writeRuntime(&b, scope, p)
		}
		fmt.Fprintln(w, b.String())
	})
}

// writeRuntime writes a runtime's main figures in m: "  api goroutines 7 …".
func writeRuntime(b *strings.Builder, scope metric.Scope, p *Point) {
	m := p.Metrics
	fmt.Fprintf(b, "  %s", scope)
	shown := 0
	for _, name := range watchLineMetrics {
		key := scope.Of(name).String()
		if v, ok := m[key]; ok {
			fmt.Fprintf(b, " %s %s", name, metric.FormatIn(key, v, p.Bounds))
			shown++
		}
	}
	if shown == 0 {
		b.WriteString(" (no data)")
	}
}

// JSONLines is the sink that writes every point's metrics as a JSON line
// ({"t":…,"metrics":{…}}), as strain watch --jsonl does on stdout.
func JSONLines(w io.Writer) Sink {
	enc := json.NewEncoder(w)
	return SinkFunc(func(p *Point) { enc.Encode(p.Point) })
}

// orDash formats a duration metric of m, or "-" when it has no data.
func orDash(m map[string]float64, name string) string {
	v, ok := m[name]
	if !ok {
		return "-"
	}
	return metric.FormatSeconds(v)
}
