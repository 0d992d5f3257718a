package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/demo"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// demoOptions are demo's flags, bound straight to demo.Options, and the
// streams.
type demoOptions struct {
	demo.Options
	streams    Streams
	noProgress bool
}

func newDemoCmd(streams Streams, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "demo [PATH...]",
		Short: "Reproduce the 50 s -> 2 s claim end to end on an ephemeral database",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Scale, "scale", demo.DefaultScale, "data profile: "+strings.Join(pgenv.ProfileNames(), ", "))
	completeWords(cmd, "scale", pgenv.ProfileNames()...)
	fl.Int64Var(&opts.Seed, "seed", pgenv.DefaultSeed, "seed of the synthetic data")
	fl.BoolVar(&opts.Matrix, "matrix", false, "also run new code without indexes and old code with indexes (the 2×2)")
	fl.StringVar(&opts.Dir, "out", "", "directory for every file of the demo (default reports/demo-<UTC time>)")
	fl.DurationVar(&opts.Duration, "duration", demo.DefaultDuration, "the least each scenario is driven in each phase")
	fl.DurationVar(&opts.SampleBudget, "sample-budget", demo.DefaultSampleBudget, "the most a slow scenario is driven for to collect the requests a p90, p95 or p99 needs")
	fl.StringVar(&opts.Claim, "claim", demo.DefaultClaim, "the claim to judge: before:after latency")
	fl.BoolVar(&opts.noProgress, "no-progress", false, "never draw progress")
	return cmd
}

func runDemo(ctx context.Context, opts *demoOptions) error {
	o := opts.Options
	if opts.streams.ErrIsTerminal && !opts.noProgress {
		o.Progress = opts.streams.ErrOut
	}
	o.Log = opts.streams.ErrOut
	o.Tool = model.ThisTool()
	res, err := demo.Run(ctx, o, opts.streams.Out)
	if err != nil {
		return err
	}
	if !res.OK {
		return exit.ErrGateFailed
	}
	return nil
}
