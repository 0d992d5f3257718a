// Package exit holds the errors that carry perfgate's exit codes, so that
// any package (the run engine, the database side, the diff engine) can say
// "this is the user's to fix" or "this run could not be carried out"
// without importing the command-line code. Code maps an error to the
// process exit code; it is the only place that does.
package exit

import (
	"errors"
	"fmt"
)

// Exit codes are the contract a CI gate relies on (DESIGN §2).
const (
	CodeOK          = 0 // every criterion met
	CodeFailed      = 1 // a criterion failed
	CodeUsage       = 2 // usage, configuration or scenario-file error: nothing was sent
	CodeUnavailable = 3 // target unreachable, provider failed, interrupted
)

// Error carries the exit code an error maps to.
type Error struct {
	code int
	err  error
}

func (e *Error) Error() string { return e.err.Error() }
func (e *Error) Unwrap() error { return e.err }

// ExitCode is the code the error maps to.
func (e *Error) ExitCode() int { return e.code }

// Usage marks err as a usage or configuration error (exit 2): the user has
// to change the command line, a file or the environment. An error that
// already carries a code keeps it: the code is decided where the cause is
// known.
func Usage(err error) error {
	if err == nil || carries(err) {
		return err
	}
	return &Error{code: CodeUsage, err: err}
}

// Usagef formats a usage error (exit 2).
func Usagef(format string, args ...any) error { return Usage(fmt.Errorf(format, args...)) }

// Unavailable marks err as "the run could not be carried out" (exit 3): a
// target or database that does not answer, an interrupt, a failed write.
// An error that already carries a code keeps it.
func Unavailable(err error) error {
	if err == nil || carries(err) {
		return err
	}
	return &Error{code: CodeUnavailable, err: err}
}

// carries reports whether err already has an exit code.
func carries(err error) bool {
	var e *Error
	return errors.As(err, &e) || errors.Is(err, ErrGateFailed)
}

// Unavailablef formats an error that means the run could not be carried
// out (exit 3).
func Unavailablef(format string, args ...any) error {
	return Unavailable(fmt.Errorf(format, args...))
}

// ErrGateFailed is returned when the work was done but a criterion failed
// (exit 1). The report already says which; nothing more is printed.
var ErrGateFailed = errors.New("a criterion failed")

// Code maps an error returned by a command to the process exit code. An
// error that carries no code comes from the work itself failing (exit 3).
func Code(err error) int {
	if err == nil {
		return CodeOK
	}
	if errors.Is(err, ErrGateFailed) {
		return CodeFailed
	}
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return CodeUnavailable
}

// Silent reports whether err needs no message of its own: the gate failed
// and the report has already said why.
func Silent(err error) bool { return err == ErrGateFailed }
