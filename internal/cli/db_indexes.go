package cli

import (
	"context"
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
	errOut := opts.Streams.ErrOut
	res, err := pgenv.ManageIndexes(ctx, opts.DSN, pgenv.IndexAction(opts.Action))
	if res.Changes != nil {
		if err := res.Changes.WriteText(errOut); err != nil {
			return err
		}
		fmt.Fprintf(errOut, "%s (%s)\n", res.Changes.Summary(), res.Elapsed.Round(time.Millisecond))
	}
	if err != nil {
		return err
	}
	if err := res.Report.WriteTable(opts.Streams.Out); err != nil {
		return err
	}
	if !res.OK() {
		fmt.Fprintf(errOut, "perfgate: %d of %d indexes missing (%s); run perfgate db indexes apply\n",
			len(res.Report.Missing), len(pgenv.Indexes), strings.Join(res.Report.Missing, ", "))
		return exit.ErrGateFailed
	}
	return nil
}
