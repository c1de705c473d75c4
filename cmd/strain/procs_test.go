package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/report"
)

func TestProcsDefault(t *testing.T) {
	t.Setenv("GOMAXPROCS", "") // an empty value is unset for the runtime and for procs
	all := runtime.GOMAXPROCS(0)
	local := []loadgen.Target{{URL: "http://127.0.0.1:8080/"}, {URL: "http://[::1]:8080/x"}, {URL: "https://localhost/"}}
	remote := append(local, loadgen.Target{URL: "http://10.0.0.7/"})
	cases := []struct {
		name  string
		flag  int
		cfg   loadgen.Config
		procs int
	}{
		{"flag wins", 3, loadgen.Config{Targets: local}, 3},
		{"loopback closed: half", 0, loadgen.Config{Targets: local}, max(1, all/2)},
		{"loopback open: one more for the pacer", 0, loadgen.Config{Targets: local, Rate: 100}, max(max(1, all/2), min(2, all))},
		{"a remote target: all", 0, loadgen.Config{Targets: remote}, all},
		{"no targets: all", 0, loadgen.Config{}, all},
	}
	for _, c := range cases {
		if got := procs(c.flag, c.cfg); got != c.procs {
			t.Errorf("%s: procs = %d, want %d", c.name, got, c.procs)
		}
	}
	t.Setenv("GOMAXPROCS", strconv.Itoa(all))
	if got := procs(0, loadgen.Config{Targets: local}); got != all {
		t.Errorf("GOMAXPROCS set: procs = %d, want the runtime's %d", got, all)
	}
}

// TestReportRecordsProcs runs the real binary, which applies --procs to the
// process, and reads back what the process ran with.
func TestReportRecordsProcs(t *testing.T) {
	bin := binary(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, max(1, runtime.GOMAXPROCS(0)/2)},
		{[]string{"--procs", "3"}, 3},
	} {
		out := filepath.Join(t.TempDir(), "r.json")
		args := append([]string{"run", srv.URL, "-n", "20", "--no-tui", "-o", out}, tc.args...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("strain %v: %v\n%s", args, err, b)
		}
		var rep report.Report
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Load.Procs != tc.want {
			t.Errorf("strain %v: load.procs = %d, want %d", tc.args, rep.Load.Procs, tc.want)
		}
	}
	if code := exitStatus(exec.Command(bin, "run", srv.URL, "-n", "1", "--procs", "-1").Run()); code != ExitUsage {
		t.Errorf("--procs -1: exit %d, want %d", code, ExitUsage)
	}
}
