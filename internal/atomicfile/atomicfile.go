// Package atomicfile writes files whole or not at all. It is a leaf,
// importing only the standard library, so that report and profiles, which
// import nothing of each other, share one way of writing their files.
//
// Only what is a file is replaced: a path that names a symbolic link
// writes the file the link points to, beside itself, and leaves the link
// alone; a device, a FIFO or a terminal (/dev/null, /dev/stdout, a named
// pipe) is written to as it is, since renaming over one would replace it
// with a regular file and its reader would get nothing.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds a chain of symbolic links, as the kernel's ELOOP does.
const maxLinks = 40

// Write writes path with render. A regular file, or none yet, is written
// as a temporary file in the same directory, then renamed, so a reader
// never sees half a file and a failed write leaves nothing behind; a
// symbolic link is followed first. Anything else that is not a directory
// (a device, a FIFO, this process's standard output) is written directly.
// Its errors name path, never the temporary file.
func Write(path string, render func(io.Writer) error) error {
	t, err := resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	switch {
	case t.std != nil:
		if err := render(t.std); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	case t.special:
		return writeDirect(path, render)
	}
	return writeAtomic(path, t.path, render)
}

// Check reports why Write could not write path, or nil: a directory, or a
// file whose directory is missing or read-only (tried by creating and
// removing a file in it). A device or FIFO is taken as it is: opening a
// FIFO to try it would wait for its reader.
func Check(path string) error {
	t, err := resolve(path)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if t.std != nil || t.special {
		return nil
	}
	f, err := os.CreateTemp(dirOf(t.path), ".strain-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Resolve is the file path names once its symbolic links are followed, as
// a clean absolute path: two paths naming one file resolve alike, whether
// or not it exists yet.
func Resolve(path string) (string, error) {
	t, err := resolve(path)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(t.path)
	if err != nil {
		return "", err
	}
	// The directories on the way may be links too.
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	return abs, nil
}

// target is what a path names, for writing.
type target struct {
	path    string   // after any links
	std     *os.File // this process's standard output or error
	special bool     // exists, and is neither a regular file nor a directory
}

// resolve follows path's links to what Write writes. A directory is an
// error.
func resolve(path string) (target, error) {
	p := path
	for range maxLinks {
		if f := stdFile(p); f != nil {
			return target{path: p, std: f}, nil
		}
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return target{path: p}, nil
		case err != nil:
			return target{}, unwrapPath(err)
		case fi.Mode()&fs.ModeSymlink != 0:
			// A link the kernel makes up (a pipe behind /proc/self/fd/N)
			// points to no path: it is written through, never renamed over.
			if st, err := os.Stat(p); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
				return target{path: p, special: true}, nil
			}
			link, err := os.Readlink(p)
			if err != nil {
				return target{}, unwrapPath(err)
			}
			if !filepath.IsAbs(link) {
				link = filepath.Join(filepath.Dir(p), link)
			}
			p = link
		case fi.IsDir():
			return target{}, errors.New("is a directory")
		case fi.Mode().IsRegular():
			return target{path: p}, nil
		default:
			return target{path: p, special: true}, nil
		}
	}
	return target{}, syscall.ELOOP
}

// stdFile is this process's standard output or error when path names it
// (/dev/stdout, /dev/fd/1, /proc/self/fd/1, and so for 2): written through
// the descriptor the process already holds, the file's offset is shared
// with what the process prints there, so neither overwrites the other.
func stdFile(path string) *os.File {
	switch filepath.Clean(path) {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return os.Stdout
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return os.Stderr
	}
	return nil
}

// writeDirect writes to a file that is not a regular one, as it is.
func writeDirect(path string, render func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	if err := render(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	return nil
}

// writeAtomic writes real, the regular file that path names, by a
// temporary file beside it and a rename.
func writeAtomic(path, real string, render func(io.Writer) error) (err error) {
	tmp := filepath.Join(filepath.Dir(real), "."+filepath.Base(real)+".tmp")
	f, err := os.CreateTemp(dirOf(real), filepath.Base(tmp)+"*")
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
	if err := os.Rename(f.Name(), real); err != nil {
		return writeErr(path, tmp, err)
	}
	return nil
}

// dirOf is the directory path names, as the kernel will find it: path
// up to its last slash, not cleaned, so that "sub/../x" needs sub to
// exist, as writing it will.
func dirOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "."
	}
	return path[:i+1]
}

// unwrapPath is a path error's cause alone: the caller names the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
