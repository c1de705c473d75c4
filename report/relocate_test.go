package report

import (
	"os"
	"path/filepath"
	"testing"
)

// A report moved with its profiles finds them beside it; a path found
// from here, an absolute one, or one found nowhere stays as it was.
func TestRelocate(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "strain-profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join("strain-profiles", "cpu.pb.gz")
	if err := os.WriteFile(filepath.Join(dir, moved), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(t.TempDir(), "abs.pb.gz")
	r := &Report{Profiles: []Profile{{Path: moved}, {Path: abs}, {Path: "nowhere.pb.gz"}},
		Findings: []Finding{{Evidence: []Evidence{{Profile: moved, Base: "nowhere.pb.gz"}}}}}
	r.Relocate(dir)
	want := filepath.Join(dir, moved)
	if r.Profiles[0].Path != want || r.Findings[0].Evidence[0].Profile != want {
		t.Errorf("moved: %q and %q, want %q", r.Profiles[0].Path, r.Findings[0].Evidence[0].Profile, want)
	}
	if r.Profiles[1].Path != abs || r.Profiles[2].Path != "nowhere.pb.gz" || r.Findings[0].Evidence[0].Base != "nowhere.pb.gz" {
		t.Errorf("left alone: %+v %+v", r.Profiles, r.Findings[0].Evidence)
	}
}
