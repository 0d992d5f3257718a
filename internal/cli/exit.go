package cli

import (
	"errors"
	"fmt"
)

// Exit codes are the contract a CI gate relies on (DESIGN §2).
const (
	ExitOK          = 0 // every criterion met
	ExitFailed      = 1 // a criterion failed
	ExitUsage       = 2 // usage, configuration or scenario-file error: nothing was sent
	ExitUnavailable = 3 // target unreachable, provider failed, interrupted
)

// exitError carries the exit code an error maps to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage or configuration error (exit 2).
func usageErr(err error) error { return &exitError{code: ExitUsage, err: err} }

// usageErrf formats a usage error (exit 2).
func usageErrf(format string, args ...any) error { return usageErr(fmt.Errorf(format, args...)) }

// unavailableErr marks err as "the run could not be carried out" (exit 3).
func unavailableErr(err error) error { return &exitError{code: ExitUnavailable, err: err} }

// errGateFailed is returned when the work was done but a criterion failed
// (exit 1). The report already says which; nothing more is printed.
var errGateFailed = errors.New("a criterion failed")

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errGateFailed) {
		return ExitFailed
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Unclassified errors come from the work itself failing.
	return ExitUnavailable
}
