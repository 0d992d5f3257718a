package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/scenario"
)

// abOptions are the flags of perfgate ab.
type abOptions struct {
	streams       Streams
	paths         []string
	before, after string
	loadFlags     // --max-workers and --max-body (ab has no --target)
	tlsFlags
	overrides     engine.Overrides
	rounds        int
	block         time.Duration
	maxRegression string
	out           string
	label         string
	formats       string
	noProgress    bool
	now           func() time.Time
}

func newABCmd(streams Streams, runF func(context.Context, *abOptions) error) *cobra.Command {
	if runF == nil {
		runF = runAB
	}
	opts := &abOptions{streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:   "ab --before URL --after URL [PATH...]",
		Short: "Interleaved A/B: alternate short blocks of each scenario between two versions, so that drift cancels",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.before, "before", "", "base URL of the old version (required)")
	fl.StringVar(&opts.after, "after", "", "base URL of the new version (required)")
	registerScenarioFlags(cmd, &opts.overrides, false)
	fl.StringVar(&opts.overrides.Rate, "rate", "", "request rate of every block: 5/s, 300/m or max (overrides the files)")
	registerTimeout(cmd, &opts.overrides)
	fl.IntVar(&opts.rounds, "rounds", engine.DefaultABRounds, "pairs of blocks per scenario (one block per version each)")
	fl.DurationVar(&opts.block, "block", engine.DefaultABBlock, "how long each block sends load")
	fl.StringVar(&opts.maxRegression, "max-regression", "10%", "largest growth of the gated percentile allowed, on its paired interval, e.g. 10% or 0.1")
	fl.Uint64Var(&opts.maxWorkers, "max-workers", load.DefaultMaxWorkers, "upper bound on concurrent requests (vegeta workers)")
	fl.StringVar(&opts.maxBody, "max-body", "4MiB", "how much of each response body the jq checks read; a longer body fails them as truncated")
	registerDeliveryFlags(cmd, &opts.overrides)
	opts.tlsFlags.register(cmd)
	fl.StringVar(&opts.out, "out", "", "directory to write, new or empty (default reports/<UTC time>-ab[-label])")
	fl.StringVar(&opts.label, "label", "", "name of this A/B run; the two runs are labelled <label>-before and <label>-after")
	fl.StringVar(&opts.formats, "format", "text,json", "formats: text (stdout), json (ab.json, always written), md (ab.md)")
	fl.BoolVar(&opts.noProgress, "no-progress", false, "never draw progress (it is drawn only when stderr is a terminal)")
	return cmd
}

func runAB(ctx context.Context, opts *abOptions) error {
	formats, err := report.ABFormats.Parse(opts.formats)
	if err != nil {
		return exit.Usage(fmt.Errorf("--format: %w", err))
	}
	formats = formats.With(report.ABFormats, report.FormatJSON)
	if opts.rounds < 2 {
		return exit.Usagef("--rounds %d: give at least 2 pairs of blocks (an interval needs two), %d by default", opts.rounds, engine.DefaultABRounds)
	}
	if opts.block <= 0 {
		return exit.Usagef("--block must be a positive duration, such as %s", engine.DefaultABBlock)
	}
	maxReg, err := scenario.ParsePositivePercent(opts.maxRegression)
	if err != nil {
		return exit.Usagef("--max-regression %q: %v; write e.g. 10%% or 0.1", opts.maxRegression, err)
	}
	maxBody, err := opts.loadFlags.check()
	if err != nil {
		return err
	}
	tlsConf, err := opts.tlsFlags.config()
	if err != nil {
		return err
	}
	pairs, err := engine.PlanAB(opts.paths, opts.overrides, opts.before, opts.after)
	if err != nil {
		return err
	}
	if err := engine.PreflightAB(ctx, pairs, tlsConf); err != nil {
		return err
	}
	d, err := engine.CreateABDir(opts.out, opts.label, opts.now)
	if err != nil {
		return err
	}
	defer d.Close()
	var progress io.Writer
	if opts.streams.ErrIsTerminal && !opts.noProgress {
		progress = opts.streams.ErrOut
	}
	res, abErr := engine.AB(ctx, pairs, engine.ABOptions{
		Rounds: opts.rounds, Block: opts.block, BeforeDir: d.Before.Path, AfterDir: d.After.Path,
		Before: opts.before, After: opts.after, Label: opts.label,
		MaxWorkers: opts.maxWorkers, MaxBody: maxBody, TLS: tlsConf, MaxRegression: maxReg,
		Log: opts.streams.ErrOut, Progress: progress, Tool: tool(), Now: opts.now,
	})
	if abErr != nil {
		res.Before.Incomplete, res.After.Incomplete = abErr.Error(), abErr.Error()
	}
	// What was measured is written, whatever happened.
	jsonOnly := report.RunFormats(nil).Only([]string{report.FormatJSON})
	if err := writeRun(d.Before.Path, res.Before, jsonOnly, io.Discard, false); err != nil {
		return errors.Join(abErr, err)
	}
	if err := writeRun(d.After.Path, res.After, jsonOnly, io.Discard, false); err != nil {
		return errors.Join(abErr, err)
	}
	if err := formats.Write(d.Path, res.AB, opts.streams.Out); err != nil {
		return errors.Join(abErr, err)
	}
	// perfgate compare of the two run directories, beside the speed-ups.
	both, err := res.Compare(d.Before.Path, d.After.Path, maxReg)
	if err == nil {
		err = report.CompareFormats.Only([]string{report.FormatJSON, report.FormatMD}).Write(d.Path, both, io.Discard)
	}
	if err != nil {
		fmt.Fprintf(opts.streams.ErrOut, "perfgate: warning: the comparison of the two runs was not written: %v\n", err)
	} else if formats.Has(report.FormatText) {
		fmt.Fprintf(opts.streams.Out, "comparison of the two runs: %s\n", filepath.Join(d.Path, "compare.md"))
	}
	if formats.Has(report.FormatText) {
		fmt.Fprintf(opts.streams.Out, "run directories: %s, %s\n", d.Before.Path, d.After.Path)
	}
	switch {
	case abErr != nil:
		return abErr
	case res.AB.Interrupted:
		return exit.Unavailable(fmt.Errorf("interrupted: the blocks measured so far are in %s", d.Path))
	case !res.AB.Pass:
		return exit.ErrGateFailed
	}
	return nil
}
