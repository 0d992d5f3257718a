package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

// registerScenarioFlags adds the flags that choose scenarios and fill their
// templates (run, validate, diff, capacity) into o; with shape, also the
// ones that override their load: --rate, --duration, --timeout.
func registerScenarioFlags(cmd *cobra.Command, o *engine.Overrides, shape bool) {
	fl := cmd.Flags()
	fl.StringSliceVar(&o.Only, "only", nil, "run only the scenarios with these names (repeatable, comma-separated)")
	fl.StringSliceVar(&o.Skip, "skip", nil, "skip the scenarios with these names")
	completeList(cmd, "only", scenarioNames)
	completeList(cmd, "skip", scenarioNames)
	fl.StringVar(&o.Fixtures, "fixtures", "", "fixtures file written by perfgate db seed or db up (default: the checklist's IDs)")
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

// registerDeliveryFlags adds the flags that say how a scenario's load and
// latency are judged (run, capacity, ab): --latency-from and
// --allow-under-delivery.
func registerDeliveryFlags(cmd *cobra.Command, o *engine.Overrides) {
	fl := cmd.Flags()
	fl.StringVar(&o.LatencyFrom, "latency-from", model.LatencyFromIntended,
		"what latency criteria are judged on: intended (from each request's intended send time: what a user arriving on schedule waited) or sent (from its actual send: the service time)")
	fl.BoolVar(&o.AllowUnderDelivery, "allow-under-delivery", false,
		"a load not delivered (achieved rate below 99 % of the rate asked, or schedule lag p99 above 100ms) is a warning, not a failed criterion")
}

// loadFlags are the flags of the commands that send load: --target (run,
// capacity), --max-workers and --max-body (run, capacity, ab).
type loadFlags struct {
	target     string
	maxWorkers uint64
	maxBody    string
}

// register adds --target, --max-workers and --max-body.
func (f *loadFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.target, "target", engine.DefaultTarget, "base URL of the service under test; scenario paths are joined to it")
	f.registerLimits(cmd)
}

// registerLimits adds --max-workers and --max-body alone, for a command
// whose targets are other flags (ab: --before and --after).
func (f *loadFlags) registerLimits(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.Uint64Var(&f.maxWorkers, "max-workers", load.DefaultMaxWorkers, "upper bound on concurrent requests (vegeta workers)")
	fl.StringVar(&f.maxBody, "max-body", "4MiB", "how much of each response body the jq checks read; a longer body fails them as truncated")
}

// check validates the flags and returns --max-body in bytes.
func (f *loadFlags) check() (int64, error) {
	if f.maxWorkers == 0 {
		return 0, exit.Usagef("--max-workers must be at least 1")
	}
	n, err := load.ParseSize(f.maxBody)
	if err != nil || n == 0 {
		return 0, exit.Usagef("--max-body %q: write a size such as 4MiB or 512KiB", f.maxBody)
	}
	return n, nil
}

// cmdArgs wraps a cobra positional-argument check so that its error is a
// usage error that says what the arguments are: the command's Use line
// names them ("compare BEFORE AFTER"), and what says what they are.
func cmdArgs(check cobra.PositionalArgs, what ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			msg := fmt.Sprintf("%s: got %s", cmd.UseLine(), figure.Plural(len(args), "argument"))
			if len(args) > 0 {
				msg += fmt.Sprintf(" (%s)", strings.Join(args, " "))
			}
			if len(what) > 0 {
				msg += "; " + what[0]
			}
			return exit.Usagef("%s; see %s --help", msg, cmd.CommandPath())
		}
		return nil
	}
}

// detachArgs is the command line that a command's --detach runs in the
// background (db up, serve): the command and every flag the user set, on
// the command line or through PERFGATE_ variables, so that a flag added
// later travels too; the caller appends --state-file. --dsn is left out
// (it travels in the environment, where ps does not show its password),
// and --detach is passed as false, so that a PERFGATE_DETACH in the
// environment does not make the background process detach again.
func detachArgs(cmd *cobra.Command) []string {
	args := strings.Fields(cmd.CommandPath())[1:]
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "dsn", "detach", "state-file":
			return
		}
		if s, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range s.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return append(args, "--detach=false")
}
