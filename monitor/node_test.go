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
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodeAgentService starts agents/node/example/faults.js, a real Node
// service with strain-vitals on, and returns its URL, the agent's and its
// pid. It skips the test without node.
func nodeAgentService(t *testing.T) (svc, agent string, pid int) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	cmd := exec.Command(node, filepath.Join("..", "agents", "node", "example", "faults.js"), "0", "0", "60")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatal("the service said nothing")
	}
	f := strings.Fields(sc.Text())
	if len(f) != 3 || f[0] != "listening" {
		t.Fatalf("the service said %q", sc.Text())
	}
	return "http://127.0.0.1:" + f[1], "http://127.0.0.1:" + f[2], cmd.Process.Pid
}

func getOK(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// strain's scheduler latency for a Node service is its loop's delay as
// perf_hooks measures it: the p99 the monitor makes of two readings of
// the agent agrees with the p99 of a perf_hooks histogram the service
// keeps of its own over the same span, within the buckets (9% apart)
// and the histograms' own steps.
func TestNodeLagAgreesWithTheRuntimesHistogram(t *testing.T) {
	svc, agent, _ := nodeAgentService(t)
	src := NewVitals(agent+VitalsPath, http.DefaultClient)
	ctx := context.Background()
	if _, err := src.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	getOK(t, svc+"/lag?reset")
	for i := range 40 {
		getOK(t, svc+"/block?ms="+strconv.Itoa(5+i))
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(svc + "/lag")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var own struct{ Count, P99 float64 }
	if err := json.NewDecoder(resp.Body).Decode(&own); err != nil {
		t.Fatal(err)
	}
	m, err := src.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rt := src.(*vitalsSource).Runtime(); rt != "node" {
		t.Errorf("runtime %q, want node", rt)
	}
	got := m["sched_latency.p99"]
	t.Logf("p99: strain %.2fms, the service's own histogram %.2fms (%v delays)", got*1e3, own.P99*1e3, own.Count)
	if own.Count < 50 {
		t.Fatalf("%v delays in the window", own.Count)
	}
	if math.Abs(got-own.P99) > 0.1*own.P99+0.002 {
		t.Errorf("sched_latency.p99 = %.2fms, the runtime's own histogram says %.2fms", got*1e3, own.P99*1e3)
	}
	if m["heap"] <= 0 || m["tasks"] < 1 {
		t.Errorf("heap %v, tasks %v: want both", m["heap"], m["tasks"])
	}
}

// procStat is a process's CPU seconds (utime + stime, in Linux's fixed
// 100 ticks a second) and resident bytes, as /proc says.
func procStat(t *testing.T, pid int) (cpu, rss float64) {
	t.Helper()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			rss = kb * 1024
		}
	}
	return (ut + st) / 100, rss
}

// The Node agent's CPU time and resident memory, as strain reads them,
// agree with what /proc says of the process.
func TestNodeCPUAndRSSAgreeWithProc(t *testing.T) {
	svc, agent, pid := nodeAgentService(t)
	ctx := context.Background()
	r0, err := fetchVitals(ctx, http.DefaultClient, agent+VitalsPath)
	if err != nil {
		t.Fatal(err)
	}
	c0, _ := procStat(t, pid)
	for range 10 {
		getOK(t, svc+"/block?ms=80")
	}
	c1, rss := procStat(t, pid)
	r1, err := fetchVitals(ctx, http.DefaultClient, agent+VitalsPath)
	if err != nil {
		t.Fatal(err)
	}
	got, want := r1.ProcessCPUSeconds-r0.ProcessCPUSeconds, c1-c0
	t.Logf("CPU: agent %.3fs, /proc %.3fs; RSS: agent %.0f, /proc %.0f", got, want, float64(r1.TotalMemoryBytes), rss)
	// /proc counts in 10 ms ticks; the agent's readings bracket /proc's.
	if want < 0.2 || got < want-0.02 || got > want+0.05+0.05*want {
		t.Errorf("CPU over the span: agent %.3fs, /proc %.3fs", got, want)
	}
	if math.Abs(float64(r1.TotalMemoryBytes)-rss) > 0.05*rss {
		t.Errorf("RSS: agent %d, /proc VmRSS %.0f", r1.TotalMemoryBytes, rss)
	}
	if r1.Runtime != "node" {
		t.Errorf("runtime %q", r1.Runtime)
	}
}
