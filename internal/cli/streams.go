package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// Streams are the standard streams a command writes to; tests inject buffers.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// ErrIsTerminal says whether ErrOut is an interactive terminal, which is
	// the only case where progress is drawn.
	ErrIsTerminal bool
}

// StdStreams returns the process's standard streams.
func StdStreams() Streams {
	isTerm := term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("CI") == ""
	return Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, ErrIsTerminal: isTerm}
}
