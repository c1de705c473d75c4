package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// A Capturer that captures nothing leaves no directory behind (test runs
// once left an empty profiles/ in the source tree), and one whose parent
// is missing fails when it opens, not at its first capture.
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
	if _, err := Open(Config{Dir: filepath.Join(dir, "deeper")}); err == nil {
		t.Error("a directory whose parent is missing was accepted")
	}
}
