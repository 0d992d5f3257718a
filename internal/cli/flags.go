package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

// registerScenarioFlags adds the flags that choose scenarios and fill their
// templates (run, validate, diff, capacity) into o; with shape, also the
// ones that override their load: --rate, --duration, --timeout.
func registerScenarioFlags(cmd *cobra.Command, o *engine.Overrides, shape bool) {
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Only, "only", nil, "run only the scenarios with these names (repeatable, comma-separated)")
	fl.StringSliceVar(&o.Skip, "skip", nil, "skip the scenarios with these names")
	fl.StringVar(&o.Fixtures, "fixtures", "", "fixtures file written by `perfgate db seed` (default: the checklist's IDs)")
	fl.StringArrayVar(&o.Sets, "set", nil, "template variable key=value, e.g. --set Prefix=/v1/tracking (repeatable)")
	if shape {
		fl.StringVar(&o.Rate, "rate", "", "request rate for every scenario: 5/s, 1/10s, 300/m or max (overrides the files)")
		fl.DurationVar(&o.Duration, "duration", 0, "how long each scenario sends load (overrides the files)")
		registerTimeout(cmd, o)
	}
}

// registerTimeout adds --timeout, for commands that send load without
// taking --rate and --duration (capacity picks those itself).
func registerTimeout(cmd *cobra.Command, o *engine.Overrides) {
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 0, fmt.Sprintf("per-request timeout (overrides the files; default %s)", load.DefaultTimeout))
}

// registerLoadTarget adds --target and --max-workers, as the commands that
// send load (run, capacity) take them.
func registerLoadTarget(cmd *cobra.Command, target *string, maxWorkers *uint64) {
	fl := cmd.Flags()
	fl.StringVar(target, "target", engine.DefaultTarget, "base URL of the service under test; scenario paths are joined to it")
	fl.Uint64Var(maxWorkers, "max-workers", load.DefaultMaxWorkers, "upper bound on concurrent requests (vegeta workers)")
}

// cmdArgs wraps a cobra positional-argument check so that its error is a usage error.
func cmdArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return exit.Usage(err)
		}
		return nil
	}
}
