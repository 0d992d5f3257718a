package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// dbUpOptions are db up's flags and injected streams.
type dbUpOptions struct {
	// UpOptions are bound to the flags; Indexes is set from indexes.
	pgenv.UpOptions
	indexes string // --indexes: on | off
	Detach  bool

	Streams Streams
	// rerun is this command line as a detached background process runs
	// it (detachArgs), without its state file.
	rerun []string
}

func newDBUpCmd(streams Streams, runF func(context.Context, *dbUpOptions) error) *cobra.Command {
	opts := &dbUpOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start Postgres, create the schema, seed it, and print its DSN",
		Args:  cmdArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.rerun = detachArgs(cmd)
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Provider, "provider", pgenv.ProviderAuto, "auto, local, docker or dsn")
	fl.StringVar(&opts.DSN, "dsn", "", "existing database for --provider dsn (also PERFGATE_DSN)")
	fl.StringVar(&opts.Image, "image", pgenv.DefaultImage, "container image for --provider docker")
	fl.StringVar(&opts.indexes, "indexes", "off", `apply the seven indexes: on, or off (the "before" state)`)
	completeWords(cmd, "provider", pgenv.ProviderNames...)
	completeWords(cmd, "indexes", "on", "off")
	fl.BoolVar(&opts.Detach, "detach", false, "return once ready and leave the database running; stop it with perfgate db down")
	fl.StringVar(&opts.StateFile, "state-file", "", "where a detached db up records itself for db down (default "+pgenv.DefaultStateFile()+")")
	registerSeedFlags(cmd, &opts.SeedOptions)
	return cmd
}

func runDBUp(ctx context.Context, opts *dbUpOptions) error {
	if opts.indexes != "on" && opts.indexes != "off" {
		return exit.Usagef("--indexes %q: use on or off", opts.indexes)
	}
	opts.Indexes = opts.indexes == "on"
	if err := opts.Validate(); err != nil {
		return err
	}
	if opts.Detach && opts.Ephemeral() {
		return detachDBUp(ctx, opts)
	}
	opts.Log = opts.Streams.ErrOut
	return pgenv.Hold(ctx, opts.UpOptions, func(up *pgenv.Up) {
		fmt.Fprintf(opts.Streams.Out, "PERFGATE_DSN=%s\nPERFGATE_FIXTURES=%s\n", up.DB.DSN(), up.Fixtures)
	})
}

// detachDBUp runs db up in a background process of its own (this
// executable, with the same flags and --state-file) and returns once that
// process reports the database ready.
func detachDBUp(ctx context.Context, opts *dbUpOptions) error {
	state := opts.StateFile
	if state == "" {
		state = pgenv.DefaultStateFile()
	}
	args := append(opts.rerun, "--state-file", state)
	st, err := pgenv.StartDetached(ctx, state, args, append(os.Environ(), "PERFGATE_DSN="+opts.DSN), opts.Streams.ErrOut)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Streams.Out, "PERFGATE_DSN=%s\nPERFGATE_FIXTURES=%s\n", st.DSN, st.Fixtures)
	fmt.Fprintf(opts.Streams.ErrOut, "db up running in the background (pid %d, log %s); perfgate db down stops it\n", st.PID, st.Log)
	return nil
}
