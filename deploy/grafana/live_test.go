package grafana

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// buildStrain builds strain from this repository into a temporary
// directory.
func buildStrain(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "strain")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/strain")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build strain: %v\n%s", err, out)
	}
	return bin
}

// liveRun is a real strain run serving --listen: an open-model load on an
// httptest server that fails one request in five, watching strain's demo
// target (for a target's runtime figures), with an alert that fires.
type liveRun struct {
	metricsURL string
	served     atomic.Int64 // requests the httptest server answered
	cmd        *exec.Cmd
	stderr     *lockedBuffer
}

// startRun starts strain for d and returns once it serves its metrics.
func startRun(t *testing.T, bin string, d time.Duration) *liveRun {
	t.Helper()
	r := &liveRun{stderr: &lockedBuffer{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if r.served.Add(1)%5 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	target := startDemoTarget(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	t.Cleanup(cancel)
	r.cmd = exec.CommandContext(ctx, bin, "run", srv.URL+"/", "-r", "200", "-d", d.String(), "--interval", "500ms",
		"--watch", "demo="+target, "--alert", "throughput > 1", "--listen", "127.0.0.1:0", "--no-tui",
		"--no-diagnose", "--profiles", t.TempDir())
	r.cmd.Stdout = io.Discard
	pr, pw := io.Pipe()
	r.cmd.Stderr = pw
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // one Wait only: a second would block on a process already reaped
	t.Cleanup(func() { r.cmd.Process.Kill(); <-exited })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.stderr.WriteString(sc.Text() + "\n")
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() { r.cmd.Wait(); pw.Close(); close(exited) }()
	select {
	case a := <-addr:
		r.metricsURL = a
	case <-time.After(20 * time.Second):
		t.Fatalf("strain did not say where it serves its metrics:\n%s", r.stderr.String())
	}
	return r
}

var servingLine = regexp.MustCompile(`serving metrics on (http://\S+/metrics)`)

// startDemoTarget runs strain's demo target as a child process and
// returns its base URL.
func startDemoTarget(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "target", "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("demo target: %v", err)
	}
	addr := strings.TrimSpace(line)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		t.Fatalf("demo target printed %q, want its address", line)
	}
	go io.Copy(io.Discard, out)
	return "http://" + addr
}

// scrape reads a /metrics page as Prometheus does.
func scrape(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// exports scrapes the run until it has served a watched target's figures
// and an alert, or the run ends, and returns everything it served.
func (r *liveRun) exports(t *testing.T) exported {
	t.Helper()
	x := exported{metrics: map[string]bool{}, names: map[string]bool{}}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		fams, err := scrape(r.metricsURL)
		if err != nil {
			break // the run is over
		}
		x.add(fams)
		if x.names["target.sched_latency.p99"] && x.names["target.gc_cpu"] && x.metrics["strain_alert_state"] && x.metrics["strain_errors_total"] {
			return x
		}
	}
	return x
}

func (x exported) add(fams map[string]*dto.MetricFamily) {
	for name, f := range fams {
		x.metrics[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				x.metrics[name+s] = true
			}
		}
		if name != "strain_metric" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "name" {
					x.names[l.GetValue()] = true
				}
			}
		}
	}
}

// Every series the dashboard's queries read is one a real strain run
// serves on --listen: the metric, and for strain_metric each name asked
// for (a pattern must match one).
func TestQueriesReadWhatStrainExports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds strain and runs it for a few seconds")
	}
	d := loadDashboard(t)
	qs := queries(t, d)
	run := startRun(t, buildStrain(t), 6*time.Second)
	x := run.exports(t)
	if len(x.metrics) == 0 {
		t.Fatalf("nothing scraped from %s:\n%s", run.metricsURL, run.stderr.String())
	}
	for _, q := range qs {
		for _, vs := range selectors(q.parsed) {
			if !validName.MatchString(vs.Name) {
				t.Errorf("panel %q: %q names no metric", q.panel, vs.String())
			} else if err := x.check(vs); err != nil {
				t.Errorf("panel %q: %s: %v", q.panel, q.expr, err)
			}
		}
	}
	t.Logf("%d queries checked against %d metrics and %d strain_metric names", len(qs), len(x.metrics), len(x.names))
}

// lockedBuffer is a strings.Builder safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
