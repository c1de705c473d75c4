package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// A Capturer that captures nothing leaves no directory behind (test runs
// once left an empty profiles/ in the source tree), even one under
// directories that are missing too; one where nothing can be made fails
// when it opens, not at its first capture.
func TestDirMadeOnlyByACapture(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "caps")
	c, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("an unused capturer left %s: %v", dir, err)
	}
	c, err = Open(Config{Dir: filepath.Join(dir, "deeper")})
	if err != nil {
		t.Errorf("a directory under a missing one: %v", err)
	} else {
		c.Close()
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("an unused capturer left %s: %v", dir, err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Open(Config{Dir: filepath.Join(file, "a", "b")}); err == nil {
		t.Error("a directory under a file was accepted")
	}
}
