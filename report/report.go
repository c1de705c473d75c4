// Package report holds a run's report in the schema users and CI rely on
// ("strain.report/v1") and renders it: JSON, and the text summary printed
// at the end of a run, JUnit, Markdown and HTML; Outputs writes the files.
// It renders what it is given: of strain's other packages it imports only
// metric, for names and units, internal/atomicfile, to write files whole,
// internal/safe, to escape text that came from a target, and flame, to
// draw the profiles its captures and evidence name.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/strain-dev/strain/metric"
)

// Schema names this version of the report's layout.
const Schema = "strain.report/v1"

// Report is one run, as written by -o.
type Report struct {
	Schema          string             `json:"schema"`
	Started         time.Time          `json:"started"`
	DurationSeconds float64            `json:"duration_seconds"`
	Interrupted     bool               `json:"interrupted"`
	Load            Load               `json:"load"`
	Summary         map[string]float64 `json:"summary"`
	// SummaryBounds are the ranges of the summary's figures made of
	// bounded values (Point.Bounds): where the true figure lies.
	SummaryBounds map[string]metric.Bounds `json:"summary_bounds,omitempty"`
	StatusCodes   map[string]int64         `json:"status_codes"`
	ErrorsByKind  map[string]int64         `json:"errors_by_kind"`
	Series        []Point                  `json:"series"`
	Alerts        []Alert                  `json:"alerts"`
	Gates         []Gate                   `json:"gates"`
	Profiles      []Profile                `json:"profiles"`
	Findings      []Finding                `json:"findings"`
	// TargetRuntimes are what each watched target runs, by its scope's
	// name ("target", "target[api]"), where its sources said: "go",
	// "python", "node".
	TargetRuntimes map[string]string `json:"runtimes,omitempty"`
	// TargetNames are the names the watched targets were given (--watch
	// NAME=…, or their host:port or pid), by their scope's name: a lone
	// target's metrics are target.X, and its name is kept here
	// ("target": "api").
	TargetNames map[string]string `json:"target_names,omitempty"`
	Warnings    []string          `json:"warnings"`
	Passed      bool              `json:"passed"`

	// A capacity search's report (strain capacity) adds what it found:
	// the highest rate in req/s at which every SLO held, what bound it,
	// each rate tried, and how the search was asked for and ended. Its
	// series runs through every step, its summary is the step at the
	// capacity's (with "capacity"), and its findings are the bounding
	// step's: why the service stopped keeping up.
	Capacity *float64 `json:"capacity,omitempty"`
	BoundBy  *Bound   `json:"bound_by,omitempty"`
	Steps    []Step   `json:"steps,omitempty"`
	Search   *Search  `json:"search,omitempty"`

	// Histograms are the whole run's latencies, for comparing it with
	// another (strain report a.json b.json); a segment's are in Segment,
	// and a capacity search has none (its summary is one step's).
	Histograms *Histograms `json:"histograms,omitempty"`

	// Segment is a segment's run (strain run --segment I/N): which, and
	// its whole run's histograms, for strain merge; each point of its
	// series carries its interval's.
	Segment *Segment `json:"segment,omitempty"`
	// Merged says which segments a merged report (strain merge) is of.
	Merged *Merged `json:"merged,omitempty"`
}

// Load is how the load was applied.
type Load struct {
	Model       string   `json:"model"` // "closed" or "open"
	Concurrency int      `json:"concurrency"`
	Rate        float64  `json:"rate,omitempty"`
	Stages      []Stage  `json:"stages,omitempty"`
	Targets     []string `json:"targets"`            // "METHOD URL", credentials never included
	Requests    int64    `json:"requests,omitempty"` // the -n bound, if any
	Procs       int      `json:"procs,omitempty"`    // cores the generator's Go code could use (GOMAXPROCS)
	// Path is the client that sent the requests: "wire" (strain's own
	// HTTP/1.1), "h2" (its own HTTP/2) or "net/http".
	Path string `json:"path,omitempty"`
	// Connections are the HTTP/2 connections per endpoint that the
	// requests in flight shared as streams.
	Connections int      `json:"connections,omitempty"`
	Changes     []Change `json:"changes,omitempty"` // live changes during the run, in order
	// CooldownSeconds is how long the targets were watched after the load
	// stopped; the series goes on through it, without load figures.
	CooldownSeconds float64 `json:"cooldown_seconds,omitempty"`
}

// Change is a live change to the load during the run, from the dashboard's
// keys or a program driving the session.
type Change struct {
	T      float64 `json:"t"`               // seconds since the start
	Level  float64 `json:"level,omitempty"` // the concurrency or rate asked for from then on
	Paused *bool   `json:"paused,omitempty"`
}

// Stage is one ramp of the load level.
type Stage struct {
	DurationSeconds float64 `json:"duration_seconds"`
	Target          float64 `json:"target"`
}

// Point is one interval of the run's time series.
type Point struct {
	T       float64            `json:"t"` // seconds since the start, at the interval's end
	Metrics map[string]float64 `json:"metrics"`
	// Bounds are the ranges of the metrics read from histogram buckets
	// (a Prometheus endpoint's), which their values only estimate.
	Bounds map[string]metric.Bounds `json:"bounds,omitempty"`
	// Histograms are the interval's latencies, in a segment's report.
	Histograms *Histograms `json:"histograms,omitempty"`
}

