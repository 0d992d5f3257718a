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
	if runF == nil {
		runF = runDBIndexes
	}
	opts := &dbIndexesOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "indexes apply|rollback|verify",
		Short: "Apply, roll back or verify the seven indexes of the deployment checklist",
		Long: `indexes manages the checklist's seven indexes, with the names of the
service's migration (add_performance_indexes.sql): four on content_tracking
(userId+courseId+tenantId, userId+tenantId, courseId+tenantId, createdOn) and
three on content_tracking_details (contentTrackingId, userId, eid). It reads
the catalog of the tables the search path resolves: an index counts by its
table and columns, not only its name.

  apply     CREATE INDEX CONCURRENTLY for each missing index, on the
            schema-qualified table, then ANALYZE both tables; an index on the
            same columns under another name is kept (no duplicate), an INVALID
            one is rebuilt; refuses (exit 2, nothing built) when one of the
            names is taken by an index on other columns
  rollback  DROP INDEX CONCURRENTLY IF EXISTS "schema"."name" for each of the
            migration's indexes found on the two tables, never by bare name;
            an equivalent index under another name is left in place and
            reported (the "before" state is then not reached)
  verify    prints the 4 + 3 table of the checklist's pg_indexes query, with
            "present as NAME" for an equivalent index under another name;
            exit 1 when any index is missing, INVALID or on wrong columns

internal/pgenv/sql holds the migration for applying it by hand.`,
		Example: `  perfgate db indexes verify --dsn "$PERFGATE_DSN"
  perfgate db indexes apply --dsn postgres://user:pass@127.0.0.1:5432/app`,
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
