package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// strain's scheduler latency for a Python service is the event loop's lag
// as the agent's own probe measured it: the p99 the monitor makes of two
// readings of the agent's histogram agrees with the exact p99 of the
// probe's raw readings between them, within the histogram's buckets (9%
// apart) and a reading's worth of time at each end.
func TestPythonLagAgreesWithTheAgentsProbe(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	cmd := exec.Command(py, filepath.Join("..", "agents", "python", "examples", "service.py"), "--port", "0", "--agent-port", "0", "--seconds", "30")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatal("the service said nothing")
	}
	f := strings.Fields(sc.Text())
	if len(f) != 3 {
		t.Fatalf("the service said %q", sc.Text())
	}
	svc, agent := "http://127.0.0.1:"+f[1], "http://127.0.0.1:"+f[2]
	src := NewVitals(agent+VitalsPath, http.DefaultClient)
	ctx := context.Background()
	if _, err := src.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	from := time.Now()
	// Block the loop for 5 to 40 ms, 40 times: lags of all sizes.
	for i := range 40 {
		resp, err := http.Get(svc + "/block?ms=" + strconv.Itoa(5+i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		time.Sleep(20 * time.Millisecond)
	}
	m, err := src.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to := time.Now()
	resp, err := http.Get(agent + "/debug/strain/lag")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw [][2]float64
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	var lags []float64
	for _, r := range raw {
		if at := time.Unix(0, int64(r[0]*1e9)); at.After(from) && at.Before(to) {
			lags = append(lags, r[1])
		}
	}
	if len(lags) < 50 {
		t.Fatalf("%d probe readings in the window", len(lags))
	}
	slices.Sort(lags)
	exact := lags[int(math.Ceil(0.99*float64(len(lags))))-1]
	got := m["sched_latency.p99"]
	t.Logf("p99: strain %.2fms, the probe's own %.2fms (%d readings)", got*1e3, exact*1e3, len(lags))
	if math.Abs(got-exact) > 0.1*exact+0.001 {
		t.Errorf("sched_latency.p99 = %.2fms, the agent's probe says %.2fms", got*1e3, exact*1e3)
	}
}
