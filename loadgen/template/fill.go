package template

import (
	"math/bits"
	"math/rand/v2"
	"strconv"
)

// Filler is one goroutine's source of a request's values: the request's
// number, and the random source its uuids, randints and randstrs draw
// from. It is not safe for concurrent use: each goroutine that fills
// templates has its own.
type Filler struct {
	seq uint64
	rng rand.PCG
}

// NewFiller is a Filler with a random source of its own, seeded at random.
func NewFiller() *Filler {
	f := &Filler{}
	f.rng.Seed(rand.Uint64(), rand.Uint64())
	return f
}

// At sets the request whose values f fills: the seq-th of the whole load.
func (f *Filler) At(seq uint64) { f.seq = seq }

// maxUint64Digits is the longest integer a filler writes: -2^63's.
const maxUint64Digits = 20

type seqFiller struct{}

func (seqFiller) append(dst []byte, f *Filler, _ *Data) []byte {
	return strconv.AppendUint(dst, f.seq, 10)
}
func (seqFiller) max() int { return maxUint64Digits }

type uuidFiller struct{}

const hexDigits = "0123456789abcdef"

// append writes a version 4 UUID (RFC 9562 §5.4): 122 random bits, the
// version and the variant, as 8-4-4-4-12 hex digits.
func (uuidFiller) append(dst []byte, f *Filler, _ *Data) []byte {
	hi, lo := f.rng.Uint64(), f.rng.Uint64()
	hi = hi&^(0xf<<12) | 0x4<<12 // the version, in byte 6's high nibble
	lo = lo&^(0x3<<62) | 0x2<<62 // the variant, 10 in byte 8's high bits
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		w := hi
		if i >= 8 {
			w = lo
		}
		b := byte(w >> (56 - 8*(i%8)))
		dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
	}
	return dst
}
func (uuidFiller) max() int { return 36 }

// randintFiller draws from lo to lo+n-1.
type randintFiller struct {
	lo int64
	n  uint64
}

func (r randintFiller) append(dst []byte, f *Filler, _ *Data) []byte {
	v, _ := bits.Mul64(f.rng.Uint64(), r.n) // Lemire's: uniform enough, no division
	return strconv.AppendInt(dst, r.lo+int64(v), 10)
}
func (randintFiller) max() int { return maxUint64Digits }

// randstrFiller draws N letters and digits.
type randstrFiller int

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// append takes ten letters from each random word: 6 bits each, scaled to
// the 62 letters.
func (r randstrFiller) append(dst []byte, f *Filler, _ *Data) []byte {
	for left := int(r); left > 0; {
		w := f.rng.Uint64()
		for k := 0; k < 10 && left > 0; k, left = k+1, left-1 {
			dst = append(dst, alnum[(w&63)*62>>6])
			w >>= 6
		}
	}
	return dst
}
func (r randstrFiller) max() int { return int(r) }
