// Command accuracy scores strain's diagnosis of the services of
// scripts/faults, whose faults are known: it reads the JSON reports that
// scripts/accuracy.sh leaves as DIR/FAULT/SOURCES/RUN.json and writes a
// Markdown table, a row per fault and a column per source set, then
// precision and recall per source set.
//
//	go run ./scripts/accuracy -truth scripts/faults/truth.json -runs 3 -o accuracy.md DIR
//
// Per run (one report): the kinds found are those at warning or critical;
// the fault is named when its kind is among them; the culprit is named when
// a finding of that kind has the culprit function in its summary or an
// evidence "top" line; a false finding is each other kind found
// (insufficient_data never is one, but the kinds it leaves unjudged are
// listed). Precision is runs that named their kind over those plus false
// findings; recall is runs that named their kind over the faulty runs.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/strain-dev/strain/internal/atomicfile"
	"github.com/strain-dev/strain/report"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "accuracy:", err)
		}
		os.Exit(2)
	}
}

// truth is one row of scripts/faults/truth.json.
type truth struct {
	Fault, Kind, Culprit string
}

// none is truth's kind for a healthy service.
const none = "none"

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	truthPath := fs.String("truth", "scripts/faults/truth.json", "the faults' truth table")
	runs := fs.Int("runs", 3, "runs per fault and source set")
	faults := fs.String("faults", "", "faults scored, space-separated (default: all in the truth table)")
	sources := fs.String("sources", "vitals prom prom+pprof pprof none", "source sets scored, space-separated")
	out := fs.String("o", "-", "write the Markdown here (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want one directory of reports, got %d arguments", fs.NArg())
	}
	rows, err := readTruth(*truthPath)
	if err != nil {
		return err
	}
	if *faults != "" {
		rows, err = pick(rows, strings.Fields(*faults))
		if err != nil {
			return err
		}
	}
	t := score(fs.Arg(0), rows, strings.Fields(*sources), *runs)
	if *out == "-" {
		return t.render(stdout)
	}
	return atomicfile.Write(*out, t.render)
}

func readTruth(path string) ([]truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []truth
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}

// pick returns the rows of the named faults, in the order named.
func pick(rows []truth, names []string) ([]truth, error) {
	var out []truth
	for _, n := range names {
		i := slices.IndexFunc(rows, func(r truth) bool { return r.Fault == n })
		if i < 0 {
			return nil, fmt.Errorf("fault %q is not in the truth table", n)
		}
		out = append(out, rows[i])
	}
	return out, nil
}

// result is one run's score.
type result struct {
	missing  string   // why there is no report; the rest is then empty
	found    []string // kinds at warning or critical, with their severity
	named    bool     // the expected kind was found
	culprit  bool     // and a finding of it names the culprit
	false_   []string // other kinds found
	unjudged []string // kinds an insufficient_data finding could not judge
}

// judge scores one report against its truth.
func judge(r *report.Report, tr truth) result {
	var res result
	for _, f := range r.Findings {
		kind := string(f.Kind)
		if f.Kind == report.InsufficientData {
			for _, k := range f.Unjudged {
				res.unjudged = append(res.unjudged, string(k))
			}
			continue
		}
		if f.Severity != report.Warning && f.Severity != report.Critical {
			continue
		}
		res.found = append(res.found, kind+"("+string(f.Severity)+")")
		if kind != tr.Kind {
			if !slices.Contains(res.false_, kind) {
				res.false_ = append(res.false_, kind)
			}
			continue
		}
		res.named = true
		if tr.Culprit != "" && names(f, tr.Culprit) {
			res.culprit = true
		}
	}
	slices.Sort(res.unjudged)
	res.unjudged = slices.Compact(res.unjudged)
	return res
}

// names reports whether f names fn in its summary or its evidence's top lines.
func names(f report.Finding, fn string) bool {
	if strings.Contains(f.Summary, fn) || strings.Contains(f.Culprit, fn) {
		return true
	}
	for _, e := range f.Evidence {
		for _, top := range e.Top {
			if strings.Contains(top, fn) {
				return true
			}
		}
	}
	return false
}

// table is every run's score.
type table struct {
	truths  []truth
	sources []string
	runs    int
	cells   map[[2]string][]result // by fault and source set
}

