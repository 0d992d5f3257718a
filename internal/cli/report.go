package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/report"
)

// reportOptions are the flags of perfgate report.
type reportOptions struct {
	streams Streams
	runs    []string
	formats string
	out     string
}

func newReportCmd(streams Streams) *cobra.Command {
	opts := &reportOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "report RUN...",
		Short: "Re-render a saved run as text, json, md, junit or html",
		Long: `report renders a saved run directory (or its summary.json) again, in any
format: text to stdout; summary.json, summary.md, junit.xml and report.html
into --out (default: the run directory itself). The HTML report draws its
charts from the raw results (<scenario>.parquet) next to summary.json; when
they are missing it says so and draws what the summary allows.

Several RUNs (the shards of one distributed run) will be merged with every
figure recomputed from the union of their raw results; for now report takes
one RUN.`,
		Example: `  perfgate report reports/20250314T092653Z-after --format md,junit,html
  perfgate report reports/20250314T092653Z-after/summary.json --format html --out /tmp/site
  perfgate report reports/20250314T092653Z-after --format md --out . && cat summary.md >> "$GITHUB_STEP_SUMMARY"`,
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

func runReport(_ context.Context, opts *reportOptions) error {
	formats, err := report.ParseFormats(opts.formats)
	if err != nil {
		return usageErr(fmt.Errorf("--format: %w", err))
	}
	if len(opts.runs) > 1 {
		return usageErrf("report: merging %d runs (shards of one distributed run) is not implemented yet; pass one run directory", len(opts.runs))
	}
	run, err := report.ReadRun(opts.runs[0])
	if err != nil {
		return usageErr(fmt.Errorf("%w; pass a run directory or its summary.json", err))
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
			if err := report.WriteRun(out, run); err != nil {
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
func rawSource(dir string, _ *report.Run) report.RawSource {
	return func(sc *report.Scenario, fn func(time.Time, time.Duration, uint16) error) error {
		if sc.Raw == "" {
			return fmt.Errorf("scenario %s has no raw results file", sc.Name)
		}
		return load.ReadRaw(filepath.Join(dir, sc.Raw), func(r *load.Result) error {
			return fn(r.Timestamp, r.Latency, r.Code)
		})
	}
}

// rawLatencies reads a scenario's raw latencies for compare.
func rawLatencies(_ *report.Run, dir string, sc *report.Scenario) ([]time.Duration, error) {
	if sc.Raw == "" {
		return nil, fmt.Errorf("scenario %s has no raw results file", sc.Name)
	}
	return load.ReadLatencies(filepath.Join(dir, sc.Raw))
}
