package target

import (
	"net/http"
	"strings"
	"testing"

	"github.com/strain-dev/strain/vitals"
)

func TestFlightEndpoint(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		want     int
		wantBody string // a prefix of the body
	}{
		{"off unless asked for", Options{}, http.StatusServiceUnavailable, "flight recorder:"},
		{"with Options.FlightRecorder", Options{FlightRecorder: true}, http.StatusOK, "go 1."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The recorder is process-wide: start each case from none.
			vitals.StopFlightRecorder()
			t.Cleanup(vitals.StopFlightRecorder)
			_, ts := start(t, tt.opts)
			mustGet(t, ts, "/cpu?ms=5", http.StatusOK) // something to record
			if body := mustGet(t, ts, "/debug/strain/flight", tt.want); !strings.HasPrefix(body, tt.wantBody) {
				t.Errorf("GET /debug/strain/flight: got %.20q, want a body starting %q", body, tt.wantBody)
			}
		})
	}
}
