package main

import (
	"errors"

	"github.com/strain-dev/strain/internal/redact"
)

// Exit codes, as PRODUCT.md documents them.
const (
	ExitPassed      = 0
	ExitGateFailed  = 1
	ExitUsage       = 2   // bad usage, config or input
	ExitCannotRun   = 3   // e.g. the target is unreachable at the start
	ExitInterrupted = 130 // outputs were still written, marked interrupted
)

// exitError carries the exit code an error should end the program with.
type exitError struct {
	code  int
	err   error
	quiet bool // already reported; print nothing more
}

func (e *exitError) Error() string { return redact.Text(e.err.Error()) } // it may quote a URL
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error       { return &exitError{code: ExitUsage, err: err} }
func gateFailedErr(err error) error  { return &exitError{code: ExitGateFailed, err: err} }
func cannotRunErr(err error) error   { return &exitError{code: ExitCannotRun, err: err} }
func interruptedErr(err error) error { return &exitError{code: ExitInterrupted, err: err, quiet: true} }

// exitCode maps an error from run to the process's exit code. An error
// without a code is a usage error: cobra's own (unknown flag or command,
// bad flag value) come back that way.
func exitCode(err error) int {
	if err == nil {
		return ExitPassed
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitUsage
}

func isQuiet(err error) bool {
	var e *exitError
	return errors.As(err, &e) && e.quiet
}
