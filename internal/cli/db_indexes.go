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
		Long: `indexes manages the checklist's seven indexes: four on content_tracking
(userId+courseId+tenantId, userId+tenantId, courseId+tenantId, createdOn) and
three on content_tracking_details (contentTrackingId, userId, eid).

  apply     CREATE INDEX CONCURRENTLY IF NOT EXISTS, then ANALYZE both tables
  rollback  DROP INDEX CONCURRENTLY IF EXISTS: back to the "before" state
  verify    prints the 4 + 3 table of the checklist's pg_indexes query;
            exit 1 when any index is missing or INVALID

The SQL is embedded in the binary; the same files are in internal/pgenv/sql.`,
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
	out, errOut := opts.Streams.Out, opts.Streams.ErrOut
	start := time.Now()
	switch opts.Action {
	case "apply":
		if err := pgenv.ApplyIndexes(ctx, opts.DSN); err != nil {
			return exit.Unavailable(err)
		}
		fmt.Fprintf(errOut, "applied the seven indexes and analyzed both tables in %s\n", time.Since(start).Round(time.Millisecond))
	case "rollback":
		if err := pgenv.RollbackIndexes(ctx, opts.DSN); err != nil {
			return exit.Unavailable(err)
		}
		fmt.Fprintf(errOut, "dropped the seven indexes in %s\n", time.Since(start).Round(time.Millisecond))
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