func score(dir string, truths []truth, sources []string, runs int) *table {
	t := &table{truths: truths, sources: sources, runs: runs, cells: map[[2]string][]result{}}
	for _, tr := range truths {
		for _, s := range sources {
			for i := 1; i <= runs; i++ {
				path := filepath.Join(dir, tr.Fault, s, strconv.Itoa(i)+".json")
				var res result
				if r, err := report.ReadFile(path); err != nil {
					res.missing = err.Error()
				} else {
					res = judge(r, tr)
				}
				key := [2]string{tr.Fault, s}
				t.cells[key] = append(t.cells[key], res)
			}
		}
	}
	return t
}

// cell is one fault and source set's runs in a table cell.
func (t *table) cell(tr truth, rs []result) string {
	var named, culprit, missing int
	falses, unjudged := map[string]int{}, map[string]int{}
	for _, r := range rs {
		if r.missing != "" {
			missing++
			continue
		}
		if tr.Kind == none && len(r.false_) == 0 || r.named {
			named++
		}
		if r.culprit {
			culprit++
		}
		for _, k := range r.false_ {
			falses[k]++
		}
		for _, k := range r.unjudged {
			unjudged[k]++
		}
	}
	var parts []string
	switch {
	case tr.Kind == none:
		parts = append(parts, fmt.Sprintf("clean %d/%d", named, len(rs)))
	case tr.Culprit != "":
		parts = append(parts, fmt.Sprintf("%d/%d ✓culprit %d/%d", named, len(rs), culprit, len(rs)))
	default:
		parts = append(parts, fmt.Sprintf("%d/%d", named, len(rs)))
	}
	if len(falses) > 0 {
		parts = append(parts, "false: "+counts(falses))
	}
	if len(unjudged) > 0 {
		parts = append(parts, "unjudged: "+counts(unjudged))
	}
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("no report×%d", missing))
	}
	return strings.Join(parts, ", ")
}

// counts renders kind×n, by kind.
func counts(m map[string]int) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(out, " ")
}

// tally is precision and recall over some runs.
type tally struct{ tp, fp, fn, culprit, runs, missing int }

func (a *tally) add(tr truth, r result) {
	a.runs++
	if r.missing != "" {
		a.missing++
		if tr.Kind != none {
			a.fn++
		}
		return
	}
	a.fp += len(r.false_)
	switch {
	case tr.Kind == none:
	case r.named:
		a.tp++
		if r.culprit {
			a.culprit++
		}
	default:
		a.fn++
	}
}

func (a tally) String() string {
	ratio := func(n, d int) string {
		if d == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f (%d/%d)", float64(n)/float64(d), n, d)
	}
	s := fmt.Sprintf("precision %s, recall %s, culprit named in %d of %d found", ratio(a.tp, a.tp+a.fp), ratio(a.tp, a.tp+a.fn), a.culprit, a.tp)
	if a.missing > 0 {
		s += fmt.Sprintf(", %d of %d runs without a report", a.missing, a.runs)
	}
	return s
}

func (t *table) render(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| fault (kind: culprit) | %s |\n|---|%s\n", strings.Join(t.sources, " | "), strings.Repeat("---|", len(t.sources)))
	per := map[string]*tally{}
	var all tally
	for _, tr := range t.truths {
		label := tr.Fault + " (" + tr.Kind
		if tr.Culprit != "" {
			label += ": " + tr.Culprit
		}
		fmt.Fprintf(&b, "| %s) |", label)
		for _, s := range t.sources {
			rs := t.cells[[2]string{tr.Fault, s}]
			fmt.Fprintf(&b, " %s |", t.cell(tr, rs))
			if per[s] == nil {
				per[s] = &tally{}
			}
			for _, r := range rs {
				per[s].add(tr, r)
				all.add(tr, r)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, s := range t.sources {
		fmt.Fprintf(&b, "- %s: %s\n", s, per[s])
	}
	fmt.Fprintf(&b, "- all: %s\n\nRuns (kinds at warning or critical):\n\n", all)
	for _, tr := range t.truths {
		for _, s := range t.sources {
			for i, r := range t.cells[[2]string{tr.Fault, s}] {
				fmt.Fprintf(&b, "- %s %s #%d: %s\n", tr.Fault, s, i+1, r.line(tr))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// line is one run in the list of runs.
func (r result) line(tr truth) string {
	if r.missing != "" {
		return "no report: " + r.missing
	}
	s := "nothing"
	if len(r.found) > 0 {
		s = strings.Join(r.found, ", ")
	}
	if r.named && tr.Culprit != "" {
		if r.culprit {
			s += "; culprit named"
		} else {
			s += "; culprit not named"
		}
	}
	if len(r.unjudged) > 0 {
		s += "; unjudged: " + strings.Join(r.unjudged, " ")
	}
	return s
}
