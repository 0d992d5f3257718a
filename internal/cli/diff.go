package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
)

// diffOptions are diff's flags, bound straight to equiv.Options but for
// where diff.json goes and the TLS flags, and the streams.
type diffOptions struct {
	equiv.Options
	streams Streams
	out     string
	tlsFlags
}

func newDiffCmd(streams Streams, runF func(context.Context, *diffOptions) error) *cobra.Command {
	opts := &diffOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "diff --before URL --after URL [PATH...]",
		Short: "Send the scenarios' requests and generated ones to two versions and compare the JSON answers",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Before, "before", "", "base URL of the old version (required)")
	fl.StringVar(&opts.After, "after", "", "base URL of the new version (required)")
	fl.IntVar(&opts.Samples, "samples", equiv.DefaultSamples, "template variations per scenario: users and courses of the fixtures rotated")
	fl.IntVar(&opts.Explore, "explore", equiv.DefaultExplore, "generated requests sent besides the scenarios' own (0: none)")
	fl.Int64Var(&opts.Seed, "seed", equiv.DefaultSeed, "seed of the generated requests")
	fl.IntVar(&opts.MaxSubset, "max-subset", equiv.DefaultMaxSubset, "most users and most courses in a generated request")
	fl.StringArrayVar(&opts.Ignore, "ignore", nil, "jq path of values to drop before comparing, e.g. '.data[].course[].started_on'; hides every difference there (repeatable)")
	fl.StringArrayVar(&opts.Unordered, "unordered", nil, "jq path of lists compared as multisets, e.g. '.data[].course[].completed_list'; hides their order (repeatable)")
	fl.StringVar(&opts.out, "out", "", "directory to write diff.json into, for perfgate compare --diff")
	fl.DurationVar(&opts.Overrides.Timeout, "timeout", 0, fmt.Sprintf("per-request timeout (default: the scenario's load.timeout, else %s)", equiv.DefaultTimeout))
	registerScenarioFlags(cmd, &opts.Overrides, false)
	opts.tlsFlags.register(cmd)
	return cmd
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	// A bad flag is reported before a bad --cacert; DiffVersions checks
	// the options again, for its other callers.
	if err := opts.Check(); err != nil {
		return err
	}
	var err error
	if opts.TLS, err = opts.tlsFlags.config(); err != nil {
		return err
	}
	_, rep, err := equiv.DiffVersions(ctx, opts.Options, func(o equiv.Outcome) { equiv.WriteOutcome(opts.streams.Out, o) })
	if err != nil {
		return err
	}
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
