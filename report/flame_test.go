package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/strain-dev/strain/internal/pproftest"
	"golang.org/x/net/html"
)

// A hostile function name: markup that would run, a forged line,
// terminal escapes, a bidirectional override.
const hostileFn = "main.</title></svg><script>alert(1)</script>\x1b[2J\r\nforged & \u202e"

// writeProfile writes a profile of one sample type whose stacks (root
// first, ";" between frames) have the values given.
func writeProfile(t testing.TB, path, sampleType, unit string, stacks map[string]int64) string {
	t.Helper()
	p := pproftest.Profile(sampleType, unit, stacks)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := p.WriteUncompressed(f); err != nil { // profiles.Read takes either; gzip is most of the cost here
		t.Fatal(err)
	}
	return path
}

// flameReport is a report whose findings' evidence and captures are real
// files in dir: a CPU profile with a hostile function in it, two goroutine
// dumps between which a leak grew, a corrupt file, a trace and a file
// that is not there.
func flameReport(t *testing.T, dir string) *Report {
	cpu := writeProfile(t, filepath.Join(dir, "api-cpu.pb.gz"), "cpu", "nanoseconds", map[string]int64{
		"main.main;main.serve;main.handler;main.hog": 900e6,
		"main.main;main.serve;main.other":            100e6,
		"main.main;" + hostileFn:                     300e6,
	})
	base := writeProfile(t, filepath.Join(dir, "api-goroutine-1.pb.gz"), "goroutine", "count", map[string]int64{
		"main.main;main.worker": 10, "main.main;main.leaked": 5,
	})
	newer := writeProfile(t, filepath.Join(dir, "api-goroutine-2.pb.gz"), "goroutine", "count", map[string]int64{
		"main.main;main.worker": 60, "main.main;main.leaked": 45,
	})
	corrupt := filepath.Join(dir, "api-heap.pb.gz")
	if err := os.WriteFile(corrupt, []byte("\x1f\x8b\x08 not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := sampleReport(true)
	r.Findings = []Finding{
		{Kind: Starvation, Severity: Critical, Summary: "starved.", Culprit: "Busiest: main.hog 69%.",
			Evidence: []Evidence{{Profile: cpu, Top: []string{"main.hog 69%"}, Function: "main.hog"}}, Next: "make it cheaper."},
		{Kind: Leak, Severity: Warning, Summary: "leaked.", Culprit: "Grown: main.leaked +40 goroutines.",
			Evidence: []Evidence{{Profile: newer, Base: base, Top: []string{"main.leaked +40 goroutines"}, Function: "main.leaked"}}, Next: "end them."},
	}
	r.Profiles = []Profile{{Path: cpu, Kind: "cpu"}, {Path: base, Kind: "goroutine"}, {Path: newer, Kind: "goroutine"},
		{Path: corrupt, Kind: "heap"}, {Path: filepath.Join(dir, "api-trace.trace"), Kind: "trace"},
		{Path: filepath.Join(dir, "gone-mutex.pb.gz"), Kind: "mutex"}}
	return r
}

func renderHTML(t testing.TB, r *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// figures are the page's flame graphs' markup, in order.
func figures(page string) []string {
	return regexp.MustCompile(`(?s)<figure class="flame".*?</figure>`).FindAllString(page, -1)
}

// frame is the frame of a graph whose tooltip names fn, with its class
// and width; "" when there is none.
func frame(figure, fn string) (class, width string) {
	re := regexp.MustCompile(`<svg class="f ([a-z0-9]+)" x="[0-9.]+%" y="[0-9]+" width="([0-9.]+)%" height="15"><title>` + regexp.QuoteMeta(fn) + `&#10;`)
	if m := re.FindStringSubmatch(figure); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

func TestFlameGraphsBesideFindings(t *testing.T) {
	dir := t.TempDir()
	page := renderHTML(t, flameReport(t, dir))
	figs := figures(page)
	if len(figs) != 4 { // the CPU profile, the leak's growth, then each dump under Profiles
		t.Fatalf("%d flame graphs, want 4:\n%s", len(figs), page)
	}
	// The culprit's frame is marked, as wide as its share: 900 of 1300.
	if class, width := frame(figs[0], "main.hog"); class != "m" || width != "69.2308" {
		t.Errorf("main.hog's frame: class %q width %q%%, want the mark (m) and 69.2308%%", class, width)
	}
	if class, _ := frame(figs[0], "main.other"); class == "m" || class == "" {
		t.Errorf("main.other's frame: class %q, want a colour, not the mark", class)
	}
	if !strings.Contains(figs[0], "culprit <b>main.hog</b>: 69.2% of it") {
		t.Errorf("the caption does not name the culprit and its share:\n%s", figs[0])
	}
	// The leak's graph is what grew: +50 workers, +40 leaked.
	if !strings.Contains(figs[1], "what grew between two dumps") || !strings.Contains(figs[1], "90 goroutines in all") {
		t.Errorf("the leak's graph is not the growth between the dumps:\n%s", figs[1])
	}
	if class, width := frame(figs[1], "main.leaked"); class != "m" || width != "44.4444" {
		t.Errorf("main.leaked's frame: class %q width %q%%, want the mark and 44.4444%%", class, width)
	}
	if !strings.Contains(figs[1], "goroutines 15 → 105 (+90)") || !strings.Contains(figs[1], "+50 (10 → 60)") {
		t.Errorf("the leak's stacks are not listed with their counts:\n%s", figs[1])
	}
	// A dump under Profiles lists its groups with counts.
	if !strings.Contains(figs[3], `<td class="n">60</td><td><details><summary><code>main.worker</code>`) {
		t.Errorf("the newer dump's groups are not listed with counts:\n%s", figs[3])
	}
	for _, want := range []string{
		"api-heap.pb.gz: not drawn: ",                  // corrupt: a note, not a failed report
		"gone-mutex.pb.gz: not drawn, its file is not", // missing
		"an execution trace, not drawn here",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	// The CPU profile, drawn beside its finding, is not drawn again: its
	// row under Profiles links to it.
	if !strings.Contains(page, `<td>cpu</td><td></td><td><a href="#flame1">its flame graph, above</a></td>`) {
		t.Error("the CPU profile's row does not link to its graph beside the finding")
	}
	if n := strings.Count(page, "<script>"); n != 1 {
		t.Errorf("%d scripts, want the one flame script", n)
	}
}

func TestFlameGraphsEscapeHostileNames(t *testing.T) {
	page := renderHTML(t, flameReport(t, t.TempDir()))
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "</title></svg><script>") {
		t.Fatal("a function's name reached the page as markup")
	}
	if i := strings.IndexFunc(page, func(r rune) bool { return r == 0x1b || r == '\u202e' || r == '\r' }); i >= 0 {
		t.Fatalf("the page holds %q at %d", page[i], i)
	}
	if !strings.Contains(page, `main.&lt;/title&gt;&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;\x1b[2J\r\nforged &amp; \u202e`) {
		t.Error("the hostile name is not shown escaped")
	}
	wellFormed(t, page)
	for _, fig := range figures(page) {
		svg := regexp.MustCompile(`(?s)<svg class="fg".*</svg>`).FindString(fig)
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("a flame graph is not well-formed SVG: %v\n%s", err, svg)
			}
		}
	}
}

// wellFormed fails unless every element the page opens is closed in
// order (void elements aside), as the HTML tokenizer reads it.
func wellFormed(t *testing.T, page string) {
	t.Helper()
	void := map[string]bool{"meta": true, "br": true, "input": true, "line": true, "rect": true, "polyline": true, "img": true}
	var open []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			if len(open) != 0 {
				t.Fatalf("elements left open: %v", open)
			}
			return
		case html.StartTagToken:
			if name, _ := z.TagName(); !void[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				t.Fatalf("</%s> closes %v", name, open)
			}
			open = open[:len(open)-1]
		}
	}
}

