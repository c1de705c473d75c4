package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/strain-dev/strain/internal/atomicfile"
)

// Outputs are the files a report is written to; an empty path is not
// written. The zero value writes nothing.
type Outputs struct {
	JSON     string // WriteJSON's
	JUnit    string // WriteJUnit's
	Markdown string // WriteMarkdown's
	HTML     string // WriteHTML's
	// StepSummary is a file the Markdown summary is appended to rather
	// than written: GitHub Actions' $GITHUB_STEP_SUMMARY.
	StepSummary string
}

// output is one file to write: what it holds, where, and its renderer.
type output struct {
	what, path string
	render     func(io.Writer) error
}

// Renderers write each of the outputs: a report's own (Report.Renderers),
// or others in their place (a comparison's page, strain report a b).
type Renderers struct {
	JSON, JUnit, Markdown, HTML func(io.Writer) error
	Text                        func(io.Writer) error // the summary printed on a terminal, not a file
}

// Renderers are r's own.
func (r *Report) Renderers() Renderers {
	return Renderers{JSON: r.WriteJSON, JUnit: r.WriteJUnit, Markdown: r.WriteMarkdown, HTML: r.WriteHTML, Text: r.WriteText}
}

// files are the files to write, in the order of the flags.
func (o Outputs) files(r Renderers) []output {
	var files []output
	for _, f := range []output{
		{"the JSON report", o.JSON, r.JSON}, {"the JUnit file", o.JUnit, r.JUnit},
		{"the Markdown summary", o.Markdown, r.Markdown}, {"the HTML report", o.HTML, r.HTML},
	} {
		if f.path != "" {
			files = append(files, f)
		}
	}
	return files
}

// Check fails on a file that could not be written, its directory missing
// or read-only, or a directory itself, and on two outputs that name one
// file (the step summary included), however they spell it: a run checks
// before it begins rather than lose its report at the end, or one output
// under another.
func (o Outputs) Check() error {
	all := o.files(New().Renderers())
	if o.StepSummary != "" {
		all = append(all, output{what: "GITHUB_STEP_SUMMARY", path: o.StepSummary})
	}
	for _, f := range all {
		if f.render == nil {
			continue // appended to, not replaced: it may be anything a shell can append to
		}
		if err := atomicfile.Check(f.path); err != nil {
			return err
		}
	}
	for i, a := range all {
		for _, b := range all[:i] {
			if same(a.path, b.path) {
				return clash(b, a)
			}
		}
	}
	return nil
}

// same reports whether paths a and b name one file: alike once made
// absolute and their links followed, or one existing file.
func same(a, b string) bool {
	ra, errA := atomicfile.Resolve(a)
	rb, errB := atomicfile.Resolve(b)
	if errA == nil && errB == nil && ra == rb {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// clash is the error of outputs a and b naming one file.
func clash(a, b output) error {
	if a.path == b.path {
		return fmt.Errorf("%s and %s are both %s: give each its own file", a.what, b.what, a.path)
	}
	return fmt.Errorf("%s (%s) and %s (%s) are one file: give each its own", a.what, a.path, b.what, b.path)
}

// Write writes r to each file in order of path: whole or not at all (a
// temporary file, then a rename) when it is a regular file, or through a
// link to one; directly when it is a device or a FIFO. It then appends to
// StepSummary. A file that cannot be written does not stop the others:
// Write returns the error of each that failed.
func (o Outputs) Write(r *Report) []error { return o.WriteWith(r.Renderers()) }

// WriteWith writes the outputs as Write does, each with its renderer in
// r; an output asked for whose renderer is nil is an error.
func (o Outputs) WriteWith(r Renderers) []error {
	var errs []error
	files := o.files(r)
	slices.SortStableFunc(files, func(a, b output) int { return strings.Compare(a.path, b.path) })
	for _, f := range files {
		if f.render == nil {
			errs = append(errs, fmt.Errorf("%s: not written for this report", f.what))
			continue
		}
		if err := atomicfile.Write(f.path, f.render); err != nil {
			errs = append(errs, err)
		}
	}
	if o.StepSummary != "" {
		if err := appendMarkdown(o.StepSummary, r.Markdown); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// WriteAll writes the outputs as WriteWith does, then the text summary to
// text, and says in one error every one that was lost (nil for none): a
// lost output does not stop the others.
func (o Outputs) WriteAll(r Renderers, text io.Writer) error {
	var lost []string
	for _, err := range o.WriteWith(r) {
		lost = append(lost, err.Error())
	}
	if err := r.Text(text); err != nil {
		lost = append(lost, err.Error())
	}
	if len(lost) > 0 {
		return errors.New(strings.Join(lost, "; "))
	}
	return nil
}

// appendMarkdown appends the Markdown summary to the file at path, making
// it if need be.
func appendMarkdown(path string, render func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to GITHUB_STEP_SUMMARY: %w", err)
	}
	if render == nil {
		f.Close()
		return errors.New("GITHUB_STEP_SUMMARY: no Markdown for this report")
	}
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Failure says why the run did not pass: how many of its gates failed, or
// else that it was aborted. It is nil for a run that passed.
func (r *Report) Failure() error {
	if r.Passed {
		return nil
	}
	n := 0
	for _, g := range r.Gates {
		if !g.Pass {
			n++
		}
	}
	if n == 0 {
		return errors.New("the run was aborted")
	}
	return fmt.Errorf("%d of %d gates failed", n, len(r.Gates))
}
