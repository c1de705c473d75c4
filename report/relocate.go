package report

import (
	"os"
	"path/filepath"
)

// Relocate points the report's profile files at dir, where a saved
// report's files are found when it was moved with them (a CI artifact: the
// JSON beside its strain-profiles/): a relative path not found from here,
// but found under dir, becomes dir's. Other paths are left as they are.
func (r *Report) Relocate(dir string) {
	move := func(path *string) {
		if *path == "" || filepath.IsAbs(*path) || exists(*path) {
			return
		}
		if there := filepath.Join(dir, *path); exists(there) {
			*path = there
		}
	}
	for i := range r.Profiles {
		move(&r.Profiles[i].Path)
	}
	for i := range r.Findings {
		for j := range r.Findings[i].Evidence {
			move(&r.Findings[i].Evidence[j].Profile)
			move(&r.Findings[i].Evidence[j].Base)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
