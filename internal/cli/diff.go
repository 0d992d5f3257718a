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
	if runF == nil {
		runF = runDiff
	}
	opts := &diffOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "diff --before URL --after URL [PATH...]",
		Short: "Send the scenarios' requests and generated ones to two versions and compare the JSON answers",
		Long: fmt.Sprintf(`diff checks that a new version answers like the old one: the checklist's
"response format matches original, same counts and lists, all edge cases
work". It sends each scenario's request (default scenarios/; --samples N
for N variations of its template, users and courses rotated), then
--explore N generated requests (default %d), once to --before and once to
--after, one at a time, and compares the answers.

The generated requests take the method, path and headers of the first
scenario that expects a 2xx answer to a body with userId and courseId
lists, and draw the lists from the fixtures (--fixtures): 1 to
--max-subset users and courses in an order that is never sorted, with
users without rows, courses without rows for a user who has rows for
another, courses nobody started, unknown IDs, repeated IDs, IDs and the
tenant in another letter case, and the other tenant. The same --seed and
fixtures give the same requests. Each request costs what the old version
takes for it: against a slow "before", lower --explore, or diff on a
smaller database (equivalence does not need the claim's data).

  - the statuses must be equal, unless the scenario says
    diff: { expect_status_change: true } (then the bodies are not compared);
    a request that should succeed and gets a non-2xx answer from both
    versions is "not comparable" and fails the diff (two 404 pages prove
    nothing);
  - JSON bodies are compared value by value: missing and extra keys, list
    lengths, types and values all count (3 equals 3.0); a list holding the
    same elements in another order is one difference ("same 3 elements,
    different order");
  - --ignore and the scenario's diff.ignore drop values, --unordered and
    diff.unordered sort lists first; both take jq paths such as
    .data[].course[].started_on. Each hides differences (a dropped value is
    never compared, a sorted list's order never checked): the summary lists
    every one applied;
  - other bodies are compared byte for byte.

Each difference is printed with a curl command that reproduces its
request; the summary groups the differences by kind with the first
examples of each. --out DIR writes diff.json (schema %s), which
perfgate compare --diff DIR turns into the checklist's "Functional
verification" block. Both targets are tried before anything is sent.

Exit codes: 0 the answers are equal, 1 a difference was found or a request
was not comparable, 2 usage or scenario-file error (nothing sent), 3 a
target is unreachable, a request failed or timed out, or the command was
interrupted.`, equiv.DefaultExplore, diffreport.Schema),
		Example: `  # the naive and the optimised endpoint, side by side, on a seeded database
  perfgate diff --before http://127.0.0.1:3001 --after http://127.0.0.1:3002 --fixtures reports/fixtures.json

  # more generated requests, another seed, and the result for compare
  perfgate diff --before http://old:3000 --after http://new:3000 --fixtures reports/fixtures.json \
      --explore 500 --seed 7 --out reports/diff
  perfgate compare reports/latest-before reports/latest-after --diff reports/diff`,
		Args: cobra.ArbitraryArgs,
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
