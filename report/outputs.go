package report

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

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

// files pairs each file to write with its renderer.
func (o Outputs) files(r *Report) map[string]func(io.Writer) error {
	files := map[string]func(io.Writer) error{}
	for path, render := range map[string]func(io.Writer) error{
		o.JSON: r.WriteJSON, o.JUnit: r.WriteJUnit, o.Markdown: r.WriteMarkdown, o.HTML: r.WriteHTML,
	} {
		if path != "" {
			files[path] = render
		}
	}
	return files
}

// Check fails on a file that could not be written, its directory missing
// or read-only, by creating and removing a file beside it: a run checks
// before it begins rather than lose its report at the end.
func (o Outputs) Check() error {
	for _, path := range slices.Sorted(maps.Keys(o.files(New()))) {
		if err := checkWritable(path); err != nil {
			return err
		}
	}
	return nil
}

func checkWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".strain-check-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Write writes r to each file, whole or not at all (a temporary file, then
// a rename), in order of path, then appends to StepSummary. A file that
// cannot be written does not stop the others: Write returns the error of
// each that failed.
func (o Outputs) Write(r *Report) []error {
	var errs []error
	files := o.files(r)
	for _, path := range slices.Sorted(maps.Keys(files)) {
		if err := atomicfile.Write(path, files[path]); err != nil {
			errs = append(errs, err)
		}
	}
	if o.StepSummary != "" {
		if err := r.appendMarkdown(o.StepSummary); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// appendMarkdown appends the Markdown summary to the file at path, making
// it if need be.
func (r *Report) appendMarkdown(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to GITHUB_STEP_SUMMARY: %w", err)
	}
	if err := r.WriteMarkdown(f); err != nil {
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
