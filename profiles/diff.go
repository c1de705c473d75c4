package profiles

import (
	"fmt"

	"github.com/google/pprof/profile"
)

// Diff returns newer minus base as `go tool pprof -diff_base=BASE NEWER`
// builds it: base's samples scaled by -1 and labelled pprof::base, merged
// with newer's. Top on the result (or pprof on the file Write makes of it)
// shows what grew as positive and what shrank as negative, in percent of
// the base. A function whose samples cancel has no row: the diff of a
// profile with itself lists nothing. Neither argument is changed.
func Diff(base, newer *profile.Profile) (*profile.Profile, error) {
	if b, n := sampleTypes(base), sampleTypes(newer); b != n {
		return nil, fmt.Errorf("diff: profiles of different kinds (%s; %s)", b, n)
	}
	b := base.Copy()
	b.SetLabel("pprof::base", []string{"true"})
	b.Scale(-1)
	d, err := profile.Merge([]*profile.Profile{newer, b})
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	return d, nil
}
