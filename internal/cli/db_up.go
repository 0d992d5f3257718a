package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// dbUpOptions are db up's flags and injected streams.
type dbUpOptions struct {
	Provider string
	DSN      string
	Image    string
	Indexes  string // on | off
	Detach   bool
	// StateFile, when set, makes db up record itself there once ready and
	// remove the file when it stops: what --detach's background process does.
	StateFile string
	seedFlags

	Streams Streams
	// ready, when set, is called once the database is up (tests).
	ready func(dsn, fixtures string)
}

func newDBUpCmd(streams Streams, runF func(context.Context, *dbUpOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDBUp
	}
	opts := &dbUpOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start Postgres, create the schema, seed it, and print its DSN",
		Args:  cmdArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Provider, "provider", pgenv.ProviderAuto, "auto, local, docker or dsn")
	fl.StringVar(&opts.DSN, "dsn", "", "existing database for --provider dsn (also PERFGATE_DSN)")
	fl.StringVar(&opts.Image, "image", pgenv.DefaultImage, "container image for --provider docker")
	fl.StringVar(&opts.Indexes, "indexes", "off", `apply the seven indexes: on, or off (the "before" state)`)
	completeWords(cmd, "provider", pgenv.ProviderNames...)
	completeWords(cmd, "indexes", "on", "off")
	fl.BoolVar(&opts.Detach, "detach", false, "return once ready and leave the database running; stop it with perfgate db down")
	fl.StringVar(&opts.StateFile, "state-file", "", "where a detached db up records itself for db down (default "+pgenv.DefaultStateFile()+")")
	opts.seedFlags.register(cmd)
	return cmd
}

func (o *dbUpOptions) validate() (pgenv.SeedOptions, error) {
	if o.Indexes != "on" && o.Indexes != "off" {
		return pgenv.SeedOptions{}, exit.Usagef("--indexes %q: use on or off", o.Indexes)
	}
	if _, err := pgenv.NewProvider(o.Provider, pgenv.ProviderConfig{DSN: o.DSN, Image: o.Image}); err != nil {
		return pgenv.SeedOptions{}, exit.Usage(err)
	}
	return o.seedFlags.options()
}

func runDBUp(ctx context.Context, opts *dbUpOptions) error {
	so, err := opts.validate()
	if err != nil {
		return err
	}
	fixturesPath, err := filepath.Abs(opts.Fixtures)
	if err != nil {
		return exit.Usage(err)
	}
	provider, _ := pgenv.NewProvider(opts.Provider, pgenv.ProviderConfig{DSN: opts.DSN, Image: opts.Image})
	// An existing database needs no process to keep it: nothing to detach.
	ephemeral := provider.Name() != pgenv.ProviderDSN
	if opts.Detach && ephemeral {
		return detachDBUp(ctx, opts)
	}
	errOut := opts.Streams.ErrOut
	pgenv.CleanLeftovers(errOut)
	up, err := pgenv.BringUp(ctx, pgenv.UpOptions{Provider: provider, Seed: so, Indexes: opts.Indexes == "on", Fixtures: fixturesPath, Log: errOut})
	if err != nil {
		return err
	}
	defer func() {
		if err := up.DB.Stop(); err != nil {
			fmt.Fprintf(errOut, "perfgate: stop database: %v\n", err)
		}
	}()
	dsn := up.DB.DSN()
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_DSN=%s\nPERFGATE_FIXTURES=%s\n", dsn, fixturesPath)
	if !ephemeral {
		fmt.Fprintf(errOut, "ready in %s; the database at --dsn stays as it is\n", time.Since(up.Started).Round(time.Millisecond))
		return nil
	}
	if opts.StateFile != "" {
		if err := pgenv.WriteState(opts.StateFile, up, fixturesPath); err != nil {
			return exit.Unavailable(fmt.Errorf("db up: state file: %w", err))
		}
		defer detach.Remove(opts.StateFile)
	}
	fmt.Fprintf(errOut, "ready in %s; Ctrl-C stops and removes the database\n", time.Since(up.Started).Round(time.Millisecond))
	if opts.ready != nil {
		opts.ready(dsn, fixturesPath)
	}
	<-ctx.Done()
	fmt.Fprintln(errOut, "stopping the database")
	return nil
}

// detachDBUp runs db up in a background process of its own (this
// executable, with the same flags and --state-file) and returns once that
// process reports the database ready.
func detachDBUp(ctx context.Context, opts *dbUpOptions) error {
	state := opts.StateFile
	if state == "" {
		state = pgenv.DefaultStateFile()
	}
	args := []string{"db", "up", "--provider", opts.Provider, "--image", opts.Image, "--indexes", opts.Indexes,
		"--scale", opts.Scale, "--seed", strconv.FormatInt(opts.Seed, 10), "--fixtures", opts.Fixtures,
		"--state-file", state}
	for flag, v := range map[string]int{"--users": opts.Users, "--courses": opts.Courses, "--contents": opts.Contents, "--events": opts.Events} {
		if v > 0 {
			args = append(args, flag, strconv.Itoa(v))
		}
	}
	if opts.Force {
		args = append(args, "--force")
	}
	st, err := pgenv.StartDetached(ctx, state, args, append(os.Environ(), "PERFGATE_DSN="+opts.DSN), opts.Streams.ErrOut)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_DSN=%s\nPERFGATE_FIXTURES=%s\n", st.DSN, st.Fixtures)
	fmt.Fprintf(opts.Streams.ErrOut, "db up running in the background (pid %d, log %s); perfgate db down stops it\n", st.PID, st.Log)
	return nil
}
