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

// seedFlags are the flags shared by db up and db seed.
type seedFlags struct {
	Scale                            string
	Seed                             int64
	Users, Courses, Contents, Events int
	Force                            bool
	Fixtures                         string
}

func (f *seedFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.Scale, "scale", pgenv.DefaultProfile, "data profile: "+strings.Join(pgenv.ProfileNames(), ", ")+
		" (≈ 15k, 50k, 3.5M detail rows)")
	completeWords(cmd, "scale", pgenv.ProfileNames()...)
	fl.Int64Var(&f.Seed, "seed", pgenv.DefaultSeed, "random seed: the same seed and scale give the same rows, IDs included")
	fl.IntVar(&f.Users, "users", 0, "users of the main tenant (overrides the profile)")
	fl.IntVar(&f.Courses, "courses", 0, "courses (overrides the profile)")
	fl.IntVar(&f.Contents, "contents", 0, "contents per user and course (overrides the profile)")
	fl.IntVar(&f.Events, "events", 0, "mean detail events per content (overrides the profile)")
	fl.BoolVar(&f.Force, "force", false, "seed even though the tables already hold rows (rows are added, never deleted)")
	fl.StringVar(&f.Fixtures, "fixtures", fixtures.DefaultPath, "where to write the fixtures file that run --fixtures reads")
}

func (f *seedFlags) options() (pgenv.SeedOptions, error) {
	if _, ok := pgenv.Profiles[f.Scale]; !ok {
		return pgenv.SeedOptions{}, exit.Usagef("--scale %q: use one of %s", f.Scale, strings.Join(pgenv.ProfileNames(), ", "))
	}
	for name, v := range map[string]int{"users": f.Users, "courses": f.Courses, "contents": f.Contents, "events": f.Events} {
		if v < 0 {
			return pgenv.SeedOptions{}, exit.Usagef("--%s %d: must be positive (0 keeps the profile's count)", name, v)
		}
	}
	if f.Seed == 0 {
		return pgenv.SeedOptions{}, exit.Usagef("--seed 0: use a non-zero seed (the default is %d)", pgenv.DefaultSeed)
	}
	if f.Fixtures == "" {
		return pgenv.SeedOptions{}, exit.Usagef("--fixtures is empty: give the path of the fixtures file to write")
	}
	return pgenv.SeedOptions{Seed: f.Seed, Profile: f.Scale, Users: f.Users, Courses: f.Courses,
		Contents: f.Contents, Events: f.Events, Force: f.Force}, nil
}

// dbSeedOptions are db seed's flags.
type dbSeedOptions struct {
	DSN string
	seedFlags
	Streams Streams
}

func newDBSeedCmd(streams Streams, runF func(context.Context, *dbSeedOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDBSeed
	}
	opts := &dbSeedOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Load deterministic synthetic data into an existing database",
		Args:  cmdArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.DSN, "dsn", "", "database to seed (also PERFGATE_DSN)")
	opts.seedFlags.register(cmd)
	return cmd
}

func runDBSeed(ctx context.Context, opts *dbSeedOptions) error {
	if opts.DSN == "" {
		return exit.Usagef("db seed needs --dsn (or PERFGATE_DSN)")
	}
	so, err := opts.seedFlags.options()
	if err != nil {
		return err
	}
	rep, err := pgenv.Seed(ctx, opts.DSN, so)
	if err != nil {
		return err
	}
	if err := fixtures.Write(opts.Fixtures, &rep.Fixtures); err != nil {
		return exit.Unavailable(err)
	}
	fmt.Fprintln(opts.Streams.Out, rep.Line(opts.Fixtures))
	return nil
}
