package grafana

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// promConfig scrapes one strain every second, as job "strain".
const promConfig = `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: strain
    static_configs:
      - targets: [%q]
`

// startPrometheus runs a Prometheus server on loopback scraping the
// metrics at metricsURL, and returns its base URL once it is ready.
func startPrometheus(t *testing.T, bin, metricsURL string) string {
	t.Helper()
	u, err := url.Parse(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(promConfig, u.Host)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("Prometheus was not ready in 30s")
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// promResult is a query's answer from Prometheus' HTTP API: a vector
// (Value) or a matrix (Values), by series.
type promResult struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Result []struct {
			Value  []any   `json:"value"`
			Values [][]any `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

// promQuery asks Prometheus at base's HTTP API (path and params) for expr;
// it returns every sample's value, of every series.
func promQuery(base, path string, params url.Values) ([]float64, error) {
	resp, err := http.Get(base + path + "?" + params.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r promResult
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", r.Status, r.Error)
	}
	var out []float64
	for _, s := range r.Data.Result {
		samples := s.Values
		if s.Value != nil {
			samples = append(samples, s.Value)
		}
		for _, sv := range samples {
			str, _ := sv[1].(string)
			v, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return nil, fmt.Errorf("value %v: %w", sv[1], err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// instant is expr now.
func instant(base, expr string) ([]float64, error) {
	return promQuery(base, "/api/v1/query", url.Values{"query": {expr}})
}

// lastSeconds is expr over the last d, a point a second, as a panel
// draws it: a series that is absent from some scrapes (a GC figure, in
// an interval without a GC) still shows.
func lastSeconds(base, expr string, d time.Duration) ([]float64, error) {
	now := time.Now()
	return promQuery(base, "/api/v1/query_range", url.Values{"query": {expr}, "step": {"1"},
		"start": {strconv.FormatInt(now.Add(-d).Unix(), 10)}, "end": {strconv.FormatInt(now.Unix(), 10)}})
}

// Against a real Prometheus scraping a real run, every panel's query
// returns data, and the merged throughput is the rate the run asked for,
// as the server counted it. Skipped without a prometheus binary
// (apt-get install prometheus).
func TestPanelsAgainstPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs strain and Prometheus for half a minute")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("no prometheus on PATH (apt-get install prometheus)")
	}
	d := loadDashboard(t)
	qs := queries(t, d)
	run := startRun(t, buildStrain(t), 60*time.Second)
	base := startPrometheus(t, bin, run.metricsURL)
	time.Sleep(35 * time.Second) // rate() over 30s has a whole window
	for _, q := range qs {
		vals, err := lastSeconds(base, q.expr, 30*time.Second)
		switch {
		case err != nil:
			t.Errorf("panel %q: %s: %v", q.panel, q.expr, err)
		case len(vals) == 0:
			t.Errorf("panel %q: %s returned no data", q.panel, q.expr)
		default:
			t.Logf("panel %q: %s: %d points, the last %.4g", q.panel, q.expr, len(vals), vals[len(vals)-1])
		}
	}
	// The merged throughput, against the server's own count over the
	// same 30s: both count the requests answered; the scrape lags by up
	// to its interval and strain's.
	before := run.served.Load()
	time.Sleep(5 * time.Second)
	served := float64(run.served.Load()-before) / 5
	vals, err := instant(base, `sum(rate(strain_requests_total{job="strain"}[30s]))`)
	if err != nil || len(vals) != 1 {
		t.Fatalf("merged throughput: %v %v", vals, err)
	}
	if math.Abs(vals[0]-served) > 0.1*served {
		t.Errorf("merged throughput %.1f req/s, the server answered %.1f req/s", vals[0], served)
	}
	t.Logf("merged throughput %.1f req/s; the server answered %.1f req/s (the run asked 200)", vals[0], served)
}
