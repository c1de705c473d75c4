package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/strain-dev/strain/internal/exitcode"

	"github.com/strain-dev/strain/report"
)

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
	if code := exitStatus(exec.Command(bin, "run", srv.URL, "-n", "1", "--procs", "-1").Run()); code != exitcode.Usage {
		t.Errorf("--procs -1: exit %d, want %d", code, exitcode.Usage)
	}
}
