package coursestatus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// DefaultDetachStopTimeout is how long StopDetached waits for a detached
// serve to finish its in-flight requests and exit after SIGTERM (it
// allows them DefaultShutdownTimeout itself).
const DefaultDetachStopTimeout = 15 * time.Second

// State is what a detached serve records in perfgate's private state
// directory (detach.DefaultDir), one file per address, so that serve
// --stop finds it and a naive and an optimized serve run side by side.
type State struct {
	detach.Process
	Target   string `json:"target"`
	Strategy string `json:"strategy"`
	Log      string `json:"log"`
}

// StateFile is the state file of the detached serve listening on addr.
func StateFile(addr string) string {
	name := strings.NewReplacer(":", "-", "/", "-", "[", "", "]", "").Replace(addr)
	return filepath.Join(detach.DefaultDir(), "serve-"+name+".json")
}

// StateLogPath is the log of the detached serve whose state is stateFile.
func StateLogPath(stateFile string) string {
	return strings.TrimSuffix(stateFile, ".json") + ".log"
}

// WriteState records the serve running in this process, at target with
// strategy, in the state file at path.
func WriteState(path, target string, strategy Strategy) error {
	self, err := detach.CurrentProcess()
	if err != nil {
		return err
	}
	return detach.WriteJSON(path, State{Process: self, Target: target, Strategy: string(strategy), Log: StateLogPath(path)})
}

// StartDetached starts a detached serve on addr: this executable with args
// (which must pass --state-file StateFile(addr)) in the background
// (detach.Start), with env (where the DSN travels), its output in the
// state file's log, and returns the state it recorded once it listens. An
// addr without a fixed port (StopDetached finds the serve by it) and a
// detached serve that still runs on addr are refused (exit 2); one that
// fails in the background keeps its exit code (2 usage, else 3).
func StartDetached(ctx context.Context, addr string, args, env []string) (State, error) {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" {
		return State{}, exit.Usagef("--detach needs --addr with a fixed port, such as 127.0.0.1:3000 (serve --stop finds the server by it)")
	}
	state := StateFile(addr)
	if err := detach.PrepareDir(filepath.Dir(state)); err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	var st State
	if err := detach.ReadJSON(state, &st); err == nil && st.Running() {
		return State{}, exit.Usagef("a detached serve already listens on %s (pid %d); stop it with perfgate serve --stop --addr %s", addr, st.PID, addr)
	}
	_ = detach.Remove(state)
	exe, err := os.Executable()
	if err != nil {
		return State{}, exit.Unavailable(err)
	}
	if err := detach.Start(ctx, state, StateLogPath(state), exe, args, env); err != nil {
		// The background serve failed as a foreground one would: its own
		// message, and its exit code.
		var ee *detach.ExitError
		if errors.As(err, &ee) && ee.Code == exit.CodeUsage {
			return State{}, exit.Usage(fmt.Errorf("serve --detach: %w", err))
		}
		return State{}, exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	st = State{}
	if err := detach.ReadJSON(state, &st); err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("serve --detach: %w", err))
	}
	return st, nil
}

// StopDetached stops the detached serve on addr (detach.Stop: only if it
// is still the process that recorded itself) and returns what it found:
// detach.NotFound, detach.Stale (its state file removed) or
// detach.Stopped, with the state recorded (its Process the one Stop
// found).
func StopDetached(ctx context.Context, addr string, timeout time.Duration) (detach.Outcome, State, error) {
	state := StateFile(addr)
	var st State
	_ = detach.ReadJSON(state, &st)
	outcome, p, err := detach.Stop(ctx, state, timeout)
	st.Process = p
	if err != nil {
		return outcome, st, exit.Unavailable(fmt.Errorf("serve --stop (pid %d): %w; see its log %s", p.PID, err, st.Log))
	}
	return outcome, st, nil
}
