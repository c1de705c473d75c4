package grpc

import (
	"fmt"
	"strings"
)

// Code is a gRPC status code.
type Code uint32

// The status codes, as the gRPC specification numbers them.
const (
	OK Code = iota
	Canceled
	Unknown
	InvalidArgument
	DeadlineExceeded
	NotFound
	AlreadyExists
	PermissionDenied
	ResourceExhausted
	FailedPrecondition
	Aborted
	OutOfRange
	Unimplemented
	Internal
	Unavailable
	DataLoss
	Unauthenticated
)

// names are the codes' names as strain reports them: the specification's
// upper-case names.
var names = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// String is the code's name; a code past the specification's is
// "CODE_N", as a server may send any number.
func (c Code) String() string {
	if int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("CODE_%d", uint32(c))
}

// ParseCode reads a code by its name, in any case ("unavailable"), or
// "CANCELED" as Go spells it.
func ParseCode(name string) (Code, error) {
	up := strings.ToUpper(strings.TrimSpace(name))
	if up == "CANCELED" {
		return Canceled, nil
	}
	for i, n := range names {
		if n == up {
			return Code(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a gRPC status: want one of %s", name, strings.Join(names[:], ", "))
}

// ParseCodes reads a comma-separated list of code names, as --ok-status
// gives them for a gRPC target.
func ParseCodes(list string) ([]Code, error) {
	var codes []Code
	for name := range strings.SplitSeq(list, ",") {
		c, err := ParseCode(name)
		if err != nil {
			return nil, err
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// ParseStatus reads a grpc-status header's value, as HPACK hands it over,
// with no allocation; ok is false for a value that is not a decimal
// number of at most ten digits.
func ParseStatus(v []byte) (c Code, ok bool) {
	if len(v) == 0 || len(v) > 10 {
		return 0, false
	}
	var n uint64
	for _, b := range v {
		if b < '0' || b > '9' {
			return 0, false
		}
		n = n*10 + uint64(b-'0')
	}
	if n > 1<<32-1 {
		return 0, false
	}
	return Code(n), true
}
