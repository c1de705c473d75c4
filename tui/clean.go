package tui

import (
	"github.com/strain-dev/strain/internal/safe"
)

// maxText bounds any one string the dashboard keeps, in runes: wider than
// any terminal, and what is drawn is cut to the screen anyway.
const maxText = 500

// cleanFrame is f with every string in it fit to draw: one line, no
// control character, at most maxText runes. Most of them come from
// outside strain (a target's warnings in the events, its series' names,
// the paths of its captures), and the sources clean them already; the
// dashboard, which owns the terminal, does not count on it.
func cleanFrame(f Frame) Frame {
	f.Metrics = cleanKeys(f.Metrics)
	f.Status = cleanKeys(f.Status)
	f.Errors = cleanKeys(f.Errors)
	f.Events = cleanAll(f.Events)
	f.Alerts = cleanEach(f.Alerts, func(a Alert) Alert {
		a.Rule, a.State, a.Severity, a.Value = line(a.Rule), line(a.State), line(a.Severity), line(a.Value)
		return a
	})
	// A finding's sentence quotes what a target's profiles name.
	f.Findings = cleanEach(f.Findings, cleanFinding)
	if len(f.Runtimes) > 0 {
		runtimes := make(map[string]string, len(f.Runtimes)) // the point's map is the other sinks' too
		for k, v := range f.Runtimes {
			runtimes[line(k)] = line(v)
		}
		f.Runtimes = runtimes
	}
	f.Profiles = cleanEach(f.Profiles, func(p Profile) Profile {
		p.Target, p.Kind, p.Reason, p.Path = line(p.Target), line(p.Kind), line(p.Reason), line(p.Path)
		return p
	})
	return f
}

// The evidence the findings view keeps of a finding: the rest is in the
// report.
const (
	maxEvidence = 8
	maxTop      = 10
)

// cleanFinding is fd fit to draw: its sentences quote what a target's
// profiles name, and its evidence lists them.
func cleanFinding(fd Finding) Finding {
	fd.Kind, fd.Severity, fd.Summary, fd.Culprit = line(fd.Kind), line(fd.Severity), line(fd.Summary), line(fd.Culprit)
	fd.Target, fd.Next = line(fd.Target), line(fd.Next)
	fd.Evidence = cleanEach(fd.Evidence[:min(len(fd.Evidence), maxEvidence)], func(ev Evidence) Evidence {
		ev.Metric, ev.Shown, ev.Profile, ev.Note = line(ev.Metric), line(ev.Shown), line(ev.Profile), line(ev.Note)
		ev.Top = cleanAll(ev.Top[:min(len(ev.Top), maxTop)])
		return ev
	})
	return fd
}

// cleanHeader is h with its strings fit to draw.
func cleanHeader(h Header) Header {
	h.Targets = cleanAll(h.Targets)
	h.Model = line(h.Model)
	return h
}

func line[S ~string](s S) S { return S(safe.Line(string(s), maxText)) }

// cleanEach is xs with clean applied to each, in a new slice: the frame's
// slices are the other sinks' too. nil stays nil.
func cleanEach[T any](xs []T, clean func(T) T) []T {
	if xs == nil {
		return nil
	}
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = clean(x)
	}
	return out
}

// cleanAll cleans each of ss, in a new slice: the caller's is left alone.
func cleanAll(ss []string) []string { return cleanEach(ss, line[string]) }

// cleanKeys returns m with its keys cleaned: m itself when they all are,
// as they nearly always are, else a copy.
func cleanKeys[V any](m map[string]V) map[string]V {
	dirty := false
	for k := range m {
		if !safe.IsLine(k, maxText) {
			dirty = true
			break
		}
	}
	if !dirty {
		return m
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[line(k)] = v
	}
	return out
}
