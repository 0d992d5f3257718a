package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/spf13/cobra"
)

// registerSeedFlags adds the flags shared by db up and db seed, bound to
// o's fields.
func registerSeedFlags(cmd *cobra.Command, o *pgenv.SeedOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Profile, "scale", pgenv.DefaultProfile, "data profile: "+strings.Join(pgenv.ProfileNames(), ", ")+
		" (≈ 15k, 50k, 3.5M detail rows)")
	completeWords(cmd, "scale", pgenv.ProfileNames()...)
	fl.Int64Var(&o.Seed, "seed", pgenv.DefaultSeed, "random seed: the same seed and scale give the same rows, IDs included")
	fl.IntVar(&o.Users, "users", 0, "users of the main tenant (overrides the profile)")
	fl.IntVar(&o.Courses, "courses", 0, "courses (overrides the profile)")
	fl.IntVar(&o.Contents, "contents", 0, "contents per user and course (overrides the profile)")
	fl.IntVar(&o.Events, "events", 0, "mean detail events per content (overrides the profile)")
	fl.BoolVar(&o.Force, "force", false, "seed even though the tables already hold rows (rows are added, never deleted)")
	fl.StringVar(&o.Fixtures, "fixtures", fixtures.DefaultPath, "where to write the fixtures file that run --fixtures reads")
}

// dbSeedOptions are db seed's flags.
type dbSeedOptions struct {
	DSN string
	pgenv.SeedOptions
	Streams Streams
}

func newDBSeedCmd(streams Streams, runF func(context.Context, *dbSeedOptions) error) *cobra.Command {
	opts := &dbSeedOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Load deterministic synthetic data into an existing database",
		Args:  cmdArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.DSN, "dsn", "", "database to seed (also PERFGATE_DSN)")
	registerSeedFlags(cmd, &opts.SeedOptions)
	return cmd
}

func runDBSeed(ctx context.Context, opts *dbSeedOptions) error {
	if opts.DSN == "" {
		return exit.Usagef("db seed needs --dsn (or PERFGATE_DSN)")
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	rep, err := pgenv.Seed(ctx, opts.DSN, opts.SeedOptions)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.Streams.Out, rep.Line(opts.Fixtures))
	return nil
}
