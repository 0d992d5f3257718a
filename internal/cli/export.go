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
		Args:  cmdArgs(cobra.ExactArgs(1), "RUN is one run directory or one of its .parquet files"),
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
