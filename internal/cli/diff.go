package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

type diffOptions struct {
	streams       Streams
	paths         []string
	before, after string
	samples       int
	ignore        []string
	unordered     []string
	overrides     engine.Overrides
}

func newDiffCmd(streams Streams, runF func(context.Context, *diffOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDiff
	}
	opts := &diffOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "diff --before URL --after URL [PATH...]",
		Short: "Send each scenario's request to two versions and compare the JSON answers",
		Long: `diff checks that a new version answers like the old one: "response format
matches original, same counts and lists". For each scenario (default
scenarios/), and with --samples N for N variations of its template over the
fixtures (users and courses rotated), it sends the request once to --before
and once to --after, one at a time, and compares the answers:

  - the statuses must be equal, unless the scenario says
    diff: { expect_status_change: true } (then the bodies are not compared);
  - JSON bodies are normalised, then compared value by value: --ignore and
    the scenario's diff.ignore drop values (timestamps), --unordered and
    diff.unordered sort lists so they compare as multisets. Both take jq
    path expressions such as .data[].course[].started_on; where a body has
    no such path, nothing is dropped or sorted there. Numbers compare by
    value (3 equals 3.0); missing and extra keys, list lengths and types
    all count;
  - other bodies are compared byte for byte.

Every difference is printed with its jq path and both values, then one
verdict line. Both targets are tried before anything is sent.

Exit codes: 0 the answers are equal, 1 a difference was found, 2 usage or
scenario-file error (nothing sent), 3 a target is unreachable, a request
failed or timed out, or the command was interrupted.`,
		Example: `  # the naive and the optimised endpoint, side by side
  perfgate diff --before http://127.0.0.1:3001 --after http://127.0.0.1:3002 scenarios/

  # five variations of each scenario over seeded fixtures, ignoring timestamps
  perfgate diff --before http://old:3000 --after http://new:3000 --fixtures reports/fixtures.json \
      --samples 5 --ignore '.data[].course[].started_on' --unordered '.data[].course[].completed_list'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.before, "before", "", "base URL of the old version (required)")
	fl.StringVar(&opts.after, "after", "", "base URL of the new version (required)")
	fl.IntVar(&opts.samples, "samples", 1, "template variations per scenario: users and courses of the fixtures rotated")
	fl.StringArrayVar(&opts.ignore, "ignore", nil, "jq path of values to drop before comparing, e.g. '.data[].course[].started_on' (repeatable)")
	fl.StringArrayVar(&opts.unordered, "unordered", nil, "jq path of lists compared as multisets, e.g. '.data[].course[].completed_list' (repeatable)")
	fl.DurationVar(&opts.overrides.Timeout, "timeout", 0, fmt.Sprintf("per-request timeout (default: the scenario's load.timeout, else %s)", equiv.DefaultTimeout))
	registerScenarioFlags(cmd, &opts.overrides, false)
	return cmd
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	if err := engine.CheckBaseURL("--before", opts.before); err != nil {
		return err
	}
	if err := engine.CheckBaseURL("--after", opts.after); err != nil {
		return err
	}
	if _, err := equiv.NewNormalizer(opts.ignore, opts.unordered); err != nil {
		return exit.Usagef("--%v", err)
	}
	ps, err := engine.Plan(opts.paths, opts.overrides, opts.before)
	if err != nil {
		return err
	}
	data, err := engine.TemplateData(opts.overrides)
	if err != nil {
		return err
	}
	cases, err := equiv.Cases(ps, data, equiv.CaseOptions{Before: opts.before, After: opts.after,
		Samples: opts.samples, Ignore: opts.ignore, Unordered: opts.unordered})
	if err != nil {
		return err
	}
	// Both versions must answer before either is sent anything.
	for _, target := range []string{opts.before, opts.after} {
		if err := load.Preflight(ctx, target, load.DefaultPreflightTimeout); err != nil {
			return exit.Unavailable(err)
		}
	}
	differences := 0
	_, err = equiv.Run(ctx, cases, nil, func(o equiv.Outcome) { differences += equiv.WriteOutcome(opts.streams.Out, o) })
	if err != nil {
		return err
	}
	equiv.WriteVerdict(opts.streams.Out, cases, differences)
	if differences > 0 {
		return exit.ErrGateFailed
	}
	return nil
}
