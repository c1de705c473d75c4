package machinery

import "testing"

func TestFunc(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		want bool
	}{
		{"github.com/strain-dev/strain/loadgen.(*rawIO).Send", true},
		{"github.com/strain-dev/strain/loadgen/http1.(*conn).roundTrip", true},
		{"github.com/strain-dev/strain/monitor.(*Monitor).loop", true},
		{"github.com/strain-dev/strain/internal/atomicfile.Write", true},
		{"github.com/strain-dev/strain/straintest.Run.func1", true},
		{"github.com/strain-dev/strain/straintest_test.leakedWorker", false},
		{"github.com/strain-dev/strain/target.(*Server).lock", false},
		{"github.com/strain-dev/strain/vitals.Handler.func1", false},
		{"github.com/strain-dev/strainer/loadgen.Send", false},
		{"net/http.(*conn).serve", false},
		{"main.handler", false},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			if got := Func(tc.fn); got != tc.want {
				t.Errorf("Func(%q) = %v, want %v", tc.fn, got, tc.want)
			}
		})
	}
}
