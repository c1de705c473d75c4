package grpc

import (
	"encoding/binary"
	"fmt"
)

// prefixLen is a message's prefix on the wire: a compressed flag, then
// its length as 4 bytes, big-endian.
const prefixLen = 5

// DefaultMaxMessage bounds one response message, as grpc-go's client does
// by default (4 MiB).
const DefaultMaxMessage = 4 << 20

// Messages counts the length-prefixed messages in a response's body as its
// DATA frames arrive, a prefix or a message split over frames included. It
// keeps no message, and allocates nothing. The zero value is ready, with
// DefaultMaxMessage as its bound.
type Messages struct {
	Max    int // the largest message allowed; DefaultMaxMessage when zero
	prefix [prefixLen]byte
	have   int // bytes of the current prefix read so far
	left   int // bytes of the current message still to come
	n      int // whole messages so far
}

// Feed takes the next bytes of the body. It fails on a message longer
// than the bound, which the caller should end the call on.
func (m *Messages) Feed(p []byte) error {
	for len(p) > 0 {
		if m.left > 0 {
			k := min(m.left, len(p))
			m.left -= k
			p = p[k:]
			if m.left == 0 {
				m.n++
			}
			continue
		}
		k := copy(m.prefix[m.have:], p)
		m.have += k
		p = p[k:]
		if m.have < prefixLen {
			return nil
		}
		m.have = 0
		size := binary.BigEndian.Uint32(m.prefix[1:])
		if max := m.max(); uint64(size) > uint64(max) {
			return fmt.Errorf("a response message of %d bytes, over the %d-byte limit", size, max)
		}
		if m.left = int(size); m.left == 0 {
			m.n++
		}
	}
	return nil
}

func (m *Messages) max() int {
	if m.Max > 0 {
		return m.Max
	}
	return DefaultMaxMessage
}

// Count is the whole messages fed so far.
func (m *Messages) Count() int { return m.n }

// Partial reports whether the body so far ends inside a message: a stream
// that ends there was cut short.
func (m *Messages) Partial() bool { return m.have > 0 || m.left > 0 }

// Reset readies m for the next call, keeping its bound.
func (m *Messages) Reset() { *m = Messages{Max: m.Max} }