// A run that took twenty profiles of a big service (each with more
// frames above pprof's node fraction than a graph keeps, deep, with long
// generic names) keeps its page under 5 MB.
func TestFlamePageStaysSmall(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	r := sampleReport(true)
	r.Profiles = nil
	for i := range 20 {
		stacks := map[string]int64{}
		for b := range 150 { // 150 calls of about 0.7% each, 60 deep: 9000 frames to draw
			var frames []string
			for d := range 60 {
				frames = append(frames, fmt.Sprintf("github.com/some/long/module/path/pkg%d.(*Type%d).Method%d[go.shape.struct { A int; B string }]", d, b, rng.IntN(1000)))
			}
			stacks[strings.Join(frames, ";")] = 1e6 + rng.Int64N(1e5)
		}
		path := writeProfile(t, filepath.Join(dir, fmt.Sprintf("big-cpu-%d.pb.gz", i)), "cpu", "nanoseconds", stacks)
		r.Profiles = append(r.Profiles, Profile{Path: path, Kind: "cpu"})
	}
	page := renderHTML(t, r)
	figs := figures(page)
	t.Logf("20 profiles: a page of %d bytes, %d graphs", len(page), len(figs))
	if len(figs) != 20 {
		t.Fatalf("%d graphs, want 20", len(figs))
	}
	if len(page) >= 5<<20 {
		t.Errorf("the page is %d bytes, want under 5 MB", len(page))
	}
	for i, fig := range figs {
		if n := strings.Count(fig, `<svg class="f `); n > 601 {
			t.Errorf("graph %d has %d frames, want at most 601 (the root and 600)", i, n)
		}
	}
}

