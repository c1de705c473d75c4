package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/internal/atomicfile"
)

// Write writes p to path as gzipped protobuf, atomically.
func Write(path string, p *profile.Profile) error {
	return atomicfile.Write(path, p.Write)
}

// Read reads and parses the pprof profile at path, gzipped or not, under
// the bounds a capture has: a file strain captured is one, and a file from
// elsewhere may be a gzip of gigabytes.
func Read(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	body, err := readAtMost(f, maxProfileBody+1)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(body) > maxProfileBody {
		return nil, fmt.Errorf("read %s: over %d MiB, more than strain parses", path, maxProfileBody>>20)
	}
	p, err := parse(body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return p, nil
}

// checkDir proves that dir can hold captures, with a temporary file in it,
// or, when it does not exist yet, in its nearest ancestor that does (where
// it will be made, with the directories between): a bad directory is an
// error when the Capturer opens rather than when the first alert fires,
// and a run that captures nothing leaves no directory.
func checkDir(dir string) error {
	probe := filepath.Clean(dir)
	for {
		_, err := os.Stat(probe)
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(probe) == probe {
			break
		}
		probe = filepath.Dir(probe)
	}
	f, err := os.CreateTemp(probe, ".probe*")
	if err != nil {
		return fmt.Errorf("profiles directory %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// makeDir makes dir, and the directories above it that are not there
// yet, before the first file.
func makeDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("profiles directory %s: %w", dir, err)
	}
	return nil
}
