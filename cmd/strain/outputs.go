package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/strain-dev/strain/internal/atomicfile"
	"github.com/strain-dev/strain/report"
)

// outputs are the files a run writes besides its text summary.
type outputs struct {
	json, junit, markdown, html string
}

func (f *verdictFlags) outputs(json string) outputs {
	return outputs{json: json, junit: f.junit, markdown: f.markdown, html: f.html}
}

// files pairs each requested file with its renderer.
func (o outputs) files(rep *report.Report) map[string]func(io.Writer) error {
	files := map[string]func(io.Writer) error{}
	for path, render := range map[string]func(io.Writer) error{
		o.json: rep.WriteJSON, o.junit: rep.WriteJUnit, o.markdown: rep.WriteMarkdown, o.html: rep.WriteHTML,
	} {
		if path != "" {
			files[path] = render
		}
	}
	return files
}

// check fails early on an output that could not be written, before any
// load is sent.
func (o outputs) check() error {
	for path := range o.files(report.New()) {
		if err := checkWritable(path); err != nil {
			return err
		}
	}
	return nil
}

// writeOutputs prints the summary and writes every requested file; a file
// that cannot be written does not stop the others. The error carries the
// exit code: 2 for an output lost, else 130 interrupted, else 1 for a
// failed gate. A second signal meanwhile waits for it to end.
func writeOutputs(rep *report.Report, out outputs, stdout io.Writer) error {
	defer exits.begin()()
	var errs []string
	files := out.files(rep)
	for _, path := range slices.Sorted(maps.Keys(files)) {
		if err := atomicfile.Write(path, files[path]); err != nil {
			errs = append(errs, err.Error())
		}
	}
	for _, err := range []error{appendStepSummary(rep), rep.WriteText(stdout)} {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		// One line on stderr, however many outputs were lost.
		return usageErr(errors.New(strings.Join(errs, "; ")))
	}
	switch {
	case rep.Interrupted:
		return interruptedErr(errors.New("interrupted"))
	case !rep.Passed:
		return gateFailedErr(failures(rep))
	}
	return nil
}

// failures says why a run did not pass.
func failures(rep *report.Report) error {
	n := 0
	for _, g := range rep.Gates {
		if !g.Pass {
			n++
		}
	}
	if n == 0 {
		return errors.New("the run was aborted")
	}
	return fmt.Errorf("%d of %d gates failed", n, len(rep.Gates))
}

// checkWritable fails on a file path whose directory is missing or cannot
// be written, by creating and removing a file beside it.
func checkWritable(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".strain-check-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
