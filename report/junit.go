package report

import (
	"encoding/xml"
	"fmt"
	"github.com/strain-dev/strain/metric"
	"io"
	"strconv"
)

type junitSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Time     string     `xml:"time,attr"`
	Suite    junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Time    string        `xml:"time,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
	Out     string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit renders the run as JUnit XML, which CI systems read: one test
// case per gate and per regression check (a failure carries the value and
// the threshold), and one for the run itself, failing if it was cut short.
func (r *Report) WriteJUnit(w io.Writer) error {
	secs := strconv.FormatFloat(r.DurationSeconds, 'f', 3, 64)
	suite := junitSuite{Name: "strain", Time: secs, Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05Z")}
	for _, t := range r.Load.Targets {
		suite.Properties = append(suite.Properties, junitProperty{Name: "target", Value: t})
	}
	suite.Properties = append(suite.Properties, junitProperty{Name: "load", Value: r.loadLine()})
	run := junitCase{Class: "strain.run", Name: "run completed", Time: secs}
	if r.Interrupted {
		run.Failure = &junitFailure{Message: "interrupted", Type: "interrupted", Text: "the run was interrupted before its end"}
	}
	suite.Cases = append(suite.Cases, run)
	if r.Capacity != nil {
		suite.Cases = append(suite.Cases, r.junitCapacity())
		suite.Properties = append(suite.Properties, junitProperty{Name: "capacity", Value: strconv.FormatFloat(*r.Capacity, 'f', -1, 64)})
	}
	for _, g := range r.Gates {
		c := junitCase{Class: "strain." + g.Kind, Name: g.Expr, Time: "0"}
		if !g.Pass {
			text := fmt.Sprintf("the value %s does not satisfy %s", g.Shown, g.Expr)
			if g.NoData {
				text = fmt.Sprintf("its metric had no value during the run, so %s cannot pass", g.Expr)
			}
			c.Failure = &junitFailure{Message: fmt.Sprintf("%s: got %s", g.Expr, g.Shown), Type: g.Kind, Text: text}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Cases = append(suite.Cases, r.junitFindings()...)
	for _, c := range suite.Cases {
		if c.Failure != nil {
			suite.Failures++
		}
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "strain", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suite: suite}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// loadLine says how the load was applied, in one line.
func (r *Report) loadLine() string {
	return r.modelLine() + r.http2Note() + r.segmentNote()
}

// http2Note says how HTTP/2 carried the load: the requests in flight as
// streams over its connections, on strain's own client or net/http.
func (r *Report) http2Note() string {
	if r.Load.Connections == 0 {
		return ""
	}
	client := ""
	if r.Load.Path == "net/http" {
		client = ", net/http's client"
	}
	return fmt.Sprintf(", HTTP/2 over %d connection%s per host%s", r.Load.Connections, plural(r.Load.Connections), client)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// segmentNote says which segments a report is of: a segment's, or a
// merged report's.
func (r *Report) segmentNote() string {
	switch {
	case r.Segment != nil:
		return fmt.Sprintf(", segment %d/%d", r.Segment.Index, r.Segment.Count)
	case r.Merged != nil && r.Merged.Partial:
		return fmt.Sprintf(", merged from %d of %d segments (PARTIAL: %v missing)", len(r.Merged.Segments), r.Merged.Count, r.Merged.Missing)
	case r.Merged != nil:
		return fmt.Sprintf(", merged from %d segments", r.Merged.Count)
	}
	return ""
}

// modelLine says how the load was applied.
func (r *Report) modelLine() string {
	if r.Capacity != nil {
		return fmt.Sprintf("capacity search, %d steps, open model, at most %d in flight", len(r.Steps), r.Load.Concurrency)
	}
	switch r.Load.Model {
	case "open":
		return fmt.Sprintf("open model, %s req/s, at most %d in flight", metric.FormatNumber(r.Load.Rate), r.Load.Concurrency)
	case "closed":
		return fmt.Sprintf("closed model, %d concurrent", r.Load.Concurrency)
	}
	return "no load (watch)"
}
