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
	opts := &dbDownOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop a db up started with --detach",
		Args:  cmdArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.StateFile, "state-file", pgenv.DefaultStateFile(), "state file written by db up --detach")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", pgenv.DefaultDetachStopTimeout, "how long to wait for the database to stop")
	return cmd
}

func runDBDown(ctx context.Context, opts *dbDownOptions) error {
	pgenv.CleanLeftovers(opts.Streams.ErrOut)
	return pgenv.StopDetached(ctx, opts.StateFile, opts.Timeout, opts.Streams.ErrOut)
}
