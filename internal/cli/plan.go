package cli

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/scenario"
)

// DefaultTarget is where the service is expected without --target: the
// checklist's curl command and `perfgate serve` both use port 3000.
const DefaultTarget = "http://127.0.0.1:3000"

// scenarioFlags are the flags that choose and shape scenarios, shared by
// run, validate, diff and capacity.
type scenarioFlags struct {
	only     []string
	skip     []string
	fixtures string
	sets     []string
	rate     string
	duration time.Duration
	timeout  time.Duration
}

func (f *scenarioFlags) register(cmd *cobra.Command, shape bool) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.only, "only", nil, "run only the scenarios with these names (repeatable, comma-separated)")
	fl.StringSliceVar(&f.skip, "skip", nil, "skip the scenarios with these names")
	fl.StringVar(&f.fixtures, "fixtures", "", "fixtures file written by `perfgate db seed` (default: the checklist's IDs)")
	fl.StringArrayVar(&f.sets, "set", nil, "template variable key=value, e.g. --set Prefix=/v1/tracking (repeatable)")
	if shape {
		fl.StringVar(&f.rate, "rate", "", "request rate for every scenario: 5/s, 1/10s, 300/m or max (overrides the files)")
		fl.DurationVar(&f.duration, "duration", 0, "how long each scenario sends load (overrides the files)")
		f.registerTimeout(cmd)
	}
}

// registerTimeout adds --timeout, for commands that send load without
// taking --rate and --duration (capacity picks those itself).
func (f *scenarioFlags) registerTimeout(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&f.timeout, "timeout", 0, fmt.Sprintf("per-request timeout (overrides the files; default %s)", load.DefaultTimeout))
}

// registerLoadTarget adds --target and --max-workers, as the commands that
// send load (run, capacity) take them.
func registerLoadTarget(cmd *cobra.Command, target *string, maxWorkers *uint64) {
	fl := cmd.Flags()
	fl.StringVar(target, "target", DefaultTarget, "base URL of the service under test; scenario paths are joined to it")
	fl.Uint64Var(maxWorkers, "max-workers", load.DefaultMaxWorkers, "upper bound on concurrent requests (vegeta workers)")
}

// planned is a scenario with its request rendered.
type planned struct {
	sc  *scenario.Scenario
	req load.Request
}

// plan loads, selects and renders scenarios, applying flag overrides. Every
// error is a usage error: nothing has been sent.
func plan(paths []string, f scenarioFlags, target string) ([]planned, error) {
	// Scenarios that loaded are still rendered after a load error, so that
	// one pass reports every problem of every file.
	all, loadErr := scenario.LoadPaths(paths)
	var errs scenario.ErrorList
	if loadErr != nil {
		l, ok := loadErr.(scenario.ErrorList)
		if !ok {
			return nil, exit.Usage(loadErr)
		}
		errs = l
	}
	chosen := all
	if loadErr == nil {
		var err error
		if chosen, err = scenario.Select(all, f.only, f.skip); err != nil {
			return nil, exit.Usage(err)
		}
	}
	var err error
	fx := fixtures.Default()
	if f.fixtures != "" {
		if fx, err = fixtures.Read(f.fixtures); err != nil {
			return nil, exit.Usage(err)
		}
	}
	vars, err := scenario.ParseSets(f.sets)
	if err != nil {
		return nil, exit.Usage(err)
	}
	var rate *load.Rate
	if f.rate != "" {
		r, err := load.ParseRate(f.rate)
		if err != nil {
			return nil, exit.Usagef("--rate: %v", err)
		}
		rate = &r
	}
	if f.duration < 0 || f.timeout < 0 {
		return nil, exit.Usagef("--duration and --timeout must be positive")
	}
	if err := checkTarget(target); err != nil {
		return nil, err
	}
	data := scenario.NewData(fx, vars)
	var out []planned
	for _, sc := range chosen {
		if rate != nil {
			sc.Load.Rate = *rate
		}
		if f.duration > 0 {
			sc.Load.Duration = f.duration
		}
		if f.timeout > 0 {
			sc.Load.Timeout = f.timeout
		}
		req, err := sc.Render(target, data)
		if err != nil {
			if l, ok := err.(scenario.ErrorList); ok {
				errs = append(errs, l...)
				continue
			}
			return nil, exit.Usage(err)
		}
		out = append(out, planned{sc: sc, req: req})
	}
	if err := errs.Err(); err != nil {
		return nil, exit.Usage(err)
	}
	return out, nil
}

func checkTarget(target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return exit.Usagef("--target %q is not an http(s) URL; write it like http://127.0.0.1:3000", target)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return exit.Usagef("--target %q: give the base URL only; scenario paths are joined to it", target)
	}
	return nil
}

// origins returns the distinct scheme://host of the planned requests.
func origins(ps []planned) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		u, err := url.Parse(p.req.URL)
		if err != nil {
			continue
		}
		o := u.Scheme + "://" + u.Host
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

// runDirName is the default run directory: reports/<UTC time>-<label>.
func runDirName(now time.Time, label string) string {
	name := now.UTC().Format("20060102T150405Z")
	if label != "" {
		name += "-" + strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == ' ' || r == ':' {
				return '_'
			}
			return r
		}, label)
	}
	return "reports/" + name
}
