package exitcode

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("x")
	for _, c := range []struct {
		err   error
		code  int
		quiet bool
	}{
		{nil, Passed, false},
		{base, Usage, false}, // cobra's own errors carry no code
		{UsageError(base), Usage, false},
		{GateError(base), GateFailed, false},
		{CannotRunError(base), CannotRun, false},
		{InterruptedError(base), Interrupted, true},
		{fmt.Errorf("wrapped: %w", CannotRunError(base)), CannotRun, false},
		{errors.Join(InterruptedError(base), base), Interrupted, true},
	} {
		if got := Of(c.err); got != c.code {
			t.Errorf("Of(%v) = %d, want %d", c.err, got, c.code)
		}
		if got := Quiet(c.err); got != c.quiet {
			t.Errorf("Quiet(%v) = %v, want %v", c.err, got, c.quiet)
		}
	}
}

// A URL's secret in an error never reaches the terminal.
func TestErrorRedacts(t *testing.T) {
	err := CannotRunError(errors.New(`Get "http://user:hunter2@127.0.0.1:1/": refused`))
	if msg := err.Error(); strings.Contains(msg, "hunter2") || !errors.Is(err, errors.Unwrap(err)) {
		t.Errorf("message %q keeps the password", msg)
	}
}

// A message quoting a file's name or a target's text is one printable
// line: an escape sequence in it never reaches the terminal.
func TestErrorIsOneSafeLine(t *testing.T) {
	msg := UsageError(errors.New("open \x1b[2Jevil\nname.json: no such file")).Error()
	if strings.ContainsAny(msg, "\x1b\n") || !strings.Contains(msg, `\x1b[2Jevil\nname.json`) {
		t.Errorf("message %q", msg)
	}
	if long := CannotRunError(errors.New(strings.Repeat("x", 10000))).Error(); len(long) > 4*maxMessage+3 {
		t.Errorf("a %d-byte message", len(long))
	}
}