// In a browser, a click on a frame zooms to it and a search highlights
// the frames it matches and says their share.
func TestFlameZoomAndSearchInChromium(t *testing.T) {
	browser := chromium(t)
	page := renderHTML(t, flameReport(t, t.TempDir()))
	probe := `<script>(function(){
var fig=document.querySelector('figure.flame'),fr=[].slice.call(fig.querySelectorAll('svg.f'));
function named(n){return fr.filter(function(f){return f._n===n})[0]}
var handler=named('main.handler');handler.dispatchEvent(new MouseEvent('click',{bubbles:true}));
var r={handler:handler.getAttribute('width'),hog:named('main.hog').getAttribute('width'),other:named('main.other').style.display,serve:named('main.serve').getAttribute('width')};
var input=fig.querySelector('input');input.value='hog|other';input.dispatchEvent(new Event('input'));
r.hits=fig.querySelectorAll('svg.f.h').length;r.match=fig.querySelector('.fmatch').textContent;
fr.filter(function(f){return f._n.indexOf('forged')>=0})[0].dispatchEvent(new MouseEvent('click',{bubbles:true}));
r.height=fig.querySelector('svg.fg').getAttribute('height');
fig.querySelector('button').click();r.reset=named('main.other').style.display+'/'+named('main.hog').getAttribute('width')+'/'+fig.querySelector('svg.fg').getAttribute('height');
document.body.setAttribute('data-probe',JSON.stringify(r));})();</script></body>`
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, []byte(strings.Replace(page, "</body>", probe, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://"+path).Output()
	if err != nil {
		t.Fatalf("%s --dump-dom: %v", browser, err)
	}
	m := regexp.MustCompile(`data-probe="([^"]*)"`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("the probe did not run:\n%s", out)
	}
	got := html.UnescapeString(string(m[1]))
	// main.handler holds only main.hog: zoomed, both fill the width; its
	// caller stays above at full width; main.other, beside it, is hidden.
	// The search matches hog and other: 900+100 of 1300. Zoomed to a
	// frame with no calls under it, the graph is three rows high (the
	// root, its caller, the frame).
	want := `{"handler":"100%","hog":"100%","other":"none","serve":"100%","hits":2,"match":"2 frames, 76.9% of the profile","height":"48","reset":"/69.2308%/80"}`
	if got != want {
		t.Errorf("after a click and a search:\n got %s\nwant %s", got, want)
	}
}

// chromium is the headless browser's path, or the test is skipped.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium on PATH (apt-get install chromium)")
	return ""
}

// Profiles whose every frame has a long name of markup are cut at the
// page's budget for graphs, with a note for each left out.
func TestFlamePageBoundsHostileSizes(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(true)
	r.Profiles = nil
	for i := range 6 {
		stacks := map[string]int64{}
		for b := range 10 {
			var frames []string
			for d := range 60 {
				frames = append(frames, fmt.Sprintf("%d.%d.%s", b, d, strings.Repeat("<&", 1000)))
			}
			stacks[strings.Join(frames, ";")] = 100
		}
		path := writeProfile(t, filepath.Join(dir, fmt.Sprintf("huge-%d.pb.gz", i)), "cpu", "nanoseconds", stacks)
		r.Profiles = append(r.Profiles, Profile{Path: path, Kind: "cpu"})
	}
	page := renderHTML(t, r)
	var drawn int
	for _, fig := range figures(page) {
		drawn += len(fig)
	}
	t.Logf("a page of %d bytes, %d of 6 graphs drawn (%d bytes)", len(page), len(figures(page)), drawn)
	if drawn > maxBytes || len(page) >= 5<<20 {
		t.Errorf("graphs of %d bytes in a page of %d, want at most %d and 5 MB", drawn, len(page), maxBytes)
	}
	if !strings.Contains(page, "not drawn (the page's flame graphs are 4 MiB at most)") {
		t.Error("no note says which graphs were left out")
	}
}

// A page draws maxFlames graphs at most; the captures past them are
// listed, each with a note.
func TestFlamePageDrawsAtMostMaxFlames(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(true)
	r.Profiles = nil
	for i := range maxFlames + 2 {
		path := writeProfile(t, filepath.Join(dir, fmt.Sprintf("small-%d.pb.gz", i)), "cpu", "nanoseconds", map[string]int64{"main;work": 10})
		r.Profiles = append(r.Profiles, Profile{Path: path, Kind: "cpu"})
	}
	page := renderHTML(t, r)
	if n, notes := len(figures(page)), strings.Count(page, "not drawn (a page draws 30 profiles at most)"); n != maxFlames || notes != 2 {
		t.Errorf("%d graphs and %d notes, want %d and 2", n, notes, maxFlames)
	}
}
