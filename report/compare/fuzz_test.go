package compare

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strain-dev/strain/metric"
	"github.com/strain-dev/strain/report"
)

// Whatever two files that read as reports hold (figures of any size,
// histograms that do not decode, series of any shape, names with escape
// sequences), comparing them renders without a panic, and the text has no
// control character but its newlines.
func FuzzCompare(f *testing.F) {
	var a, b bytes.Buffer
	fixture(1, 2e6, metric.Bounds{Lo: 0.001, Hi: 0.005}).WriteJSON(&a)
	fixture(2, 2.4e6, metric.Bounds{Lo: 0.005, Hi: 0.01}).WriteJSON(&b)
	f.Add(a.Bytes(), b.Bytes())
	if saved, err := os.ReadFile(filepath.Join("..", "testdata", "report.json")); err == nil {
		f.Add(saved, a.Bytes())
	}
	f.Add([]byte(`{"schema":"strain.report/v1","summary":{"latency.p50":1e308,"requests":-5,"errors":1e300},"histograms":{"latency":"HISTFAAAACR42pNpmSzMwMDAxQABzFCaEUzOmNZg/wEi0NzIyMTAyLQJADo2Be0="},"series":[{"t":1,"metrics":{"latency.p50":-1}}]}`),
		[]byte(`{"schema":"strain.report/v1","target_names":{"target":"\u001b[2J"},"summary":{"target.cpu.mean":5,"target.cpu.max":0},"summary_bounds":{"target.cpu.mean":[0,null]},"series":[{"t":0,"metrics":{}},{"t":0,"metrics":{"target.cpu":1}}]}`))
	f.Fuzz(func(t *testing.T, x, y []byte) {
		old, err1 := report.Read(bytes.NewReader(x))
		new, err2 := report.Read(bytes.NewReader(y))
		if err1 != nil || err2 != nil {
			return
		}
		c := Of(old, new, "old.json", "new.json")
		var text bytes.Buffer
		for i, render := range []func(io.Writer) error{c.WriteText, c.WriteMarkdown, c.WriteHTML} {
			w := io.Discard
			if i == 0 {
				w = &text
			}
			if err := render(w); err != nil {
				t.Fatal(err)
			}
		}
		if i := strings.IndexFunc(text.String(), func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }); i >= 0 {
			t.Errorf("a control character in the text: %q", fmt.Sprint(text.String()[max(0, i-20):min(len(text.String()), i+20)]))
		}
	})
}
