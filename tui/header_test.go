package tui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strain-dev/strain/loadgen"
	"github.com/strain-dev/strain/monitor"
	"github.com/strain-dev/strain/session"
)

func TestHeaderOf(t *testing.T) {
	get := func(url string) loadgen.Target { return loadgen.Target{Method: "GET", URL: url} }
	specs := []monitor.Spec{{Name: "api"}, {Name: "db"}}
	cases := []struct {
		name string
		cfg  session.Config
		want Header
	}{
		{"closed", session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{get("http://h/a"), get("http://h/b")}, Duration: time.Minute}},
			Header{Model: "closed", Duration: time.Minute, Targets: []string{"GET http://h/a", "GET http://h/b"}}},
		{"open with stages, watching", session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{get("http://h/")}, Rate: 10, Stages: make([]loadgen.Stage, 2)}, Watch: specs},
			Header{Model: "open", Stages: 2, Targets: []string{"GET http://h/"}}},
		{"password hidden", session.Config{Load: &loadgen.Config{Targets: []loadgen.Target{get("http://u:secret@h/")}}},
			Header{Model: "closed", Targets: []string{"GET http://xxxxx@h/"}}},
		{"watch", session.Config{Watch: specs, Duration: time.Hour},
			Header{Model: "watch", Duration: time.Hour, Targets: []string{"api", "db"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := HeaderOf(c.cfg); !reflect.DeepEqual(got, c.want) {
				t.Errorf("HeaderOf = %+v, want %+v", got, c.want)
			}
		})
	}
}

// A capacity search sets the rate itself: the footer offers the profile
// keys and the end, not the load's keys.
func TestSearchFooterOffersNoLoadKeys(t *testing.T) {
	m := New(Header{Model: SearchModel}, nil, time.Time{})
	footer := m.viewFooter(200)
	if strings.Contains(footer, "+/-") || !strings.Contains(footer, "the search sets the rate") {
		t.Errorf("footer %q", footer)
	}
}
