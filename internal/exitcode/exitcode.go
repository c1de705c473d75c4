// Package exitcode is strain's exit codes, as PRODUCT.md documents them,
// and the errors that carry one from a command to the process's exit.
package exitcode

import (
	"errors"

	"github.com/strain-dev/strain/internal/redact"
	"github.com/strain-dev/strain/internal/safe"
)

// The exit codes.
const (
	Passed      = 0
	GateFailed  = 1
	Usage       = 2   // bad usage, config or input
	CannotRun   = 3   // e.g. the target is unreachable at the start
	Interrupted = 130 // outputs were still written, marked interrupted
)

// codeError carries the exit code an error should end the program with.
type codeError struct {
	code  int
	err   error
	quiet bool // already reported; print nothing more
}

// Error is the message as a terminal may print it: one line, no URL's
// secret, and no control character, for it may quote a file's name or
// what a target sent.
func (e *codeError) Error() string { return safe.Line(redact.Text(e.err.Error()), maxMessage) }

// maxMessage bounds a message, in runes.
const maxMessage = 4096

func (e *codeError) Unwrap() error { return e.err }

// UsageError is err ending the program with Usage.
func UsageError(err error) error { return &codeError{code: Usage, err: err} }

// GateError is err ending the program with GateFailed.
func GateError(err error) error { return &codeError{code: GateFailed, err: err} }

// CannotRunError is err ending the program with CannotRun.
func CannotRunError(err error) error { return &codeError{code: CannotRun, err: err} }

// InterruptedError is err ending the program with Interrupted, quietly:
// the interrupt was the user's own doing.
func InterruptedError(err error) error { return &codeError{code: Interrupted, err: err, quiet: true} }

// Of is the exit code err ends the program with. An error without a code
// is a usage error: cobra's own (an unknown flag or command, a bad flag
// value) come back that way.
func Of(err error) int {
	if err == nil {
		return Passed
	}
	var e *codeError
	if errors.As(err, &e) {
		return e.code
	}
	return Usage
}

// Quiet reports whether err needs no message: the program ends with its
// code and says nothing more.
func Quiet(err error) bool {
	var e *codeError
	return errors.As(err, &e) && e.quiet
}
