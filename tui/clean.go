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
	if len(f.Alerts) > 0 {
		alerts := make([]Alert, len(f.Alerts))
		for i, a := range f.Alerts {
			a.Rule, a.State, a.Severity, a.Value = line(a.Rule), line(a.State), line(a.Severity), line(a.Value)
			alerts[i] = a
		}
		f.Alerts = alerts
	}
	if len(f.Findings) > 0 {
		// A finding's sentence quotes what a target's profiles name.
		findings := make([]Finding, len(f.Findings))
		for i, fd := range f.Findings {
			fd.Kind, fd.Severity, fd.Summary, fd.Culprit = line(fd.Kind), line(fd.Severity), line(fd.Summary), line(fd.Culprit)
			findings[i] = fd
		}
		f.Findings = findings
	}
	if len(f.Runtimes) > 0 {
		runtimes := make(map[string]string, len(f.Runtimes)) // the point's map is the other sinks' too
		for k, v := range f.Runtimes {
			runtimes[line(k)] = line(v)
		}
		f.Runtimes = runtimes
	}
	if len(f.Profiles) > 0 {
		profiles := make([]Profile, len(f.Profiles))
		for i, p := range f.Profiles {
			p.Target, p.Kind, p.Reason, p.Path = line(p.Target), line(p.Kind), line(p.Reason), line(p.Path)
			profiles[i] = p
		}
		f.Profiles = profiles
	}
	return f
}

// cleanHeader is h with its strings fit to draw.
func cleanHeader(h Header) Header {
	h.Targets = cleanAll(h.Targets)
	h.Model = line(h.Model)
	return h
}

func line(s string) string { return safe.Line(s, maxText) }

// cleanAll cleans each of ss, in a new slice: the caller's is left alone.
func cleanAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = line(s)
	}
	return out
}

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
