package pgenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
)

// DefaultDetachStopTimeout is how long StopDetached waits for a detached db up
// to stop its database after SIGTERM.
const DefaultDetachStopTimeout = 30 * time.Second

// StartDetached starts a detached db up: exe with args, in a session of
// its own (it survives the shell's Ctrl-C), with env (where a DSN travels
// instead of on a command line ps shows), its output in the state
// directory's log. It returns once the process has recorded itself ready
// in the state file (it must pass --state-file state), with that state.
// A detached db up that still runs is refused (exit 2); a stale state
// file is removed first, and said so on log.
func StartDetached(ctx context.Context, state, exe string, args, env []string, log io.Writer) (State, error) {
	if err := PrepareStateDir(filepath.Dir(state)); err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("db up --detach: %w", err))
	}
	switch st, err := ReadState(state); {
	case err == nil && st.Running():
		return State{}, exit.Usagef("a detached db up is already running (pid %d, state %s); run perfgate db down first", st.PID, state)
	case err == nil:
		if err := RemoveStaleState(state, st, log); err != nil {
			return State{}, err
		}
	case !errors.Is(err, os.ErrNotExist):
		return State{}, exit.Unavailable(fmt.Errorf("db up --detach: %w", err))
	}
	logPath := StateLogPath(state)
	logf, err := OpenStateLog(state)
	if err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("db up --detach: %w", err))
	}
	defer logf.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("db up --detach: %w", err))
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		if st, err := ReadState(state); err == nil && st.PID == cmd.Process.Pid {
			st.Log = logPath
			_ = WriteState(state, st)
			return st, nil
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logPath)
			return State{}, exit.Unavailable(fmt.Errorf("db up --detach: background db up exited (%v):\n%s", err, out))
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-exited
			return State{}, exit.Unavailable(errors.New("db up --detach: interrupted before the database was ready; stopped it"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// StopDetached stops the detached db up recorded in the state file: it
// sends SIGTERM only if the process is still the one that wrote the state
// (same pid, start time and boot), waits up to timeout for it to remove
// its database, and removes the state file. It says on log what it did:
// stopped it, found nothing to stop, or removed a stale state file.
func StopDetached(ctx context.Context, state string, timeout time.Duration, log io.Writer) error {
	st, err := ReadState(state)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(log, "no detached db up is running (no %s); a foreground perfgate db up stops and removes its database on Ctrl-C\n", state)
		return nil
	}
	if err != nil {
		return exit.Unavailable(fmt.Errorf("db down: %w", err))
	}
	if err := st.Signal(syscall.SIGTERM); errors.Is(err, ErrNotSameProcess) {
		return RemoveStaleState(state, st, log)
	} else if err != nil {
		return exit.Unavailable(fmt.Errorf("stop db up (pid %d): %w", st.PID, err))
	}
	deadline := time.Now().Add(timeout)
	for st.Running() {
		if time.Now().After(deadline) {
			return exit.Unavailable(fmt.Errorf("db up (pid %d) still running %s after SIGTERM; see its log %s", st.PID, timeout, st.Log))
		}
		select {
		case <-ctx.Done():
			return exit.Unavailable(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := RemoveState(state); err != nil {
		return exit.Unavailable(err)
	}
	fmt.Fprintf(log, "stopped db up (pid %d, provider %s); its database is removed\n", st.PID, st.Provider)
	return nil
}

// RemoveStaleState removes the state file of a db up that no longer runs,
// saying on log whether its pid now names an unrelated process (which is
// left alone).
func RemoveStaleState(path string, st State, log io.Writer) error {
	if err := RemoveState(path); err != nil {
		return exit.Unavailable(err)
	}
	if _, err := ProcessOf(st.PID); err == nil {
		fmt.Fprintf(log, "db up (pid %d) was no longer running; pid %d now belongs to another process, which was left alone; removed the state file\n", st.PID, st.PID)
	} else {
		fmt.Fprintf(log, "db up (pid %d) was no longer running; removed its state file\n", st.PID)
	}
	return nil
}

// CleanLeftovers removes the local clusters that a perfgate process
// killed with kill -9 left in the temporary directory, and says so on
// log. A failure is a warning: it does not stop the command that found it.
func CleanLeftovers(log io.Writer) {
	gone, err := RemoveLeftovers("")
	for _, lo := range gone {
		stopped := ""
		if lo.Server > 0 {
			stopped = fmt.Sprintf("; stopped its server (pid %d)", lo.Server)
		}
		fmt.Fprintf(log, "removed %s, left by a perfgate process that died (pid %d)%s\n", lo.Dir, lo.Owner.PID, stopped)
	}
	if err != nil {
		fmt.Fprintf(log, "perfgate: warning: %v\n", err)
	}
}
