package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

type exportOptions struct {
	streams   Streams
	run       string
	to        string
	scenarios []string
	all       bool
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

vegeta's tools know nothing of scenarios: "vegeta report" over several
would mix their latencies into one. So --to vegeta exports one scenario,
the run's first unless --scenario names another, and says so on stderr;
--all exports every one anyway. --to csv exports every scenario (its first
column names it) unless --scenario chooses. Error keeps vegeta's meaning
(any status of 400 or more), even where the scenario expects that status:
the CSV's pass column, like the Parquet file's, says whether each answer
met the scenario's expected status. The Parquet files themselves also open
directly in DuckDB, pandas or Spark.`,
		Example: `  perfgate export reports/latest-after --to vegeta | vegeta report
  perfgate export reports/latest-after --to vegeta --scenario multi-user-multi-course | vegeta plot > plot.html
  perfgate export reports/latest-after --to csv -o results.csv
  perfgate export reports/latest-after/single-user-single-course.parquet --to csv`,
		Args: cmdArgs(cobra.ExactArgs(1), "RUN is one run directory or one of its .parquet files"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.run = args[0]
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.to, "to", "", "output encoding: "+strings.Join(load.ExportNames(), " or ")+" (required)")
	completeWords(cmd, "to", load.ExportNames()...)
	fl.StringSliceVar(&opts.scenarios, "scenario", nil, "export only this scenario (repeatable; --to vegeta exports the run's first by default)")
	fl.BoolVar(&opts.all, "all", false, "with --to vegeta, export every scenario of the run, mixed in one stream")
	fl.StringVarP(&opts.output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func runExport(_ context.Context, opts *exportOptions) error {
	export, ok := load.Exports[opts.to]
	if !ok {
		if opts.to == "" {
			return exit.Usagef("--to is required: choose %s", strings.Join(load.ExportNames(), " or "))
		}
		return exit.Usagef("--to %q is not a format: choose %s", opts.to, strings.Join(load.ExportNames(), " or "))
	}
	if opts.all && len(opts.scenarios) > 0 {
		return exit.Usagef("--all and --scenario both choose scenarios: pass one of them")
	}
	paths, err := load.RawFiles(opts.run, opts.scenarios)
	if err != nil {
		return err
	}
	if opts.to == "vegeta" && len(opts.scenarios) == 0 && !opts.all && len(paths) > 1 {
		// Said loudly: vegeta report over every scenario would mix them.
		var order []string
		if r, err := model.ReadRun(opts.run); err == nil {
			for _, sc := range r.Scenarios {
				order = append(order, sc.Name)
			}
		}
		path, name, others := load.OneScenario(paths, order)
		fmt.Fprintf(opts.streams.ErrOut, "perfgate: exporting scenario %s only, 1 of the run's %d: vegeta's tools would mix them into one; "+
			"choose another with --scenario (%s), or --all to mix them anyway\n", name, len(paths), strings.Join(others, ", "))
		paths = []string{path}
	}
	if opts.output == "" {
		return export(opts.streams.Out, paths...)
	}
	if engine.ReplacesRunFile(opts.output) {
		return exit.Usagef("-o %s would replace a file of a run directory; write the export elsewhere", opts.output)
	}
	return load.ExportFile(opts.output, export, paths...)
}
