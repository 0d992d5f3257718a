package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
)

type capacityOptions struct {
	streams Streams
	paths   []string
	loadFlags
	tlsFlags
	overrides engine.Overrides
	bounds    engine.CapacityBounds
	out       string
	label     string
	formats   string
	now       func() time.Time
}

func newCapacityCmd(streams Streams, runF func(context.Context, *capacityOptions) error) *cobra.Command {
	opts := &capacityOptions{streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:   "capacity [PATH...]",
		Short: "Find the highest rate at which each scenario still meets its criteria",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.loadFlags.register(cmd)
	registerScenarioFlags(cmd, &opts.overrides, false)
	registerTimeout(cmd, &opts.overrides)
	fl.StringVar(&opts.bounds.Start, "start", "", fmt.Sprintf("first rate tried, e.g. 20/s (default: the scenario's rate, %d/s for max)", engine.DefaultCapacityStart))
	fl.StringVar(&opts.bounds.MaxRate, "max-rate", fmt.Sprintf("%d/s", engine.DefaultCapacityMaxRate), "highest rate tried")
	fl.StringVar(&opts.bounds.Precision, "precision", engine.DefaultCapacityPrecision, "stop bisecting when the failing rate is within this share above the passing one")
	fl.DurationVar(&opts.bounds.Step, "step", engine.DefaultCapacityStep, "how long each rate is held")
	fl.DurationVar(&opts.bounds.Budget, "budget", engine.DefaultCapacityBudget, "time bound of the whole search")
	fl.Int64Var(&opts.bounds.MaxRequests, "max-requests", engine.DefaultCapacityMaxRequests, "request bound of the whole search (0: none)")
	fl.StringVar(&opts.out, "out", "", "run directory to write (default reports/<UTC time>-capacity[-label])")
	fl.StringVar(&opts.label, "label", "", "name of this search, e.g. before or after")
	fl.StringVar(&opts.formats, "format", "text,json", "formats: text (stdout), json (capacity.json, always written), html")
	registerDeliveryFlags(cmd, &opts.overrides)
	opts.tlsFlags.register(cmd)
	completeList(cmd, "format", fixed(report.CapacityFormats.Names()...))
	return cmd
}

// options checks the flags and returns the engine's options.
func (o *capacityOptions) options() (engine.CapacityOptions, error) {
	c, err := o.bounds.Options()
	if err != nil {
		return c, err
	}
	c.MaxWorkers, c.Target, c.Label, c.Tool, c.Log, c.Now = o.maxWorkers, o.target, o.label, model.ThisTool(), o.streams.ErrOut, o.now
	if c.MaxBody, err = o.loadFlags.check(); err != nil {
		return c, err
	}
	if c.TLS, err = o.tlsFlags.config(); err != nil {
		return c, err
	}
	return c, nil
}

func runCapacity(ctx context.Context, opts *capacityOptions) error {
	formats, err := report.CapacityFormats.Parse(opts.formats)
	if err != nil {
		return exit.Usage(fmt.Errorf("--format: %w", err))
	}
	// capacity.json is always written.
	formats = formats.With(report.CapacityFormats, report.FormatJSON)
	co, err := opts.options()
	if err != nil {
		return err
	}
	ps, err := engine.Plan(opts.paths, opts.overrides, opts.target)
	if err != nil {
		return err
	}
	c, err := engine.ExecuteCapacity(ctx, ps, engine.ExecuteCapacityOptions{Capacity: co, Out: opts.out,
		Write: func(dir string, beside bool, c *model.Capacity) error {
			formats := formats
			// Beside a run's summary.json, the page is capacity.html,
			// since report.html is the run's.
			if beside {
				formats = formats.Renamed(report.FormatHTML, report.CapacityHTMLFile)
			}
			if err := formats.Write(dir, c, opts.streams.Out); err != nil {
				return err
			}
			if formats.Has(report.FormatText) {
				fmt.Fprintf(opts.streams.Out, "run directory: %s\n", dir)
			}
			return nil
		}})
	if err == nil && !c.Pass {
		err = exit.ErrGateFailed
	}
	return err
}
