package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeService starts agents/node/example/service.js, a real Node service
// with prom-client's default metrics, and returns its URL. It skips the
// test without node, or without prom-client (scripts/setup-node.sh).
func nodeService(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	dir := filepath.Join("..", "..", "agents", "node", "example")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "prom-client")); err != nil {
		t.Skip("no prom-client: scripts/setup-node.sh installs it")
	}
	f := startService(t, exec.Command(node, filepath.Join(dir, "service.js"), "0", "60"), 2)
	return "http://127.0.0.1:" + f[1]
}

// A Node service watched through prom-client's default metrics, with no
// configuration: its loop's lag is the target's scheduler latency (each
// request busy-waits 30 ms on the loop: prom-client's p99 of the loop's
// delay, at its 10 ms resolution, is about that), its handles and requests
// its tasks; the default alert on the lag fires (it must hold 5 s, from
// the first interval with the lag's data, 1-2 s in: hence 9 s) and
// diagnosis finds the loop blocked.
func TestNodeBlockedLoop(t *testing.T) {
	url := nodeService(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := cli(t, context.Background(), "run", url+"/block?ms=30", "-r", "20", "-d", "9s",
		"--watch", "prom:"+url+"/metrics", "--alerts", "default", "--no-tui", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	rep := readReport(t, out)
	if p99 := rep.Summary["target.sched_latency.p99.max"]; p99 < 0.025 || p99 > 0.25 {
		t.Errorf("target.sched_latency.p99.max = %v, want about the 30 ms busy wait", p99)
	}
	if _, ok := rep.Summary["target.tasks.max"]; !ok {
		t.Errorf("no target.tasks")
	}
	if rt := rep.TargetRuntimes["target"]; rt != "node" {
		t.Errorf("the target's runtime is %q, want node", rt)
	}
	if !firedOn(rep, "target.sched_latency.p99") {
		t.Errorf("the default alert on the loop's lag did not fire: %+v", rep.Alerts)
	}
	if f, ok := finding(rep, "blocking"); !ok || !strings.Contains(f.Summary, "event loop was blocked") {
		t.Errorf("blocking: %+v", f)
	}
}
