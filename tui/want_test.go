package tui

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/session"
)

func TestWant(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cases := []struct {
		name         string
		force, never bool
		out          io.Writer
		want         bool
	}{
		{"a pipe", false, false, w, false},
		{"a pipe, forced", true, false, w, true},
		{"forced but never", true, true, w, false},
		{"not a file, forced", true, false, &bytes.Buffer{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Want(c.force, c.never, c.out); got != c.want {
				t.Errorf("Want = %v, want %v", got, c.want)
			}
		})
	}
}

func TestTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, out := range []io.Writer{w, &bytes.Buffer{}} {
		if err := Terminal(out); err == nil {
			t.Errorf("Terminal(%T) = nil, want an error", out)
		}
	}
}

func TestAttach(t *testing.T) {
	d := NewDashboard(Header{}, io.Discard)
	cfg := session.Config{Sinks: []session.Sink{nil}}
	d.Attach(&cfg)
	if cfg.Log != d || !cfg.ManualCaptures || len(cfg.Sinks) != 2 || cfg.Sinks[1] != d {
		t.Errorf("after Attach: Log %v, ManualCaptures %v, Sinks %v", cfg.Log, cfg.ManualCaptures, cfg.Sinks)
	}
}

// A target panel's named rows are strain's own runtime names: anything
// else a target offers is an extra series, listed after them.
func TestTargetRowsAreRuntimeNames(t *testing.T) {
	for _, r := range targetRows {
		if _, ok := metric.RuntimeNames[r[1]]; !ok {
			t.Errorf("row %q is not in metric.RuntimeNames", r[1])
		}
	}
}
