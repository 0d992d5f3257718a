package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/report"
)

// compareOptions are the flags of perfgate compare: the comparison's own
// bound straight to compare.Flags.
type compareOptions struct {
	compare.Flags
	streams       Streams
	before, after string
	formats       string
	out           string
	diff          string
}

func newCompareCmd(streams Streams, runF func(context.Context, *compareOptions) error) *cobra.Command {
	opts := &compareOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "compare BEFORE AFTER",
		Short: "Compare two runs: each percentile's change with its interval, the gate, the claim verdict",
		Args:  cmdArgs(cobra.ExactArgs(2), "BEFORE and AFTER are two run directories (or their summary.json), e.g. reports/latest-before reports/latest-after"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.before, opts.after = args[0], args[1]
			return runF(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Claim, "claim", "", "claimed latencies BEFORE:AFTER, e.g. 50s:2s")
	f.StringVar(&opts.ClaimPercentile, "claim-percentile", compare.DefaultClaimPercentile, "percentile the claim is judged on: p50, p90, p95 or p99")
	f.StringVar(&opts.ClaimScenario, "claim-scenario", "", "scenario the claim is judged on (default: the first scenario in both runs)")
	f.StringVar(&opts.MaxRegression, "max-regression", figure.Share(compare.DefaultMaxRegression), "growth a row's interval must lie wholly beyond to fail the gate, e.g. 10% or 0.1")
	f.DurationVar(&opts.MinEffect, "min-effect", compare.DefaultMinEffect, "smallest absolute change a row calls faster or slower and the gate a regression (0: the interval alone)")
	f.BoolVar(&opts.AllowInconclusive, "allow-inconclusive", false, "let rows and a claim too few requests can judge pass the gate, as warnings")
	f.StringSliceVar(&opts.Percentiles, "percentiles", compare.DefaultPercentiles, "rows to compare and gate: p50, p90, p95, p99, max")
	f.StringVar(&opts.ClaimTolerance, "claim-tolerance", figure.Share(compare.DefaultClaimTolerance), "how far the measured before may lie from the claimed before for \"reproduced\"")
	f.StringVar(&opts.formats, "format", "text", "formats, comma-separated: "+strings.Join(report.CompareFormats.Names(), ","))
	completeList(cmd, "format", fixed(report.CompareFormats.Names()...))
	f.StringVar(&opts.out, "out", "", "directory for compare.md/json/html (default: the AFTER run directory)")
	f.StringVar(&opts.diff, "diff", "", "directory (or diff.json) written by perfgate diff --out: fills the functional verification")
	return cmd
}

func runCompare(_ context.Context, opts *compareOptions) error {
	formats, err := report.CompareFormats.Parse(opts.formats)
	if err != nil {
		return exit.Usage(fmt.Errorf("--format: %w", err))
	}
	copts, err := opts.Flags.Options()
	if err != nil {
		return err
	}
	copts.Latencies = compare.RawLatencies(load.ReadLatencies)
	res, after, err := compare.Runs(opts.before, opts.after, opts.diff, copts)
	if err != nil {
		return err
	}
	if !formats.Has(report.FormatText) {
		// The verdict on stdout even when only files are written: it is
		// the line every format opens with.
		fmt.Fprintln(opts.streams.Out, res.Headline)
	}
	out := opts.out
	if formats.WritesFiles() {
		if out, err = compare.CreateOutDir(opts.out, after); err != nil {
			return err
		}
	}
	if err := formats.Write(out, res, opts.streams.Out); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	if !res.Pass {
		return exit.ErrGateFailed
	}
	return nil
}
