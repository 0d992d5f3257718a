package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

// exportFormats are the encodings export writes, by --to value.
var exportFormats = map[string]func(io.Writer, ...string) error{
	"vegeta": load.ExportVegeta,
	"csv":    load.ExportCSV,
}

type exportOptions struct {
	streams   Streams
	run       string
	to        string
	scenarios []string
	output    string
}

func newExportCmd(streams Streams) *cobra.Command {
	return newExportCmdWith(streams, runExport)
}

// newExportCmdWith builds the command around run, which tests replace to
// see the options that flags produced.
func newExportCmdWith(streams Streams, run func(context.Context, *exportOptions) error) *cobra.Command {
	opts := &exportOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "export RUN --to vegeta|csv",
		Short: "Stream a run's raw results in vegeta's encoding or as CSV",
		Long: `export reads the raw results of a run (the <scenario>.parquet files of a
run directory, or one such file) and streams them to stdout or -o FILE:

  --to vegeta   vegeta's gob encoding, one result per request, readable by
                vegeta report, vegeta plot and vegeta encode. Each result's
                attack name is its scenario; bodies and headers are not kept.
  --to csv      a header row (scenario, seq, timestamp, latency_ns, code,
                bytes_in, bytes_out, error, shard), then one row per request;
                timestamp is in nanoseconds since the Unix epoch.

Without --scenario every scenario of the run is exported, in name order.
The Parquet files themselves also open directly in DuckDB, pandas or Spark.`,
		Example: `  perfgate export reports/20260501T120000Z-after --to vegeta | vegeta report
  perfgate export reports/20260501T120000Z-after --to vegeta --scenario single-user-single-course | vegeta plot > plot.html
  perfgate export reports/20260501T120000Z-after --to csv -o results.csv
  perfgate export reports/20260501T120000Z-after/single-user-single-course.parquet --to csv`,
		Args: cmdArgs(cobra.ExactArgs(1), "RUN is one run directory or one of its .parquet files"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.run = args[0]
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.to, "to", "", "output encoding: "+strings.Join(exportFormatNames(), " or ")+" (required)")
	fl.StringSliceVar(&opts.scenarios, "scenario", nil, "export only this scenario (repeatable)")
	fl.StringVarP(&opts.output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func exportFormatNames() []string {
	names := make([]string, 0, len(exportFormats))
	for name := range exportFormats {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func runExport(_ context.Context, opts *exportOptions) error {
	export, ok := exportFormats[opts.to]
	if !ok {
		if opts.to == "" {
			return exit.Usagef("--to is required: choose %s", strings.Join(exportFormatNames(), " or "))
		}
		return exit.Usagef("--to %q is not a format: choose %s", opts.to, strings.Join(exportFormatNames(), " or "))
	}
	paths, err := load.RawFiles(opts.run, opts.scenarios)
	if err != nil {
		return err
	}
	if opts.output == "" {
		return export(opts.streams.Out, paths...)
	}
	if engine.ReplacesRunFile(opts.output) {
		return exit.Usagef("-o %s would replace a file of a run directory; write the export elsewhere", opts.output)
	}
	return exportToFile(opts.output, export, paths)
}

// exportToFile writes the export to path, and leaves no half-written file
// behind when it fails.
func exportToFile(path string, export func(io.Writer, ...string) error, paths []string) error {
	f, err := os.Create(path)
	if err != nil {
		return exit.Usagef("export: %w", err)
	}
	err = export(f, paths...)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export: %w", cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
