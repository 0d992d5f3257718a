package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
)

// reportOptions are the flags of perfgate report.
type reportOptions struct {
	streams Streams
	runs    []string
	formats string
	out     string
	replace bool
	now     func() time.Time
}

func newReportCmd(streams Streams) *cobra.Command {
	opts := &reportOptions{streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:   "report RUN...",
		Short: "Re-render a saved run, or merge the shards of a distributed run",
		Args:  cmdArgs(cobra.MinimumNArgs(1), "RUN is a run directory or its summary.json; several RUNs are the shards of one distributed run"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.runs = args
			return runReport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.formats, "format", report.FormatText, "formats to render, comma-separated: "+strings.Join(report.RunFormats(nil).Names(), ","))
	completeList(cmd, "format", fixed(report.RunFormats(nil).Names()...))
	cmd.Flags().StringVar(&opts.out, "out", "", "directory for the files, new or empty (default: the run directory)")
	cmd.Flags().BoolVar(&opts.replace, "replace", false, "let --out replace a perfgate run directory that is already there")
	return cmd
}

func runReport(ctx context.Context, opts *reportOptions) error {
	formats, err := report.RunFormats(nil).Parse(opts.formats)
	if err != nil {
		return exit.Usage(fmt.Errorf("--format: %w", err))
	}
	if dirs, merge := engine.ShardDirs(opts.runs); merge {
		merged, err := engine.MergeShards(ctx, dirs, engine.MergeOptions{Out: opts.out, Replace: opts.replace, Now: opts.now,
			Write: func(dir string, run *model.Run) error {
				// summary.json always.
				return writeRun(dir, run, formats.With(report.RunFormats(nil), report.FormatJSON), opts.streams.Out, false)
			}})
		if err == nil && !merged.Pass {
			err = exit.ErrGateFailed
		}
		return err
	}
	return engine.Rerender(opts.runs[0], opts.out, opts.replace, func(dir, runDir string, run *model.Run) error {
		page := report.RunFormats(report.RawDir(runDir, load.ReadPoints)).Only(formats.Names())
		if err := page.Write(dir, run, opts.streams.Out); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	})
}
