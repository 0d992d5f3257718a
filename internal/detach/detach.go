package detach

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// recorded is what Start and Stop read of any state file: the process
// that wrote it. The files of a db up and of a serve hold more.
type recorded struct {
	Process
}

// Start starts exe with args in a session of its own (it survives the
// shell's Ctrl-C), with env (where secrets travel, not on a command line ps
// shows) and its output in logFile, and returns once the process has
// recorded itself in stateFile (a JSON file whose "pid" is its own).
// When the process exits first, the error says so with its log and
// carries its exit code (ExitError); ctx ending stops it.
func Start(ctx context.Context, stateFile, logFile, exe string, args, env []string) error {
	logf, err := OpenLog(logFile)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		var r recorded
		if err := ReadJSON(stateFile, &r); err == nil && r.PID == cmd.Process.Pid {
			return nil
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logFile)
			return &ExitError{Code: cmd.ProcessState.ExitCode(), Err: err, Log: strings.TrimSpace(string(out))}
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-exited
			return errors.New("interrupted before the background process was ready; stopped it")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ExitError is a background process that exited before it was ready.
type ExitError struct {
	Code int
	Err  error
	Log  string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("the background process exited (%v):\n%s", e.Err, e.Log)
}

// Outcome says what Stop found.
type Outcome int

const (
	// NotFound: no state file; nothing runs in the background.
	NotFound Outcome = iota
	// Stale: the recorded process no longer runs (its pid may name an
	// unrelated process now, which was left alone); the file is removed.
	Stale
	// Stopped: the process was sent SIGTERM, exited, and its file removed.
	Stopped
)

// Stop stops the process recorded in stateFile: SIGTERM only if it is
// still the process that wrote the file (same pid, start time and boot),
// then waits up to timeout for it to exit and removes the file. It returns
// the process it found.
func Stop(ctx context.Context, stateFile string, timeout time.Duration) (Outcome, Process, error) {
	var r recorded
	err := ReadJSON(stateFile, &r)
	if errors.Is(err, os.ErrNotExist) {
		return NotFound, Process{}, nil
	}
	if err != nil {
		return NotFound, Process{}, err
	}
	if err := r.Signal(syscall.SIGTERM); errors.Is(err, ErrNotSameProcess) {
		return Stale, r.Process, Remove(stateFile)
	} else if err != nil {
		return NotFound, r.Process, err
	}
	deadline := time.Now().Add(timeout)
	for r.Running() {
		if time.Now().After(deadline) {
			return Stopped, r.Process, fmt.Errorf("pid %d still running %s after SIGTERM", r.PID, timeout)
		}
		select {
		case <-ctx.Done():
			return Stopped, r.Process, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return Stopped, r.Process, Remove(stateFile)
}
