package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/scenario"
)

// compareOptions are the flags of perfgate compare.
type compareOptions struct {
	streams         Streams
	before, after   string
	claim           string
	claimPercentile string
	claimScenario   string
	maxRegression   string
	minEffect       time.Duration
	allow           bool
	percentiles     []string
	claimTolerance  string
	formats         string
	out             string
	diff            string
	latencies       compare.LatencyLoader // injected by tests; nil reads Parquet
}

func newCompareCmd(streams Streams, runF func(context.Context, *compareOptions) error) *cobra.Command {
	if runF == nil {
		runF = runCompare
	}
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
	f.StringVar(&opts.claim, "claim", "", "claimed latencies BEFORE:AFTER, e.g. 50s:2s")
	f.StringVar(&opts.claimPercentile, "claim-percentile", compare.DefaultClaimPercentile, "percentile the claim is judged on: p50, p90, p95 or p99")
	f.StringVar(&opts.claimScenario, "claim-scenario", "", "scenario the claim is judged on (default: the first scenario in both runs)")
	f.StringVar(&opts.maxRegression, "max-regression", figure.Share(compare.DefaultMaxRegression), "growth a row's interval must lie wholly beyond to fail the gate, e.g. 10% or 0.1")
	f.DurationVar(&opts.minEffect, "min-effect", compare.DefaultMinEffect, "smallest absolute change a row calls faster or slower and the gate a regression (0: the interval alone)")
	f.BoolVar(&opts.allow, "allow-inconclusive", false, "let rows and a claim too few requests can judge pass the gate, as warnings")
	f.StringSliceVar(&opts.percentiles, "percentiles", compare.DefaultPercentiles, "rows to compare and gate: p50, p90, p95, p99, max")
	f.StringVar(&opts.claimTolerance, "claim-tolerance", figure.Share(compare.DefaultClaimTolerance), "how far the measured before may lie from the claimed before for \"reproduced\"")
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
	maxReg, err := scenario.ParsePositivePercent(opts.maxRegression)
	if err != nil {
		return exit.Usagef("--max-regression %q: %v; write e.g. 10%% or 0.1", opts.maxRegression, err)
	}
	tolerance, err := scenario.ParsePositivePercent(opts.claimTolerance)
	if err != nil {
		return exit.Usagef("--claim-tolerance %q: %v; write e.g. 50%% or 0.5", opts.claimTolerance, err)
	}
	if opts.minEffect < 0 {
		return exit.Usagef("--min-effect %s: must not be negative; write e.g. 2ms, or 0 to judge on the interval alone", opts.minEffect)
	}
	minEffect := opts.minEffect
	if minEffect == 0 {
		minEffect = compare.NoMinEffect
	}
	copts := compare.Options{
		MaxRegression:     maxReg,
		MinEffect:         minEffect,
		AllowInconclusive: opts.allow,
		Percentiles:       opts.percentiles,
		ClaimPercentile:   opts.claimPercentile,
		ClaimScenario:     opts.claimScenario,
		ClaimTolerance:    tolerance,
		Latencies:         opts.latencies,
	}
	if copts.Latencies == nil {
		copts.Latencies = compare.RawLatencies(load.ReadLatencies)
	}
	if opts.claim != "" {
		c, err := compare.ParseClaim(opts.claim)
		if err != nil {
			return exit.Usage(fmt.Errorf("--claim: %w", err))
		}
		copts.Claim = &c
	}
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
	if out == "" {
		out = after.Dir
	}
	if formats.WritesFiles() {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return exit.Usagef("--out %s: %v; choose a directory perfgate can write", out, err)
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
