package capacity

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/strain-dev/strain/session"
	"golang.org/x/time/rate"
)

// Progress says, at each point of a step, the rate that step runs at;
// at the end, the steps and the bracket the report has.
func TestProgressFollowsTheSearch(t *testing.T) {
	srv := httptest.NewServer(&bucket{lim: rate.NewLimiter(200, 40)})
	defer srv.Close()
	cfg := searchConfig(t, srv.URL, "error_rate < 1%")
	var (
		s      *Search
		mu     sync.Mutex
		wrong  []string
		judged []int // steps judged at each point
	)
	cfg.Run.Sinks = []session.Sink{session.SinkFunc(func(p *session.Point) {
		pr := s.Progress()
		mu.Lock()
		defer mu.Unlock()
		if pr.Running != p.Level {
			wrong = append(wrong, fmt.Sprintf("at %.2fs: running %g, the point's rate %g", p.T, pr.Running, p.Level))
		}
		judged = append(judged, len(pr.Steps))
	})}
	s = newSearch(t, cfg)
	rep := finish(t, s)
	if len(wrong) > 0 {
		t.Errorf("while running: %v", wrong)
	}
	for i := 1; i < len(judged); i++ {
		if judged[i] < judged[i-1] {
			t.Fatalf("steps judged went from %d to %d", judged[i-1], judged[i])
		}
	}
	pr := s.Progress()
	if pr.Running != 0 || [2]float64{pr.Held, pr.Failed} != rep.Search.Range || len(pr.Steps) != len(rep.Steps) {
		t.Fatalf("at the end: running %g, bracket [%g, %g], %d steps; the report: range %v, %d steps",
			pr.Running, pr.Held, pr.Failed, len(pr.Steps), rep.Search.Range, len(rep.Steps))
	}
	for i, st := range pr.Steps {
		if st.Rate != rep.Steps[i].Rate || st.Pass != rep.Steps[i].Pass || Verdict(&st) != Verdict(&rep.Steps[i]) {
			t.Errorf("step %d: %g %v %q; the report's %g %v %q", i, st.Rate, st.Pass, Verdict(&st), rep.Steps[i].Rate, rep.Steps[i].Pass, Verdict(&rep.Steps[i]))
		}
	}
}
