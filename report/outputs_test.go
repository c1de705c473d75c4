package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutputsWriteEachFile(t *testing.T) {
	dir := t.TempDir()
	rep := sampleReport(true)
	summary := filepath.Join(dir, "step-summary.md")
	os.WriteFile(summary, []byte("earlier step\n"), 0o644)
	out := Outputs{JSON: filepath.Join(dir, "r.json"), JUnit: filepath.Join(dir, "j.xml"),
		Markdown: filepath.Join(dir, "s.md"), HTML: filepath.Join(dir, "r.html"), StepSummary: summary}
	if err := out.Check(); err != nil {
		t.Fatal(err)
	}
	if errs := out.Write(rep); len(errs) > 0 {
		t.Fatal(errs)
	}
	for path, render := range map[string]func(*bytes.Buffer) error{
		out.JSON:     func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
		out.JUnit:    func(b *bytes.Buffer) error { return rep.WriteJUnit(b) },
		out.Markdown: func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) },
		out.HTML:     func(b *bytes.Buffer) error { return rep.WriteHTML(b) },
	} {
		var want bytes.Buffer
		if err := render(&want); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s is not what its renderer writes", filepath.Base(path))
		}
	}
	md, _ := os.ReadFile(out.Markdown)
	if got, _ := os.ReadFile(summary); string(got) != "earlier step\n"+string(md) {
		t.Errorf("the step summary was not appended to:\n%s", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
}

func TestOutputsFailAlone(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir")
	out := Outputs{JSON: filepath.Join(dir, "r.json"), HTML: filepath.Join(missing, "r.html"), StepSummary: filepath.Join(missing, "summary.md")}
	if err := out.Check(); err == nil || !strings.HasPrefix(err.Error(), "cannot write "+out.HTML+": ") {
		t.Errorf("Check = %v, want it to name %s", err, out.HTML)
	}
	errs := out.Write(sampleReport(false))
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), "write "+out.HTML+": ") ||
		!strings.HasPrefix(errs[1].Error(), "append to GITHUB_STEP_SUMMARY: ") {
		t.Errorf("Write = %v, want the HTML's and the step summary's errors", errs)
	}
	if _, err := os.Stat(out.JSON); err != nil {
		t.Errorf("a failed output stopped another: %v", err)
	}
	if err := (Outputs{}).Check(); err != nil || len((Outputs{}).Write(New())) != 0 {
		t.Error("the zero Outputs does something")
	}
}

func TestFailure(t *testing.T) {
	cases := []struct {
		name  string
		gates []Gate
		pass  bool
		want  string
	}{
		{"passed", []Gate{{Pass: true}}, true, ""},
		{"a gate failed", []Gate{{Pass: true}, {Pass: false}, {Pass: false}}, false, "2 of 3 gates failed"},
		{"aborted", []Gate{{Pass: true}}, false, "the run was aborted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := New()
			r.Gates, r.Passed = c.gates, c.pass
			got := ""
			if err := r.Failure(); err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("Failure = %q, want %q", got, c.want)
			}
		})
	}
}

// Two outputs naming one file, however spelled, or a directory, are
// refused before a run: one would be lost under the other.
func TestOutputsCheckRefusesClashes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	existing := filepath.Join(dir, "r.json")
	os.WriteFile(existing, nil, 0o644)
	link := filepath.Join(dir, "link.json")
	os.Symlink(existing, link)
	hard := filepath.Join(dir, "hard.json")
	os.Link(existing, hard)
	os.Symlink(dir, filepath.Join(dir, "d"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	for _, tc := range []struct {
		name string
		out  Outputs
		want string
	}{
		{"one path twice", Outputs{JSON: "x", HTML: "x"}, "the JSON report and the HTML report are both x"},
		{"relative and absolute", Outputs{JUnit: "x.xml", Markdown: filepath.Join(dir, "x.xml")}, "the JUnit file (x.xml) and the Markdown summary (" + filepath.Join(dir, "x.xml") + ") are one file"},
		{"unclean", Outputs{JSON: "./sub/../y", HTML: "y"}, "the JSON report (./sub/../y) and the HTML report (y) are one file"},
		{"a link to the other", Outputs{JSON: existing, HTML: link}, "the JSON report (" + existing + ") and the HTML report (" + link + ") are one file"},
		{"a hard link", Outputs{JSON: existing, JUnit: hard}, "the JSON report (" + existing + ") and the JUnit file (" + hard + ") are one file"},
		{"the step summary", Outputs{Markdown: "s.md", StepSummary: "s.md"}, "the Markdown summary and GITHUB_STEP_SUMMARY"},
		{"a directory", Outputs{HTML: dir}, "cannot write " + dir + ": is a directory"},
		{"a link to a directory", Outputs{JSON: filepath.Join(dir, "d")}, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.out.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %v, want it to say %q", err, tc.want)
			}
		})
	}
	if err := (Outputs{JSON: existing, HTML: "other.html", JUnit: "/dev/null"}).Check(); err != nil {
		t.Errorf("distinct files refused: %v", err)
	}
}

// WriteAll writes what it can, the text summary too, and names every
// output lost in one error.
func TestOutputsWriteAllSaysWhatWasLost(t *testing.T) {
	dir := t.TempDir()
	rep := sampleReport(false)
	out := Outputs{JSON: filepath.Join(dir, "gone", "r.json"), HTML: filepath.Join(dir, "gone", "r.html"), Markdown: filepath.Join(dir, "s.md")}
	var text bytes.Buffer
	err := out.WriteAll(rep.Renderers(), &text)
	if err == nil || !strings.Contains(err.Error(), "r.json") || !strings.Contains(err.Error(), "r.html") || strings.Contains(err.Error(), "\n") {
		t.Errorf("WriteAll = %v, want one line naming both lost outputs", err)
	}
	if _, serr := os.Stat(out.Markdown); serr != nil || text.Len() == 0 {
		t.Errorf("the Markdown (%v) or the text (%d bytes) was not written", serr, text.Len())
	}
	if err := (Outputs{}).WriteAll(rep.Renderers(), &text); err != nil {
		t.Errorf("nothing lost: %v", err)
	}
}
