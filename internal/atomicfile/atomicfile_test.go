package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteIsWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "{}\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "{}\n" {
		t.Fatalf("read back %q, %v", b, err)
	}
	err := Write(filepath.Join(dir, "bad.json"), func(w io.Writer) error { w.Write([]byte("half")); return os.ErrInvalid })
	if err == nil {
		t.Fatal("a failed render reported success")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after a failed write, want only r.json", len(entries))
	}
	if err := Write(filepath.Join(dir, "missing", "r.json"), func(io.Writer) error { return nil }); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// A write that fails on the temporary file is told as a failure to write
// the file asked for: the temporary name is gone and means nothing.
func TestErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	err := Write(path, func(w io.Writer) error {
		return &fs.PathError{Op: "write", Path: w.(*os.File).Name(), Err: syscall.ENOSPC}
	})
	if want := "write " + path + ": no space left on device"; err == nil || err.Error() != want || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("error %v, want %q", err, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left behind", len(entries))
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// A link is followed: the file it points to is written beside itself (its
// directory may be another), and the link is left a link.
func TestWriteFollowsLinks(t *testing.T) {
	linkDir, fileDir := t.TempDir(), t.TempDir()
	for _, tc := range []struct {
		name   string
		exists bool
	}{{"to a file", true}, {"dangling", false}} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(fileDir, tc.name+".json")
			if tc.exists {
				os.WriteFile(file, []byte("old"), 0o600)
			}
			link := filepath.Join(linkDir, tc.name)
			if err := os.Symlink(file, link); err != nil {
				t.Fatal(err)
			}
			if err := Check(link); err != nil {
				t.Fatal(err)
			}
			if err := Write(link, writeString("new")); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
			}
			if b, _ := os.ReadFile(file); string(b) != "new" {
				t.Errorf("the link's target holds %q, want new", b)
			}
			if r, err := Resolve(link); err != nil || r != file {
				t.Errorf("Resolve = %q, %v, want %q", r, err, file)
			}
		})
	}
	for _, dir := range []string{linkDir, fileDir} {
		if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
}

// A device is written to as it is: /dev/null stays the device.
func TestWriteToADevice(t *testing.T) {
	const null = "/dev/null"
	if fi, err := os.Stat(null); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Skip("no /dev/null")
	}
	if err := Check(null); err != nil {
		t.Fatal(err)
	}
	if err := Write(null, writeString("gone")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(null); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device: %v, %v", fi.Mode(), err)
	}
}

func TestDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(dir, link)
	for _, path := range []string{dir, link} {
		if err := Check(path); err == nil || err.Error() != "cannot write "+path+": is a directory" {
			t.Errorf("Check(%s) = %v", path, err)
		}
		if err := Write(path, writeString("x")); err == nil {
			t.Errorf("Write(%s) succeeded", path)
		}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Error("the directory was replaced")
	}
}

func TestLinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.Symlink(b, a)
	os.Symlink(a, b)
	if err := Write(a, writeString("x")); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("Write = %v, want ELOOP", err)
	}
}

// A path through a directory that does not exist ("sub/../x") is refused
// by Check, as writing it would fail, though it cleans to a path that
// could be written; through one that does exist, it is written.
func TestPathThroughAMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	missing := dir + "/sub/../x"
	if err := Check(missing); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("Check(%s) = %v, want no such directory", missing, err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Check(missing); err != nil {
		t.Fatalf("Check(%s) = %v once sub exists", missing, err)
	}
	if err := Write(missing, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "x")); err != nil || string(b) != "x" {
		t.Errorf("read back %q, %v", b, err)
	}
}
