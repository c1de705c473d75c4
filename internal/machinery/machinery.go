// Package machinery tells strain's own code from a target's in a stack:
// where strain runs inside the process it watches (straintest), and
// where a target's profile shows it serving strain, a sample of strain's
// machinery is never the target's culprit.
package machinery

import "strings"

// module is strain's import path.
const module = "github.com/strain-dev/strain/"

// packages are strain's packages (with their subpackages) that run the
// load and watch it. The demo target (target), vitals and user code are
// not among them: their frames are the target's.
var packages = map[string]bool{
	"loadgen": true, "monitor": true, "session": true, "profiles": true, "alert": true,
	"diagnose": true, "straintest": true, "internal": true, "tui": true, "report": true,
	"export": true, "webhook": true, "capacity": true, "merge": true, "metric": true,
}

// Func reports whether the function named fn is in one of strain's
// machinery packages. A package path ends at the first dot after its last
// slash: "…/strain/loadgen.(*rawIO).Send" is loadgen's, and
// "…/strain/straintest_test.handler", a test's, is not straintest's.
func Func(fn string) bool {
	rest, ok := strings.CutPrefix(fn, module)
	if !ok {
		return false
	}
	end := strings.IndexAny(rest, "./")
	if end < 0 {
		return false
	}
	return packages[rest[:end]]
}
