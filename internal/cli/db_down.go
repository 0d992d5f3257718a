package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

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
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", pgenv.DefaultDetachStopTimeout, "how long to wait for the database to stop")
	return cmd
}

func runDBDown(ctx context.Context, opts *dbDownOptions) error {
	pgenv.CleanLeftovers(opts.Streams.ErrOut)
	return pgenv.StopDetached(ctx, opts.StateFile, opts.Timeout, opts.Streams.ErrOut)
}
