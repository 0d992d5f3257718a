package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

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
		Args: cmdArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.runs = args
			return runReport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.formats, "format", report.FormatText, "formats to render, comma-separated: text,json,md,junit,html")
	cmd.Flags().StringVar(&opts.out, "out", "", "directory for the files (default: the run directory)")
	return cmd
}

func runReport(ctx context.Context, opts *reportOptions) error {
	formats, err := report.ParseFormats(opts.formats)
	if err != nil {
		return exit.Usage(fmt.Errorf("--format: %w", err))
	}
	dirs, expanded := shardDirs(opts.runs)
	if len(dirs) > 1 || expanded {
		return mergeShards(ctx, dirs, opts.out, formats, opts.now, opts.streams.Out)
	}
	run, err := model.ReadRun(opts.runs[0])
	if err != nil {
		return exit.Usage(fmt.Errorf("%w; pass a run directory or its summary.json", err))
	}
	dir := runDir(opts.runs[0])
	out := opts.out
	if out == "" {
		out = dir
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, f := range formats {
		switch f {
		case report.FormatText:
			if err := report.Text(opts.streams.Out, run); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		case report.FormatJSON:
			if err := model.WriteRun(out, run); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
	}
	if err := report.WriteFiles(out, run, formats, rawSource(dir, run)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// runDir is the directory of a run given as a directory or a summary.json.
func runDir(path string) string {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// rawSource adapts the Parquet raw results of run, stored in dir, to the
// report's RawSource (run and report use it for the HTML charts).
func rawSource(dir string, _ *model.Run) report.RawSource {
	return func(sc *model.Scenario, fn func(time.Time, time.Duration, uint16) error) error {
		if sc.Raw == "" {
			return fmt.Errorf("scenario %s has no raw results file", sc.Name)
		}
		return load.ReadRaw(filepath.Join(dir, sc.Raw), func(r *load.Result) error {
			return fn(r.Timestamp, r.Latency, r.Code)
		})
	}
}

// rawLatencies reads a scenario's raw latencies for compare.
func rawLatencies(_ *model.Run, dir string, sc *model.Scenario) ([]time.Duration, error) {
	if sc.Raw == "" {
		return nil, fmt.Errorf("scenario %s has no raw results file", sc.Name)
	}
	return load.ReadLatencies(filepath.Join(dir, sc.Raw))
}
