package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

type diffOptions struct {
	streams       Streams
	paths         []string
	before, after string
	samples       int
	explore       int
	seed          int64
	maxSubset     int
	ignore        []string
	unordered     []string
	out           string
	overrides     engine.Overrides
	tlsFlags
}

func newDiffCmd(streams Streams, runF func(context.Context, *diffOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDiff
	}
	opts := &diffOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "diff --before URL --after URL [PATH...]",
		Short: "Send the scenarios' requests and generated ones to two versions and compare the JSON answers",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.before, "before", "", "base URL of the old version (required)")
	fl.StringVar(&opts.after, "after", "", "base URL of the new version (required)")
	fl.IntVar(&opts.samples, "samples", equiv.DefaultSamples, "template variations per scenario: users and courses of the fixtures rotated")
	fl.IntVar(&opts.explore, "explore", equiv.DefaultExplore, "generated requests sent besides the scenarios' own (0: none)")
	fl.Int64Var(&opts.seed, "seed", equiv.DefaultSeed, "seed of the generated requests")
	fl.IntVar(&opts.maxSubset, "max-subset", equiv.DefaultMaxSubset, "most users and most courses in a generated request")
	fl.StringArrayVar(&opts.ignore, "ignore", nil, "jq path of values to drop before comparing, e.g. '.data[].course[].started_on'; hides every difference there (repeatable)")
	fl.StringArrayVar(&opts.unordered, "unordered", nil, "jq path of lists compared as multisets, e.g. '.data[].course[].completed_list'; hides their order (repeatable)")
	fl.StringVar(&opts.out, "out", "", "directory to write diff.json into, for perfgate compare --diff")
	fl.DurationVar(&opts.overrides.Timeout, "timeout", 0, fmt.Sprintf("per-request timeout (default: the scenario's load.timeout, else %s)", equiv.DefaultTimeout))
	registerScenarioFlags(cmd, &opts.overrides, false)
	opts.tlsFlags.register(cmd)
	return cmd
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	if err := engine.CheckBaseURL("--before", opts.before); err != nil {
		return err
	}
	if err := engine.CheckBaseURL("--after", opts.after); err != nil {
		return err
	}
	if opts.maxSubset < 1 {
		return exit.Usagef("--max-subset must be at least 1")
	}
	if _, err := equiv.NewNormalizer(opts.ignore, opts.unordered); err != nil {
		return exit.Usagef("--%v", err)
	}
	tlsConf, err := opts.tlsFlags.config()
	if err != nil {
		return err
	}
	ps, err := engine.Plan(opts.paths, opts.overrides, opts.before)
	if err != nil {
		return err
	}
	data, err := engine.TemplateData(opts.overrides)
	if err != nil {
		return err
	}
	session, err := equiv.Prepare(ps, data, equiv.CaseOptions{Before: opts.before, After: opts.after,
		Samples: opts.samples, Explore: opts.explore, Seed: opts.seed, MaxSubset: opts.maxSubset,
		Ignore: opts.ignore, Unordered: opts.unordered})
	if err != nil {
		return err
	}
	// Both versions must answer before either is sent anything.
	for _, target := range []string{opts.before, opts.after} {
		if err := load.Preflight(ctx, target, load.DefaultPreflightTimeout, tlsConf); err != nil {
			return exit.Unavailable(err)
		}
	}
	outs, err := session.Run(ctx, load.SenderTLS(tlsConf), func(o equiv.Outcome) { equiv.WriteOutcome(opts.streams.Out, o) })
	if err != nil {
		return err
	}
	rep := session.Summarize(outs)
	equiv.WriteReport(opts.streams.Out, rep)
	if opts.out != "" {
		if err := diffreport.Write(opts.out, rep); err != nil {
			return fmt.Errorf("diff --out: %w", err)
		}
	}
	if !rep.Pass {
		return exit.ErrGateFailed
	}
	return nil
}
