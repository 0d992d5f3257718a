package cli

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/scenario"
)

type capacityOptions struct {
	streams Streams
	paths   []string
	loadFlags
	tlsFlags
	overrides   engine.Overrides
	start       string
	maxRate     string
	precision   string
	step        time.Duration
	budget      time.Duration
	maxRequests int64
	out         string
	label       string
	formats     string
	now         func() time.Time
}

func newCapacityCmd(streams Streams, runF func(context.Context, *capacityOptions) error) *cobra.Command {
	if runF == nil {
		runF = runCapacity
	}
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
	fl.StringVar(&opts.start, "start", "", fmt.Sprintf("first rate tried, e.g. 20/s (default: the scenario's rate, %d/s for max)", engine.DefaultCapacityStart))
	fl.StringVar(&opts.maxRate, "max-rate", fmt.Sprintf("%d/s", engine.DefaultCapacityMaxRate), "highest rate tried")
	fl.StringVar(&opts.precision, "precision", engine.DefaultCapacityPrecision, "stop bisecting when the failing rate is within this share above the passing one")
	fl.DurationVar(&opts.step, "step", engine.DefaultCapacityStep, "how long each rate is held")
	fl.DurationVar(&opts.budget, "budget", engine.DefaultCapacityBudget, "time bound of the whole search")
	fl.Int64Var(&opts.maxRequests, "max-requests", engine.DefaultCapacityMaxRequests, "request bound of the whole search (0: none)")
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
	c := engine.CapacityOptions{Step: o.step, Budget: o.budget, MaxRequests: o.maxRequests,
		MaxWorkers: o.maxWorkers, Target: o.target, Label: o.label, Tool: tool(),
		Log: o.streams.ErrOut, Now: o.now}
	rate := func(flag, s string) (float64, error) {
		r, err := load.ParseRate(s)
		if err != nil {
			return 0, exit.Usagef("--%s: %v", flag, err)
		}
		if r.IsMax() || r.PerSecond() < 1 {
			return 0, exit.Usagef("--%s %s: give a rate of 1/s or more, such as 20/s", flag, s)
		}
		return math.Round(r.PerSecond()), nil
	}
	var err error
	if o.start != "" {
		if c.Start, err = rate("start", o.start); err != nil {
			return c, err
		}
	}
	if c.MaxRate, err = rate("max-rate", o.maxRate); err != nil {
		return c, err
	}
	if c.Start > c.MaxRate {
		return c, exit.Usagef("--start %s is above --max-rate %s", o.start, o.maxRate)
	}
	if c.Precision, err = scenario.ParseShare(o.precision); err != nil || c.Precision <= 0 || c.Precision >= 1 {
		return c, exit.Usagef("--precision %q: give a share between 0 and 100%%, such as 10%%", o.precision)
	}
	if o.step <= 0 || o.budget <= 0 {
		return c, exit.Usagef("--step and --budget must be positive durations, such as 5s and 5m")
	}
	if o.maxRequests < 0 {
		return c, exit.Usagef("--max-requests must be 0 (no bound) or more")
	}
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
	co, err := opts.options()
	if err != nil {
		return err
	}
	ps, err := engine.Plan(opts.paths, opts.overrides, opts.target)
	if err != nil {
		return err
	}
	if err := engine.Preflight(ctx, ps, co.TLS); err != nil {
		return err
	}
	rd, beside, err := engine.CreateCapacityOut(opts.out, opts.label, opts.now)
	if err != nil {
		return err
	}
	defer rd.Close()
	dir := rd.Path
	c := engine.Capacity(ctx, ps, co)
	c.Settings = model.CapacitySettings{Start: opts.start, MaxRate: co.MaxRate, Precision: co.Precision,
		Step: co.Step, Budget: co.Budget, MaxRequests: co.MaxRequests}
	// capacity.json is always written; beside a run's summary.json, the
	// page is capacity.html, since report.html is the run's.
	formats = formats.With(report.CapacityFormats, report.FormatJSON)
	if beside {
		formats = formats.Renamed(report.FormatHTML, report.CapacityHTMLFile)
	}
	if err := formats.Write(dir, c, opts.streams.Out); err != nil {
		return err
	}
	if formats.Has(report.FormatText) {
		fmt.Fprintf(opts.streams.Out, "run directory: %s\n", dir)
	}
	switch {
	case c.Interrupted:
		return exit.Unavailable(fmt.Errorf("interrupted: the steps measured so far are in %s", dir))
	case !c.Pass:
		return exit.ErrGateFailed
	}
	return nil
}
