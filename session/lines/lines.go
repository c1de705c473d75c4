// Package lines is the sinks that print a run as text, a line per point:
// strain run's progress lines, strain watch's runtime lines and its JSON
// lines. Shared lets the run's log and a line sink print to one stream;
// UntilGone lets a run end when the reader of its lines has gone.
package lines

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"syscall"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/session"
)

// Progress is the sink that prints a line per interval of the load, as
// strain run does on stderr without the dashboard: the load's figures,
// then each watched target's.
func Progress(w io.Writer) session.Sink {
	return session.SinkFunc(func(p *session.Point) {
		m := p.Metrics
		var b strings.Builder
		fmt.Fprintf(&b, "%6.1fs  %8s req  %9s req/s  p50 %8s  p99 %8s  errors %s  inflight %s",
			p.T, metric.FormatNumber(m["requests"]), metric.FormatNumber(m["throughput"]),
			orDash(m, "latency.p50"), orDash(m, "latency.p99"),
			metric.FormatNumber(m["errors"]), metric.FormatNumber(m["inflight"]))
		for _, scope := range metric.Runtimes(p.Metrics) {
			if scope.Kind == metric.Target {
				writeRuntime(&b, scope, p)
			}
		}
		fmt.Fprintln(w, b.String())
	})
}

// watchLineMetrics are the figures a line shows for each runtime.
var watchLineMetrics = []string{"goroutines", "sched_latency.p99", "cpu", "rss", "heap"}

// Runtimes is the sink that prints a line per interval with the main
// figures of every runtime in it (each target, then strain itself), as
// strain watch does on stderr.
func Runtimes(w io.Writer) session.Sink {
	return session.SinkFunc(func(p *session.Point) {
		var b strings.Builder
		fmt.Fprintf(&b, "%6.1fs", p.T)
		for _, scope := range metric.Runtimes(p.Metrics) {
			writeRuntime(&b, scope, p)
		}
		fmt.Fprintln(w, b.String())
	})
}

// writeRuntime writes a runtime's main figures in m: "  api goroutines 7 …".
func writeRuntime(b *strings.Builder, scope metric.Scope, p *session.Point) {
	m := p.Metrics
	label := scope.String()
	if name := p.TargetNames[label]; name != "" && scope == metric.OneTarget {
		label = name // a lone target by the name it was given
	}
	fmt.Fprintf(b, "  %s", label)
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

// JSON is the sink that writes every point's metrics as a JSON line
// ({"t":…,"metrics":{…}}), as strain watch --jsonl does on stdout.
func JSON(w io.Writer) session.Sink {
	enc := json.NewEncoder(w)
	return session.SinkFunc(func(p *session.Point) { enc.Encode(p.Point) })
}

// orDash formats a duration metric of m, or "-" when it has no data.
func orDash(m map[string]float64, name string) string {
	v, ok := m[name]
	if !ok {
		return "-"
	}
	return metric.FormatSeconds(v)
}

// Shared makes w safe to share: the run's log (session.Config.Log) and a
// line sink bound for the same stream write through it one line at a
// time.
func Shared(w io.Writer) io.Writer { return &shared{w: w} }

// shared writes to w one Write at a time.
type shared struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *shared) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// UntilGone writes to w until a write finds w's reader gone (EPIPE: the
// reader of a pipe has exited), then calls gone, once, and says so on log:
// lines are what a reader came for, so a run can end when it leaves.
func UntilGone(w io.Writer, gone func(), log io.Writer) io.Writer {
	return &untilGone{w: w, gone: gone, log: log}
}

type untilGone struct {
	w    io.Writer
	gone func()
	log  io.Writer
	once sync.Once
}

func (u *untilGone) Write(p []byte) (int, error) {
	n, err := u.w.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		u.once.Do(func() {
			fmt.Fprintln(u.log, "strain: stdout closed by its reader; ending the run")
			u.gone()
		})
	}
	return n, err
}
