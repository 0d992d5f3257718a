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

// exportOptions are export's flags, what to export bound straight to
// load.ExportOptions, and the streams.
type exportOptions struct {
	load.ExportOptions
	streams Streams
	run     string
	output  string
}

func newExportCmd(streams Streams, run func(context.Context, *exportOptions) error) *cobra.Command {
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
	fl.StringVar(&opts.To, "to", "", "output encoding: "+strings.Join(load.ExportNames(), " or ")+" (required)")
	completeWords(cmd, "to", load.ExportNames()...)
	fl.StringSliceVar(&opts.Scenarios, "scenario", nil, "export only this scenario (repeatable; --to vegeta exports the run's first by default)")
	fl.BoolVar(&opts.All, "all", false, "with --to vegeta, export every scenario of the run, mixed in one stream")
	fl.StringVarP(&opts.output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func runExport(_ context.Context, opts *exportOptions) error {
	exp, err := load.PlanExport(opts.run, opts.ExportOptions, func() []string { return model.ScenarioOrder(opts.run) })
	if err != nil {
		return err
	}
	if exp.Notice != "" {
		// Said loudly: vegeta report over every scenario would mix them.
		fmt.Fprintf(opts.streams.ErrOut, "perfgate: %s\n", exp.Notice)
	}
	if opts.output == "" {
		return exp.Encode(opts.streams.Out, exp.Paths...)
	}
	if engine.ReplacesRunFile(opts.output) {
		return exit.Usagef("-o %s would replace a file of a run directory; write the export elsewhere", opts.output)
	}
	return load.ExportFile(opts.output, exp.Encode, exp.Paths...)
}