// Alert is an alert's transition during the run.
type Alert struct {
	Time     time.Time `json:"time"`
	T        float64   `json:"t"` // seconds since the start
	Rule     string    `json:"rule"`
	Metric   string    `json:"metric"`
	State    string    `json:"state"` // pending, firing or resolved
	Severity string    `json:"severity"`
	Value    float64   `json:"value"`
	Shown    string    `json:"shown"` // the value in its unit, e.g. "12.3ms"
}

// Gate is one CI gate's verdict, or one regression check against a
// baseline.
type Gate struct {
	Expr   string  `json:"expr"`
	Value  float64 `json:"value"`
	Shown  string  `json:"shown"` // the value in its unit, or "no data"
	NoData bool    `json:"no_data,omitempty"`
	Pass   bool    `json:"pass"`
	Kind   string  `json:"kind"` // "gate" or "regression"
}

// Profile is one captured profile.
type Profile struct {
	Path   string    `json:"path"`
	Kind   string    `json:"kind"`
	Reason string    `json:"reason"`
	Time   time.Time `json:"time"`
	Target string    `json:"target,omitempty"` // the watched target's name, or "self"
	Alert  string    `json:"alert,omitempty"`  // the rule whose alert asked for it
}

// New returns an empty report whose lists encode as [] rather than null.
func New() *Report {
	return &Report{
		Schema: Schema, Summary: map[string]float64{}, StatusCodes: map[string]int64{},
		ErrorsByKind: map[string]int64{}, Series: []Point{}, Alerts: []Alert{}, Gates: []Gate{},
		Profiles: []Profile{}, Findings: []Finding{}, Warnings: []string{}, Passed: true,
	}
}

// Finding is one problem diagnosis found in the run: what, how bad,
// when, in a sentence with the numbers, its culprit, the evidence, and
// what to do next.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	Target   string   `json:"target,omitempty"`
	Start    float64  `json:"start"` // seconds since the start
	End      float64  `json:"end"`
	Summary  string   `json:"summary"`
	// Culprit names what the finding's first profile shows, as a
	// sentence ("Busiest: target.hog 94% of the CPU."); "" when none does.
	Culprit  string     `json:"culprit,omitempty"`
	Evidence []Evidence `json:"evidence"`
	Next     string     `json:"next"`
	// Unjudged are the kinds an insufficient_data finding says could not
	// be judged.
	Unjudged []Kind `json:"unjudged,omitempty"`
}

// Evidence is one thing a finding stands on: a metric's value, or a
// profile and what it shows.
type Evidence struct {
	Metric string  `json:"metric,omitempty"`
	Value  float64 `json:"value,omitempty"`
	Shown  string  `json:"shown,omitempty"` // the value in its unit: its range where it has Bounds
	// Bounds are where the value truly lies, where it was read from
	// histogram buckets.
	Bounds  *metric.Bounds `json:"bounds,omitempty"`
	Profile string         `json:"profile,omitempty"`
	Top     []string       `json:"top,omitempty"`  // what the profile shows, most first
	Note    string         `json:"note,omitempty"` // why it shows nothing: empty, unreadable
	// Function is the function Top's first line names, in full
	// ("github.com/x/y/target.hog"): the culprit frame the HTML report
	// marks in the profile's flame graph.
	Function string `json:"function,omitempty"`
	// Base is the earlier profile Profile was compared with, where Top
	// is what grew between them: a leak's first goroutine dump.
	Base string `json:"base,omitempty"`
}

// WriteJSON renders r as indented JSON. Metrics that are not finite numbers
// are dropped, since JSON has no way to say them.
func (r *Report) WriteJSON(w io.Writer) error {
	clean := *r
	clean.Summary = finite(r.Summary)
	clean.Series = make([]Point, len(r.Series))
	for i, p := range r.Series {
		clean.Series[i] = Point{T: p.T, Metrics: finite(p.Metrics), Bounds: p.Bounds, Histograms: p.Histograms}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&clean); err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return nil
}

// Read decodes a report written by WriteJSON. Anything else is refused,
// however well-formed its JSON: a file whose schema is missing or not
// Schema is not a strain report.
func Read(r io.Reader) (*Report, error) {
	rep := New()
	rep.Schema = "" // New's would pass a file that names none
	if err := json.NewDecoder(r).Decode(rep); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	switch rep.Schema {
	case Schema:
		return rep, nil
	case "":
		return nil, fmt.Errorf("not a strain report: no schema, want %q", Schema)
	}
	return nil, fmt.Errorf("not a strain report: schema %q, want %q", rep.Schema, Schema)
}

// MaxFileBytes bounds a report file ReadFile reads: a segment's, with a
// histogram per interval, is a few megabytes for an hour.
const MaxFileBytes = 256 << 20

// ReadFile reads the report at path, as Read, refusing a file larger
// than MaxFileBytes; its errors name the path.
func ReadFile(path string) (*Report, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil && st.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than a report (%d)", path, st.Size(), MaxFileBytes)
	}
	r, err := Read(io.LimitReader(file, MaxFileBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func finite(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}
