package pgenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// DefaultDetachStopTimeout is how long StopDetached waits for a detached
// db up to stop its database after SIGTERM.
const DefaultDetachStopTimeout = 30 * time.Second

// StartDetached starts a detached db up: this executable with args (which
// must pass --state-file state) in the background (detach.Start), with env
// (where the DSN travels, not on a command line ps shows), its output in
// the state directory's log, and returns the state it recorded once the
// database is ready. A detached db up that still runs is refused (exit 2);
// a stale state file is removed first, and said so on log.
func StartDetached(ctx context.Context, state string, args, env []string, log io.Writer) (State, error) {
	exe, err := os.Executable()
	if err != nil {
		return State{}, exit.Unavailable(err)
	}
	if err := detach.PrepareDir(filepath.Dir(state)); err != nil {
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
	if err := detach.Start(ctx, state, logPath, exe, args, env); err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("db up --detach: %w", err))
	}
	st, err := ReadState(state)
	if err != nil {
		return State{}, exit.Unavailable(fmt.Errorf("db up --detach: %w", err))
	}
	st.Log = logPath
	_ = detach.WriteJSON(state, st)
	return st, nil
}

// StopDetached stops the detached db up recorded in the state file
// (detach.Stop: only if it is still the process that wrote the state), and
// says on log what it did: stopped it, found nothing to stop, or removed a
// stale state file.
func StopDetached(ctx context.Context, state string, timeout time.Duration, log io.Writer) error {
	st, err := ReadState(state)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return exit.Unavailable(fmt.Errorf("db down: %w", err))
	}
	outcome, p, err := detach.Stop(ctx, state, timeout)
	switch {
	case err != nil:
		return exit.Unavailable(fmt.Errorf("stop db up (pid %d): %w; see its log %s", p.PID, err, st.Log))
	case outcome == detach.NotFound:
		fmt.Fprintf(log, "no detached db up is running (no %s); a foreground perfgate db up stops and removes its database on Ctrl-C\n", state)
	case outcome == detach.Stale:
		staleNote(log, "db up", p)
	default:
		fmt.Fprintf(log, "stopped db up (pid %d, provider %s); its database is removed\n", p.PID, st.Provider)
	}
	return nil
}

// RemoveStaleState removes the state file of a db up that no longer runs,
// saying on log whether its pid now names an unrelated process.
func RemoveStaleState(path string, st State, log io.Writer) error {
	if err := detach.Remove(path); err != nil {
		return exit.Unavailable(err)
	}
	staleNote(log, "db up", st.Process)
	return nil
}

// staleNote says that what was recorded no longer runs, and whether its
// pid now belongs to an unrelated process (which was left alone).
func staleNote(log io.Writer, what string, p detach.Process) {
	if _, err := detach.ProcessOf(p.PID); err == nil {
		fmt.Fprintf(log, "%s (pid %d) was no longer running; pid %d now belongs to another process, which was left alone; removed the state file\n", what, p.PID, p.PID)
	} else {
		fmt.Fprintf(log, "%s (pid %d) was no longer running; removed its state file\n", what, p.PID)
	}
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
