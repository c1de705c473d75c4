package report

import (
	"strings"
	"testing"
)

// Read takes a strain report and nothing else, however well-formed.
func TestReadRefusesOtherJSON(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"other JSON", `{"foo": 1}`, `not a strain report: no schema, want "strain.report/v1"`},
		{"null", `null`, `not a strain report: no schema`},
		{"another schema", `{"schema": "strain.profiles/v1"}`, `not a strain report: schema "strain.profiles/v1", want "strain.report/v1"`},
		{"not an object", `[1]`, `decode report: `},
		{"not JSON", `summary: 1`, `decode report: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Read(strings.NewReader(tc.in))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Read = %v, %v; want an error starting %q", rep, err, tc.want)
			}
		})
	}
	rep, err := Read(strings.NewReader(`{"schema": "strain.report/v1", "summary": {"requests": 3}}`))
	if err != nil || rep.Summary["requests"] != 3 || rep.Gates == nil {
		t.Errorf("Read of a minimal report = %+v, %v", rep, err)
	}
}
