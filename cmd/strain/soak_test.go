//go:build soak

package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/strain-dev/strain/report"
)

// A minute at a steady rate: strain's own goroutines and heap, as its self
// monitor reads them, must stay flat. Loose bounds: this catches a leak per
// request or per interval, not a few KiB of noise. The 10-minute version is
// scripts/soak.sh.
func TestSoakStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("a one-minute soak")
	}
	bin := binary(t)
	_, base := demoTarget(t)
	out := filepath.Join(t.TempDir(), "soak.json")
	// The real binary: in the test process, self.* would count every other
	// test running beside this one.
	if b, err := exec.Command(bin, "run", base+"/ok", "-r", "1000", "-d", "60s", "--no-tui", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("strain run: %v\n%s", err, b)
	}
	rep := readReport(t, out)
	early, late := window(rep, 5, 20), window(rep, 45, 60)
	for _, m := range []struct {
		name  string
		slack float64 // absolute allowance on top of 1.5× the early max
	}{{"self.goroutines", 20}, {"self.heap", 8 << 20}} {
		if late[m.name] > 1.5*early[m.name]+m.slack {
			t.Errorf("%s grew from %v (5–20s) to %v (45–60s)", m.name, early[m.name], late[m.name])
		}
	}
	if got := rep.Summary["requests"]; got < 59000 {
		t.Errorf("requests = %v of 60000 scheduled", got)
	}
}

// window is each metric's max over the points from t0 to t1 seconds.
func window(rep *report.Report, t0, t1 float64) map[string]float64 {
	m := map[string]float64{}
	for _, p := range rep.Series {
		if p.T < t0 || p.T > t1 {
			continue
		}
		for k, v := range p.Metrics {
			m[k] = max(m[k], v)
		}
	}
	return m
}
