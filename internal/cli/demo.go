package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/demo"
	"github.com/perfgate/perfgate/internal/exit"
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
	if runF == nil {
		runF = runDemo
	}
	opts := &demoOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "demo [PATH...]",
		Short: "Reproduce the 50 s -> 2 s claim end to end on an ephemeral database",
		Long: `demo tells the deployment checklist's story on this machine, with nothing to
set up: an ephemeral PostgreSQL cluster with synthetic data (--scale), the
reference endpoint before (the original N+1 loop, no indexes) and after (one
aggregated query, with the seven indexes), the four checklist scenarios on
each with the database probe, the migration verified, the two versions'
answers compared for equality, and the before/after comparison with the
claim's verdict. With --matrix it also runs the two mixed cells (new code
without indexes, old code with indexes) to show what each change buys.

Each scenario is driven one request at a time, for --duration at least
and, after timing one request, long enough for the requests its verdicts
need (p50 6, p90 36, p95 72, p99 368) as far as --sample-budget affords,
never fewer than 6; the comparison shows only the percentiles its
requests can judge.
Everything lands in reports/demo-<UTC time>/; the cluster is removed at the
end and on Ctrl-C. Exit 0 when the after run meets its criteria and the
claim holds (reproduced, or reproduced at this scale: the data here is
smaller than the claim's, and --scale claim gets closer), 1 otherwise, 3
when the demo could not run.`,
		Example: `  make demo                      # builds perfgate and runs: perfgate demo
  perfgate demo --matrix         # the 2×2: code × indexes
  perfgate demo --scale tiny --duration 2s`,
		Args: cobra.ArbitraryArgs,
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
	o.Tool = tool()
	res, err := demo.Run(ctx, o, opts.streams.Out)
	if err != nil {
		return err
	}
	if !res.OK {
		return exit.ErrGateFailed
	}
	return nil
}
