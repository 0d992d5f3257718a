package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/spf13/cobra"
)

// dbState is what a detached db up leaves for db down.
type dbState struct {
	PID      int       `json:"pid"`
	Provider string    `json:"provider"`
	DSN      string    `json:"dsn"` // file mode 0600: it may hold a password
	Fixtures string    `json:"fixtures"`
	Log      string    `json:"log"`
	Started  time.Time `json:"started"`
}

// defaultStateFile is where a detached db up records itself.
func defaultStateFile() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("perfgate-db-%d", os.Getuid()), "state.json")
}

func readState(path string) (dbState, error) {
	var st dbState
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("state file %s: %w", path, err)
	}
	return st, nil
}

func writeState(path string, st dbState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// alive reports whether a process with pid exists.
func alive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// dbDownOptions are db down's flags.
type dbDownOptions struct {
	StateFile string
	Timeout   time.Duration
	Streams   Streams
}

func newDBDownCmd(streams Streams, runF func(context.Context, *dbDownOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDBDown
	}
	opts := &dbDownOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop a db up started with --detach",
		Long: `down stops the database of a "db up --detach" (it sends SIGTERM to the
detached process, which stops and removes its cluster or container) and
removes the state file. A db up running in the foreground is stopped by
Ctrl-C instead; a --dsn database is never touched.`,
		Example: `  set -a; eval "$(perfgate db up --detach)"; set +a
  perfgate db down`,
		Args: cmdArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.StateFile, "state-file", defaultStateFile(), "state file written by db up --detach")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Second, "how long to wait for the database to stop")
	return cmd
}

func runDBDown(ctx context.Context, opts *dbDownOptions) error {
	st, err := readState(opts.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(opts.Streams.ErrOut, "no detached db up is running (no %s); a foreground perfgate db up stops and removes its database on Ctrl-C\n", opts.StateFile)
		return nil
	}
	if err != nil {
		return exit.Unavailable(err)
	}
	if !alive(st.PID) {
		_ = os.Remove(opts.StateFile)
		fmt.Fprintf(opts.Streams.ErrOut, "db up (pid %d) was no longer running; removed its state file\n", st.PID)
		return nil
	}
	if err := syscall.Kill(st.PID, syscall.SIGTERM); err != nil {
		return exit.Unavailable(fmt.Errorf("stop db up (pid %d): %w", st.PID, err))
	}
	deadline := time.Now().Add(opts.Timeout)
	for alive(st.PID) {
		if time.Now().After(deadline) {
			return exit.Unavailable(fmt.Errorf("db up (pid %d) still running %s after SIGTERM; see its log %s", st.PID, opts.Timeout, st.Log))
		}
		select {
		case <-ctx.Done():
			return exit.Unavailable(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	_ = os.Remove(opts.StateFile)
	fmt.Fprintf(opts.Streams.ErrOut, "stopped db up (pid %d, provider %s); its database is removed\n", st.PID, st.Provider)
	return nil
}
