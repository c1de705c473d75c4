package profiles

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/strain-dev/strain/internal/atomicfile"
)

// IndexFile is the index a Capturer keeps beside its files.
const IndexFile = "index.json"

// IndexSchema names this version of the index's layout.
const IndexSchema = "strain.profiles/v1"

// Index is index.json: every capture kept in a directory, oldest first,
// across the runs that used it. Paths are relative to the directory, so
// it can be moved whole.
type Index struct {
	Schema   string    `json:"schema"`
	Captures []Capture `json:"captures"`
}

// ReadIndex reads dir's index; a directory without one has an empty index.
func ReadIndex(dir string) (*Index, error) {
	idx := &Index{Schema: IndexSchema, Captures: []Capture{}}
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	if err := json.Unmarshal(b, idx); err != nil {
		return nil, fmt.Errorf("read index %s: %w", filepath.Join(dir, IndexFile), err)
	}
	return idx, nil
}

// add appends c, its path made relative to the index's directory.
func (idx *Index) add(c Capture) {
	c.Path = filepath.Base(c.Path)
	idx.Captures = append(idx.Captures, c)
}

// write rewrites dir's index atomically.
func (idx *Index) write(dir string) error {
	return atomicfile.Write(filepath.Join(dir, IndexFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(idx)
	})
}
