package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// dbIndexesOptions are db indexes' arguments and flags.
type dbIndexesOptions struct {
	Action  string // apply | rollback | verify
	DSN     string
	Streams Streams
}

func newDBIndexesCmd(streams Streams, runF func(context.Context, *dbIndexesOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDBIndexes
	}
	opts := &dbIndexesOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:       "indexes apply|rollback|verify",
		Short:     "Apply, roll back or verify the seven indexes of the deployment checklist",
		Args:      cmdArgs(cobra.ExactArgs(1), "say what to do: apply, rollback or verify"),
		ValidArgs: []string{"apply", "rollback", "verify"},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Action = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.DSN, "dsn", "", "database (also PERFGATE_DSN)")
	return cmd
}

func runDBIndexes(ctx context.Context, opts *dbIndexesOptions) error {
	if opts.DSN == "" {
		return exit.Usagef("db indexes needs --dsn (or PERFGATE_DSN)")
	}
	out, errOut := opts.Streams.Out, opts.Streams.ErrOut
	start := time.Now()
	switch opts.Action {
	case "apply", "rollback":
		changes, err := pgenv.ChangeIndexes(ctx, opts.DSN, pgenv.IndexAction(opts.Action))
		if errors.Is(err, pgenv.ErrIndexConflict) {
			return exit.Usage(err)
		}
		if err != nil {
			return exit.Unavailable(err)
		}
		if err := changes.WriteText(errOut); err != nil {
			return err
		}
		fmt.Fprintf(errOut, "%s (%s)\n", changes.Summary(), time.Since(start).Round(time.Millisecond))
	case "verify":
	default:
		return exit.Usagef("db indexes %q: use apply, rollback or verify", opts.Action)
	}
	rep, err := pgenv.VerifyIndexes(ctx, opts.DSN)
	if err != nil {
		return exit.Unavailable(err)
	}
	if err := rep.WriteTable(out); err != nil {
		return err
	}
	if opts.Action == "verify" && !rep.OK() {
		fmt.Fprintf(errOut, "perfgate: %d of %d indexes missing (%s); run perfgate db indexes apply\n",
			len(rep.Missing), len(pgenv.Indexes), strings.Join(rep.Missing, ", "))
		return exit.ErrGateFailed
	}
	return nil
}
