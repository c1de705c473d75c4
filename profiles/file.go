package profiles

import (
	"fmt"
	"os"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/atomicfile"
)

// Write writes p to path as gzipped protobuf, atomically.
func Write(path string, p *profile.Profile) error {
	return atomicfile.Write(path, p.Write)
}

// Read reads and parses the pprof profile at path, gzipped or not.
func Read(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return p, nil
}

// checkDir makes dir if its parent exists and proves it writable with a
// temporary file, so a bad directory is an error when the Capturer opens
// rather than when the first alert fires.
func checkDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("profiles directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".probe*")
	if err != nil {
		return fmt.Errorf("profiles directory %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
