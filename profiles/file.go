package profiles

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/pprof/profile"
)

// writeFile writes path atomically with render: a temporary file in the
// same directory, then a rename, so a reader never sees half a file and a
// failed write leaves nothing behind. (report.WriteFile's recipe; profiles
// imports none of strain's packages.)
func writeFile(path string, render func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := render(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Write writes p to path as gzipped protobuf, atomically.
func Write(path string, p *profile.Profile) error {
	return writeFile(path, p.Write)
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
