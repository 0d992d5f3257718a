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
		Long: `report renders a saved run directory (or its summary.json) again, in any
format: text to stdout; summary.json, summary.md, junit.xml and report.html
into --out (default: the run directory itself). The HTML report draws its
charts from the raw results (<scenario>.parquet) next to summary.json; when
they are missing it says so and draws what the summary allows.

Several RUNs, the shards of one distributed run (run --shard i/N), are
merged into a new run directory, --out (default reports/<UTC time>-<label>):
their raw results are streamed into one <scenario>.parquet per scenario
(the shard column says where each row came from), and every figure is
recomputed from that union: exact percentiles over every latency, never
averaged; status codes, errors, bytes; the achieved rate over the union's
send times, against the whole run's requested rate. The criteria are judged
again on the union (jq check tallies are the sums of the shards'), and the
exit code is run's: 0 pass, 1 a criterion failed, 3 a shard was interrupted.
This is the report to gate on. Database figures come from shard 0's probe,
rescaled to the requests of all shards.

A RUN may also be a directory whose subdirectories are shards (they hold
shard.json), e.g. /results/<run> with shard-0 … shard-3: no shell glob is
needed. The merge refuses, with exit 2, shards of different scenario sets,
rates, durations, requests or criteria, different shard counts, a shard
given twice, a missing shard, and runs that are not shards. One shard's
directory given alone is re-rendered as it is: its own share of the load.`,
		Example: `  perfgate report reports/20250314T092653Z-after --format md,junit,html
  perfgate report reports/20250314T092653Z-after/summary.json --format html --out /tmp/site
  perfgate report reports/20250314T092653Z-after --format md --out . && cat summary.md >> "$GITHUB_STEP_SUMMARY"

  # merge the four shards of a distributed run and gate on the result
  perfgate report reports/*-after-shard-*-of-4 --out reports/after-merged --format text,json,html
  perfgate report /results/run-1 --out /results/run-1/merged --format text,json,md,junit,html`,
		Args: cmdArgs(cobra.MinimumNArgs(1), "RUN is a run directory or its summary.json; several RUNs are the shards of one distributed run"),
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
