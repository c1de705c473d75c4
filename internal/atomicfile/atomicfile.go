// Package atomicfile writes files whole or not at all. It is a leaf,
// importing only the standard library, so that report and profiles, which
// import nothing of each other, share one way of writing their files.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write writes path with render: a temporary file in the same directory,
// then a rename, so a reader never sees half a file and a failed write
// leaves nothing behind. Its errors name path, never the temporary file.
func Write(path string, render func(io.Writer) error) (err error) {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(tmp)+"*")
	if err != nil {
		return writeErr(path, tmp, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := render(f); err != nil {
		return writeErr(path, tmp, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return writeErr(path, tmp, err)
	}
	if err := f.Close(); err != nil {
		return writeErr(path, tmp, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return writeErr(path, tmp, err)
	}
	return nil
}

// writeErr is err as the failure to write path. An error on the temporary
// file (whose name starts with tmp) is told as its cause alone: that name
// means nothing to the reader, and the file is gone.
func writeErr(path, tmp string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Path, tmp) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) && strings.HasPrefix(le.Old, tmp) {
		err = le.Err
	}
	return fmt.Errorf("write %s: %w", path, err)
}
