package profiles

import (
	"reflect"
	"testing"
	"time"
)

func TestManualRequests(t *testing.T) {
	base := Request{Target: "api", URL: "http://h:1", Reason: "manual"}
	with := func(d time.Duration, kinds ...Kind) Request {
		r := base
		r.Duration, r.Kinds = d, kinds
		return r
	}
	cases := []struct {
		name string
		m    Manual
		want []Request
	}{
		{"nothing", Manual{}, nil},
		{"negative durations ask for nothing", Manual{CPU: -time.Second, Trace: -time.Second}, nil},
		{"cpu alone", Manual{CPU: 10 * time.Second}, []Request{with(10*time.Second, CPU)}},
		{"each timed kind on its own, then the snapshots",
			Manual{CPU: 10 * time.Second, Trace: 2 * time.Second, Snapshots: []Kind{Heap, Goroutine, Flight}},
			[]Request{with(10*time.Second, CPU), with(2*time.Second, Trace), with(0, Heap, Goroutine, Flight)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.m.Target, c.m.URL, c.m.Reason = base.Target, base.URL, base.Reason
			if got := c.m.Requests(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Requests =\n%+v\nwant\n%+v", got, c.want)
			}
		})
	}
}
