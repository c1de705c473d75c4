package monitor

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// promLineBuffer is how much of a line the filter looks at to find its
// family; the rest of a longer line is passed on or skipped unread.
const promLineBuffer = 16 << 10

// promFilter passes a text exposition on to the parser line by line as
// it arrives, leaving out the samples past promMaxSeries: one budget for
// the families strain reads (wanted), one for all the others. So a scrape
// parses a bounded number of series however many the target has, the
// families strain needs are read wherever they are in the body, and the
// body is never held in memory whole. Plain comments, which the parser
// skips, are left out too.
type promFilter struct {
	r      *bufio.Reader
	wanted map[string]bool

	family    []byte // the family of the lines being read, from its TYPE or HELP line or its first sample
	histogram bool   // whose samples are NAME_bucket, NAME_sum, NAME_count…
	isWanted  bool   // whether family is one of wanted

	left         [2]int  // samples still to pass: [0] of other families, [1] of wanted ones
	dropped      [2]bool // whether samples past the budget were left out
	keep, inLine bool    // whether the line being read is passed on; whether one is begun
	pending      []byte  // what is passed on and not yet read
	err          error
}

func newPromFilter(r io.Reader, wanted map[string]bool) *promFilter {
	return &promFilter{r: bufio.NewReaderSize(r, promLineBuffer), wanted: wanted, left: [2]int{promMaxSeries, promMaxSeries}}
}

// Read passes on the lines kept.
func (f *promFilter) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		chunk, err := f.r.ReadSlice('\n')
		if !f.inLine {
			f.keep = f.decide(chunk)
		}
		f.inLine = err == bufio.ErrBufferFull
		if err != nil && err != bufio.ErrBufferFull {
			f.err = err
		}
		if f.keep {
			// Valid until the next read of f.r, which waits until it is
			// all passed on.
			f.pending = chunk
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// notes say what the scrape left out, in words the same from one scrape
// to the next.
func (f *promFilter) notes() []string {
	var out []string
	if f.dropped[0] {
		out = append(out, fmt.Sprintf("more than %d series besides those strain reads: the rest were not parsed", promMaxSeries))
	}
	if f.dropped[1] {
		out = append(out, fmt.Sprintf("more than %d series in the families strain reads: the rest were not parsed", promMaxSeries))
	}
	return out
}

// decide reads the start of a line and reports whether to pass it on.
func (f *promFilter) decide(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 || line[0] == '\n' || line[0] == '\r' {
		return true
	}
	if line[0] == '#' {
		return f.comment(line[1:])
	}
	name, _ := promName(line)
	if !f.member(name) {
		f.begin(name, false)
	}
	i := 0
	if f.isWanted {
		i = 1
	}
	if f.left[i] == 0 {
		f.dropped[i] = true
		return false
	}
	f.left[i]--
	return true
}

// comment handles a comment line, after its '#': a HELP or TYPE line
// begins its family (or goes on with it) and is passed on while that
// family's budget lasts; any other comment is left out.
func (f *promFilter) comment(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " \t")
	word, rest := promWord(rest)
	if string(word) != "HELP" && string(word) != "TYPE" {
		return false
	}
	name, rest := promName(bytes.TrimLeft(rest, " \t"))
	if len(name) == 0 {
		return true // the parser says what is wrong with it
	}
	if !bytes.Equal(name, f.family) {
		f.begin(name, false)
	}
	if string(word) == "TYPE" {
		typ, _ := promWord(bytes.TrimLeft(rest, " \t"))
		switch string(typ) {
		case "histogram", "gaugehistogram", "summary":
			f.histogram = true
		}
	}
	if f.isWanted {
		return f.left[1] > 0
	}
	return f.left[0] > 0
}

// begin starts family name.
func (f *promFilter) begin(name []byte, histogram bool) {
	f.family = append(f.family[:0], name...)
	f.histogram = histogram
	f.isWanted = f.wanted[string(name)]
}

// member reports whether a sample named name belongs to the family being
// read: it is the family's name, or, for a histogram or summary, its name
// and a suffix.
func (f *promFilter) member(name []byte) bool {
	if bytes.Equal(name, f.family) {
		return true
	}
	suffix, ok := bytes.CutPrefix(name, f.family)
	if !ok || !f.histogram || len(f.family) == 0 {
		return false
	}
	switch string(suffix) {
	case "_bucket", "_sum", "_count", "_created", "_gcount", "_gsum":
		return true
	}
	return false
}

// promName reads a metric name at the start of b: bare, or quoted, as in
// {"name",label="v"} and # TYPE "name" gauge. The quoted one is kept as
// it is written, escapes and all: the names strain reads need none.
func promName(b []byte) (name, rest []byte) {
	b = bytes.TrimPrefix(b, []byte("{"))
	if len(b) > 0 && b[0] == '"' {
		for i := 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return b[1:i], b[i+1:]
			}
		}
		return b[1:], nil
	}
	end := bytes.IndexAny(b, " \t{\r\n")
	if end < 0 {
		end = len(b)
	}
	return b[:end], b[end:]
}

// promWord reads a word at the start of b, up to a space or a line's end.
func promWord(b []byte) (word, rest []byte) {
	end := bytes.IndexAny(b, " \t\r\n")
	if end < 0 {
		end = len(b)
	}
	return b[:end], b[end:]
}
