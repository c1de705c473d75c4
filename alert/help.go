package alert

import (
	"maps"
	"slices"
	"strings"

	"github.com/strain-dev/strain/metric"
)

// Help is the rule and gate language and the metric names, as a command's
// help shows them.
func Help() string {
	var b strings.Builder
	b.WriteString(`Rules (--alert) and gates (--gate) share one language:
  [warn:|crit:] METRIC OP VALUE[UNIT] [for D] [keep D] [capture KIND,...]
  OP is > >= < <= == !=; UNIT is ns µs us ms s m h, KiB MiB GiB, k M, or %
  (a percentage of a 0–1 ratio such as error_rate, or of percent-valued cpu).
  e.g. 'crit: target.sched_latency.p99 > 10ms for 5s', 'latency.p99 < 200ms'

Load metrics:`)
	load := slices.Sorted(maps.Keys(metric.LoadNames))
	load = append(load, "latency.{"+strings.Join(metric.LatencyStats, ",")+"}", "latency_uncorrected.*")
	b.WriteString(wrap(load))
	b.WriteString("\nRuntime metrics, as target.X (target[NAME].X with several targets) and self.X:")
	b.WriteString(wrap(slices.Sorted(maps.Keys(metric.RuntimeNames))))
	b.WriteString("\nA gate may take a series' whole-run NAME." + strings.Join(metric.SeriesStats, "|") + ".")
	return b.String()
}

// wrap joins names into indented lines of at most about 78 columns.
func wrap(names []string) string {
	var lines []string
	line := ""
	for _, n := range names {
		if line != "" && len(line)+len(n) > 74 {
			lines = append(lines, line+",")
			line = ""
		}
		if line != "" {
			line += ", "
		}
		line += n
	}
	return "\n  " + strings.Join(append(lines, line), "\n  ")
}
