package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
)

// abOptions are the flags of perfgate ab.
type abOptions struct {
	streams   Streams
	paths     []string
	loadFlags // --max-workers and --max-body (ab has no --target)
	tlsFlags
	overrides engine.Overrides
	// exec gets the flags that tune the A/B run and name its directory.
	exec          engine.ExecuteABOptions
	maxRegression string
	formats       string
	noProgress    bool
}

func newABCmd(streams Streams, runF func(context.Context, *abOptions) error) *cobra.Command {
	opts := &abOptions{streams: streams, exec: engine.ExecuteABOptions{AB: engine.ABOptions{Now: time.Now}}}
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
	fl.StringVar(&opts.exec.AB.Before, "before", "", "base URL of the old version (required)")
	fl.StringVar(&opts.exec.AB.After, "after", "", "base URL of the new version (required)")
	registerScenarioFlags(cmd, &opts.overrides, false)
	fl.StringVar(&opts.overrides.Rate, "rate", "", "request rate of every block: 5/s, 300/m or max (overrides the files)")
	registerTimeout(cmd, &opts.overrides)
	fl.IntVar(&opts.exec.AB.Rounds, "rounds", engine.DefaultABRounds, "pairs of blocks per scenario (one block per version each)")
	fl.DurationVar(&opts.exec.AB.Block, "block", engine.DefaultABBlock, "how long each block sends load")
	fl.StringVar(&opts.maxRegression, "max-regression", "10%", "largest growth of the gated percentile allowed, on its paired interval, e.g. 10% or 0.1")
	opts.loadFlags.registerLimits(cmd)
	registerDeliveryFlags(cmd, &opts.overrides)
	opts.tlsFlags.register(cmd)
	fl.StringVar(&opts.exec.Out, "out", "", "directory to write, new or empty (default reports/<UTC time>-ab[-label])")
	fl.StringVar(&opts.exec.AB.Label, "label", "", "name of this A/B run; the two runs are labelled <label>-before and <label>-after")
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
	ex := opts.exec
	if err := ex.AB.Validate(); err != nil {
		return err
	}
	if ex.AB.MaxRegression, err = compare.ParseMaxRegression(opts.maxRegression); err != nil {
		return err
	}
	if ex.AB.MaxBody, err = opts.loadFlags.check(); err != nil {
		return err
	}
	if ex.AB.TLS, err = opts.tlsFlags.config(); err != nil {
		return err
	}
	pairs, err := engine.PlanAB(opts.paths, opts.overrides, ex.AB.Before, ex.AB.After)
	if err != nil {
		return err
	}
	ex.AB.MaxWorkers, ex.AB.Log, ex.AB.Tool = opts.maxWorkers, opts.streams.ErrOut, model.ThisTool()
	if opts.streams.ErrIsTerminal && !opts.noProgress {
		ex.AB.Progress = opts.streams.ErrOut
	}
	ex.Write = func(d *engine.ABDir, res *engine.ABResult) error {
		if err := formats.Write(d.Path, res.AB, opts.streams.Out); err != nil {
			return err
		}
		// perfgate compare of the two run directories, beside the speed-ups.
		both, err := res.Compare(d.Before.Path, d.After.Path, ex.AB.MaxRegression)
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
		return nil
	}
	res, err := engine.ExecuteAB(ctx, pairs, ex)
	if err == nil && !res.AB.Pass {
		err = exit.ErrGateFailed
	}
	return err
}
