package flame

import (
	"fmt"
	"os"

	"github.com/google/pprof/profile"
	"github.com/strain-dev/strain/profiles"
)

// Load reads the profile at path (as profiles.Read, which bounds it) and
// builds its tree. path must be a regular file: a report names its
// captures, and a report from elsewhere may name a FIFO or a device.
func Load(path string) (*Graph, error) {
	p, err := read(path)
	if err != nil {
		return nil, err
	}
	return Build(p)
}

// LoadGrew reads two goroutine dumps and builds what grew between them.
func LoadGrew(base, newer string) (*Graph, error) {
	b, err := read(base)
	if err != nil {
		return nil, err
	}
	n, err := read(newer)
	if err != nil {
		return nil, err
	}
	return Grew(b, n)
}

func read(path string) (*profile.Profile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return profiles.Read(path)
}
