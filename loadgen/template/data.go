package template

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Bounds on a data file.
const (
	MaxDataBytes = 64 << 20  // its size
	MaxRows      = 1_000_000 // its rows
	MaxFields    = 256       // its fields
)

// Order is how requests take the data file's rows.
type Order int

// The orders.
const (
	InTurn Order = iota // request n takes row n modulo the rows
	Random              // each request a row at random, the same for a request wherever it is used
)

// ParseOrder reads an order as --data-order gives it: "sequential" or
// "random".
func ParseOrder(s string) (Order, error) {
	switch s {
	case "", "sequential":
		return InTurn, nil
	case "random":
		return Random, nil
	}
	return 0, fmt.Errorf("%q: want sequential or random", s)
}

// Data is a data file's rows, for {{row.FIELD}}.
type Data struct {
	name    string
	fields  []string
	rows    [][]string      // by row, then by field
	missing map[[2]int]bool // (row, field) that a JSON Lines row left out
	order   Order
	seed    uint64
}

// ReadData reads a data file: JSON Lines (one object a line) if its name
// ends in .jsonl or .ndjson or its first character is '{', else CSV with a
// header line of field names. Errors name the file and the line.
func ReadData(path string, order Order) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read data file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxDataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read data file: %w", err)
	}
	if len(b) > MaxDataBytes {
		return nil, fmt.Errorf("data file %s: larger than %d MiB", path, MaxDataBytes>>20)
	}
	ext := strings.ToLower(filepath.Ext(path))
	jsonLines := ext == ".jsonl" || ext == ".ndjson" || ext != ".csv" && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
	d := &Data{name: path, order: order, seed: rand.Uint64()}
	if jsonLines {
		err = d.readJSONLines(b)
	} else {
		err = d.readCSV(b)
	}
	if err == nil && len(d.rows) == 0 {
		err = errors.New("no rows in it")
	}
	if err != nil {
		return nil, fmt.Errorf("data file %s: %w", path, err)
	}
	return d, nil
}

func (d *Data) readCSV(b []byte) error {
	r := csv.NewReader(bytes.NewReader(b))
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("header line: %w", err)
	}
	for _, name := range head {
		if err := d.addField(name); err != nil {
			return fmt.Errorf("header line: %w", err)
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err // csv's errors name the line
		}
		if len(d.rows) == MaxRows {
			return fmt.Errorf("more than %d rows", MaxRows)
		}
		d.rows = append(d.rows, rec)
	}
}

func (d *Data) addField(name string) error {
	switch {
	case name == "" || strings.ContainsAny(name, " \t{}"):
		return fmt.Errorf("field name %q: want a name without spaces or braces", name)
	case slices.Contains(d.fields, name):
		return fmt.Errorf("field %q twice", name)
	case len(d.fields) == MaxFields:
		return fmt.Errorf("more than %d fields", MaxFields)
	}
	d.fields = append(d.fields, name)
	return nil
}

func (d *Data) readJSONLines(b []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, MaxDataBytes)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			return fmt.Errorf("line %d: want a JSON object: %w", line, err)
		}
		if len(d.rows) == MaxRows {
			return fmt.Errorf("more than %d rows", MaxRows)
		}
		if err := d.addObject(obj); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

// addObject adds one JSON Lines row: strings as they are, other values as
// their JSON text, null as empty.
func (d *Data) addObject(obj map[string]json.RawMessage) error {
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	row := make([]string, len(d.fields), max(len(d.fields), len(obj)))
	seen := make([]bool, len(d.fields))
	for _, name := range names {
		i := slices.Index(d.fields, name)
		if i < 0 {
			if err := d.addField(name); err != nil {
				return err
			}
			i = len(d.fields) - 1
			row = append(row, "")
			seen = append(seen, false)
		}
		raw := bytes.TrimSpace(obj[name])
		var s string
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
		} else if string(raw) != "null" {
			s = string(raw)
		}
		row[i], seen[i] = s, true
	}
	r := len(d.rows)
	for i, ok := range seen {
		if !ok {
			d.markMissing(r, i)
		}
	}
	for i := range d.rows { // a field first seen now: the rows before lack it
		for j := len(d.rows[i]); j < len(d.fields); j++ {
			d.rows[i] = append(d.rows[i], "")
			d.markMissing(i, j)
		}
	}
	d.rows = append(d.rows, row)
	return nil
}

func (d *Data) markMissing(row, field int) {
	if d.missing == nil {
		d.missing = map[[2]int]bool{}
	}
	d.missing[[2]int{row, field}] = true
}

// row is the row request seq takes.
func (d *Data) row(seq uint64) int {
	n := uint64(len(d.rows))
	if d.order == Random {
		return int(mix(seq^d.seed) % n)
	}
	return int(seq % n)
}

// mix is SplitMix64's finaliser: a request's number, scrambled into its
// random row, so that every part of one request takes the same row.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// rowFiller writes one field of the request's row, each row's value
// already written as its context wants it.
type rowFiller struct {
	values  []string // by row
	longest int
}

func (r *rowFiller) append(dst []byte, f *Filler, d *Data) []byte {
	return append(dst, r.values[d.row(f.seq)]...)
}
func (r *rowFiller) max() int { return r.longest }

func compileRow(field string, ctx Context, d *Data) (filler, error) {
	if d == nil {
		return nil, fmt.Errorf("{{row.%s}}: no data file (--data-file) to take rows from", field)
	}
	col := slices.Index(d.fields, field)
	if col < 0 {
		return nil, fmt.Errorf("{{row.%s}}: data file %s has no field %q (it has %s)", field, d.name, field, strings.Join(d.fields, ", "))
	}
	r := &rowFiller{values: make([]string, len(d.rows))}
	for i, row := range d.rows {
		if d.missing[[2]int{i, col}] {
			return nil, fmt.Errorf("{{row.%s}}: data file %s's row %d has no %q", field, d.name, i+1, field)
		}
		v, err := inContext(row[col], ctx)
		if err != nil {
			return nil, fmt.Errorf("{{row.%s}}: data file %s's row %d: %w", field, d.name, i+1, err)
		}
		r.values[i], r.longest = v, max(r.longest, len(v))
	}
	return r, nil
}
