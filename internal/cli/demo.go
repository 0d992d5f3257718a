package cli

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/demo"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
)

type demoOptions struct {
	streams  Streams
	paths    []string
	scale    string
	seed     int64
	matrix   bool
	out      string
	duration time.Duration
	// sampleBudget is demo.Options.SampleBudget.
	sampleBudget time.Duration
	claim        string
	noProgress   bool
	now          func() time.Time
}

func newDemoCmd(streams Streams, runF func(context.Context, *demoOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDemo
	}
	opts := &demoOptions{streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:   "demo [PATH...]",
		Short: "Reproduce the 50 s -> 2 s claim end to end on an ephemeral database",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.scale, "scale", demo.DefaultScale, "data profile: "+strings.Join(pgenv.ProfileNames(), ", "))
	completeWords(cmd, "scale", pgenv.ProfileNames()...)
	fl.Int64Var(&opts.seed, "seed", pgenv.DefaultSeed, "seed of the synthetic data")
	fl.BoolVar(&opts.matrix, "matrix", false, "also run new code without indexes and old code with indexes (the 2×2)")
	fl.StringVar(&opts.out, "out", "", "directory for every file of the demo (default reports/demo-<UTC time>)")
	fl.DurationVar(&opts.duration, "duration", demo.DefaultDuration, "the least each scenario is driven in each phase")
	fl.DurationVar(&opts.sampleBudget, "sample-budget", demo.DefaultSampleBudget, "the most a slow scenario is driven for to collect the requests a p90, p95 or p99 needs")
	fl.StringVar(&opts.claim, "claim", demo.DefaultClaim, "the claim to judge: before:after latency")
	fl.BoolVar(&opts.noProgress, "no-progress", false, "never draw progress")
	return cmd
}

func runDemo(ctx context.Context, opts *demoOptions) error {
	claim, err := compare.ParseClaim(opts.claim)
	if err != nil {
		return exit.Usagef("--claim: %v", err)
	}
	var progress io.Writer
	if opts.streams.ErrIsTerminal && !opts.noProgress {
		progress = opts.streams.ErrOut
	}
	res, err := demo.Run(ctx, demo.Options{
		Paths:    opts.paths,
		Scale:    opts.scale,
		Seed:     opts.seed,
		Matrix:   opts.matrix,
		Dir:      opts.out,
		Duration: opts.duration,
		Claim:    claim,

		SampleBudget: opts.sampleBudget,
		Progress:     progress,
		Log:          opts.streams.ErrOut,
		Tool:         tool(),
		Now:          opts.now,
	}, opts.streams.Out)
	if err != nil {
		return err
	}
	if !res.OK {
		return exit.ErrGateFailed
	}
	return nil
}
