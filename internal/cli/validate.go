package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/spf13/cobra"
)

type validateOptions struct {
	streams   Streams
	paths     []string
	overrides engine.Overrides
	target    string
}

func newValidateCmd(streams Streams, runF func(context.Context, *validateOptions) error) *cobra.Command {
	opts := &validateOptions{streams: streams}
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check scenario files without sending traffic",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	registerScenarioFlags(cmd, &opts.overrides, true)
	cmd.Flags().StringVar(&opts.target, "target", engine.DefaultTarget, "base URL the paths are joined to in the listing")
	return cmd
}

func runValidate(_ context.Context, opts *validateOptions) error {
	ps, err := engine.Plan(opts.paths, opts.overrides, opts.target)
	if err != nil {
		return err
	}
	out := opts.streams.Out
	for _, p := range ps {
		sc := p.Scenario
		fmt.Fprintf(out, "ok  %s:%d  %s: %s %s at %s for %s; %s\n", sc.File, sc.Line, sc.Name,
			p.Request.Method, p.Request.URL, sc.Load.Rate, sc.Load.Duration, strings.Join(sc.Criteria(), ", "))
	}
	if len(ps) == 1 {
		fmt.Fprintln(out, "the scenario file is valid")
	} else {
		fmt.Fprintf(out, "all %d scenario files are valid\n", len(ps))
	}
	return nil
}
