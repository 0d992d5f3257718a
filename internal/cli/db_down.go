package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
)

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
removes the state file. It signals the process only if it is still the db up
that wrote the state file (same pid and start time): after a crash, a reused
pid belongs to someone else and is left alone. It also removes the local
clusters that a db up killed with kill -9 left in the temporary directory.
A db up running in the foreground is stopped by Ctrl-C instead; a --dsn
database is never touched.`,
		Example: `  set -a; eval "$(perfgate db up --detach)"; set +a
  perfgate db down`,
		Args: cmdArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.StateFile, "state-file", pgenv.DefaultStateFile(), "state file written by db up --detach")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Second, "how long to wait for the database to stop")
	return cmd
}

func runDBDown(ctx context.Context, opts *dbDownOptions) error {
	errOut := opts.Streams.ErrOut
	removeLeftoverClusters(errOut)
	st, err := pgenv.ReadState(opts.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(errOut, "no detached db up is running (no %s); a foreground perfgate db up stops and removes its database on Ctrl-C\n", opts.StateFile)
		return nil
	}
	if err != nil {
		return exit.Unavailable(fmt.Errorf("db down: %w", err))
	}
	if err := st.Signal(syscall.SIGTERM); errors.Is(err, pgenv.ErrNotSameProcess) {
		return removeStaleState(errOut, opts.StateFile, st)
	} else if err != nil {
		return exit.Unavailable(fmt.Errorf("stop db up (pid %d): %w", st.PID, err))
	}
	deadline := time.Now().Add(opts.Timeout)
	for st.Running() {
		if time.Now().After(deadline) {
			return exit.Unavailable(fmt.Errorf("db up (pid %d) still running %s after SIGTERM; see its log %s", st.PID, opts.Timeout, st.Log))
		}
		select {
		case <-ctx.Done():
			return exit.Unavailable(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := pgenv.RemoveState(opts.StateFile); err != nil {
		return exit.Unavailable(err)
	}
	fmt.Fprintf(errOut, "stopped db up (pid %d, provider %s); its database is removed\n", st.PID, st.Provider)
	return nil
}

// removeStaleState removes the state file of a db up that no longer runs,
// saying whether its pid now names an unrelated process (left alone).
func removeStaleState(w io.Writer, path string, st pgenv.State) error {
	if err := pgenv.RemoveState(path); err != nil {
		return exit.Unavailable(err)
	}
	if _, err := pgenv.ProcessOf(st.PID); err == nil {
		fmt.Fprintf(w, "db up (pid %d) was no longer running; pid %d now belongs to another process, which was left alone; removed the state file\n", st.PID, st.PID)
	} else {
		fmt.Fprintf(w, "db up (pid %d) was no longer running; removed its state file\n", st.PID)
	}
	return nil
}

// removeLeftoverClusters removes the local clusters that a db up killed
// with kill -9 left behind, and says so. A failure is a warning: it does
// not stop the command that found it.
func removeLeftoverClusters(w io.Writer) {
	gone, err := pgenv.RemoveLeftovers("")
	for _, lo := range gone {
		stopped := ""
		if lo.Server > 0 {
			stopped = fmt.Sprintf("; stopped its server (pid %d)", lo.Server)
		}
		fmt.Fprintf(w, "removed %s, left by a perfgate process that died (pid %d)%s\n", lo.Dir, lo.Owner.PID, stopped)
	}
	if err != nil {
		fmt.Fprintf(w, "perfgate: warning: %v\n", err)
	}
}
