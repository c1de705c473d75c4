package diagnose

import (
	"slices"
	"strings"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
)

// nodeFile reports whether file is JavaScript's, as the Node agent names
// its frames: a script's path, or a built-in module's "node:…" (its
// active-resource dumps name theirs "node:process.getActiveResourcesInfo").
func nodeFile(file string) bool {
	return strings.HasPrefix(file, "node:") || strings.HasSuffix(file, ".js") || strings.HasSuffix(file, ".mjs") || strings.HasSuffix(file, ".cjs")
}

// nodeLibrary reports whether file is Node's own: a built-in module.
func nodeLibrary(file string) bool { return strings.HasPrefix(file, "node:") }

// loopFrames reports whether frames are an event loop's, Python's or
// Node's: what they count are tasks (Node's active resources), not
// goroutines.
func loopFrames(frames []profiles.Frame) bool {
	return len(frames) > 0 && (strings.HasSuffix(frames[0].File, ".py") || nodeFile(frames[0].File))
}

// loopProfile reports whether a profile is of Python or JavaScript code
// (an agent's), whose function names say nothing of their package: Go's
// rule for what is the standard library's does not apply.
func loopProfile(pr *profile.Profile) bool {
	return slices.ContainsFunc(pr.Function, func(f *profile.Function) bool {
		return strings.HasSuffix(f.Filename, ".py") || nodeFile(f.Filename)
	})
}

// resourcesFile is the file the Node agent's dumps of its active resources
// name their frames by: one frame a resource type, and no stack.
const resourcesFile = "node:process.getActiveResourcesInfo"

// resourceDump reports whether pr is the Node agent's dump of its active
// resources, which counts resources by type and shows no stack.
func resourceDump(pr *profile.Profile) bool {
	return len(pr.Function) > 0 && !slices.ContainsFunc(pr.Function, func(f *profile.Function) bool { return f.Filename != resourcesFile })
}
