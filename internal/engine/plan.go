package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

// DefaultTarget is where the service is expected without --target: the
// checklist's curl command and `perfgate serve` both use port 3000.
const DefaultTarget = "http://127.0.0.1:3000"

// Overrides choose and shape the scenarios of a plan: the command-line
// flags that apply to every scenario file.
type Overrides struct {
	// Only and Skip select scenarios by name.
	Only, Skip []string
	// Fixtures is the fixtures file ("" for the default IDs); Sets are the
	// --set key=value template variables.
	Fixtures string
	Sets     []string
	// Rate ("" keeps the files'), Duration and Timeout (0 keeps the
	// files') override every scenario. A Rate replaces a file's stages.
	Rate     string
	Duration time.Duration
	Timeout  time.Duration
	// Expect adds or replaces criteria: "p95=2s", "errors=1%".
	Expect []string
	// LatencyFrom is what every scenario's latency criteria are judged on
	// (--latency-from): model.LatencyFromIntended ("" means the same) or
	// model.LatencyFromSent.
	LatencyFrom string
	// AllowUnderDelivery makes a load not delivered a warning rather than
	// a failed criterion (--allow-under-delivery).
	AllowUnderDelivery bool
}

// Planned is a scenario ready to send: its file, with the overrides
// applied, and its request rendered against the target.
type Planned struct {
	Scenario *scenario.Scenario
	Request  load.Request
	// Prefix is the .Prefix the path was rendered with, "" when the path
	// does not use it: the verdict names it when every answer is 404.
	Prefix string
}

// Plan loads, selects and renders the scenario files of paths (default
// scenarios/) against target, with the overrides applied. Every error is a
// usage error (exit 2): nothing has been sent. Every problem of every file
// is reported at once.
func Plan(paths []string, o Overrides, target string) ([]Planned, error) {
	// Scenarios that loaded are still rendered after a load error, so that
	// one pass reports every problem of every file.
	all, loadErr := scenario.LoadPaths(paths)
	var errs scenario.ErrorList
	if loadErr != nil {
		var l scenario.ErrorList
		if !errors.As(loadErr, &l) {
			return nil, exit.Usage(loadErr)
		}
		errs = l
	}
	chosen := all
	if loadErr == nil {
		var err error
		if chosen, err = scenario.Select(all, o.Only, o.Skip); err != nil {
			return nil, exit.Usage(err)
		}
	}
	data, err := TemplateData(o)
	if err != nil {
		return nil, err
	}
	if loadErr == nil {
		vars, _ := scenario.ParseSets(o.Sets) // TemplateData checked them
		if err := scenario.CheckSets(vars, all); err != nil {
			return nil, exit.Usage(err)
		}
	}
	var rate *load.Rate
	if o.Rate != "" {
		r, err := load.ParseRate(o.Rate)
		if err != nil {
			return nil, exit.Usagef("--rate: %v", err)
		}
		rate = &r
	}
	if o.Duration < 0 || o.Timeout < 0 {
		return nil, exit.Usagef("--duration and --timeout must be positive")
	}
	if err := CheckBaseURL("--target", target); err != nil {
		return nil, err
	}
	if o.LatencyFrom != "" && o.LatencyFrom != model.LatencyFromIntended && o.LatencyFrom != model.LatencyFromSent {
		return nil, exit.Usagef("--latency-from %q: write %s (from each request's intended send time, the default) or %s (from its actual send)",
			o.LatencyFrom, model.LatencyFromIntended, model.LatencyFromSent)
	}
	var out []Planned
	for _, sc := range chosen {
		if rate != nil {
			sc.Load.Rate = *rate
			sc.Load.Stages = nil
		}
		if o.Duration > 0 {
			sc.Load.Duration = o.Duration
		}
		if o.Timeout > 0 {
			sc.Load.Timeout = o.Timeout
		}
		if err := scenario.ApplyExpect(&sc.Expect, o.Expect); err != nil {
			return nil, exit.Usage(err)
		}
		if o.LatencyFrom != "" {
			sc.Expect.LatencyFrom = o.LatencyFrom
		}
		sc.Expect.AllowUnderDelivery = sc.Expect.AllowUnderDelivery || o.AllowUnderDelivery
		req, err := sc.Render(target, data)
		if err != nil {
			var l scenario.ErrorList
			if errors.As(err, &l) {
				errs = append(errs, l...)
				continue
			}
			return nil, exit.Usage(err)
		}
		pl := Planned{Scenario: sc, Request: req}
		if strings.Contains(sc.Request.Path, ".Prefix") {
			pl.Prefix = data.Prefix()
		}
		out = append(out, pl)
	}
	if err := errs.Err(); err != nil {
		return nil, exit.Usage(err)
	}
	return out, nil
}

// TemplateData returns the data templates are rendered with: the fixtures
// file (the checklist's IDs without one) and the --set variables.
func TemplateData(o Overrides) (*scenario.Data, error) {
	fx := fixtures.Default()
	if o.Fixtures != "" {
		var err error
		if fx, err = fixtures.Read(o.Fixtures); err != nil {
			return nil, exit.Usage(err)
		}
	}
	vars, err := scenario.ParseSets(o.Sets)
	if err != nil {
		return nil, exit.Usage(err)
	}
	return scenario.NewData(fx, vars), nil
}

// CheckBaseURL checks the base URL given to flag (--target, --before,
// --after): an http(s) URL with a host and nothing after the path.
func CheckBaseURL(flag, base string) error {
	if base == "" {
		return exit.Usagef("%s is required: the base URL of the service, like %s", flag, DefaultTarget)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return exit.Usagef("%s %q is not an http(s) URL; write it like %s", flag, base, DefaultTarget)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return exit.Usagef("%s %q: give the base URL only; scenario paths are joined to it", flag, base)
	}
	return nil
}

// Origins returns the distinct scheme://host of the planned requests, in
// plan order: what a preflight must reach.
func Origins(ps []Planned) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		u, err := url.Parse(p.Request.URL)
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

// Preflight tries every origin of the plan once, before any load: an
// unreachable target is a run that could not be carried out (exit 3).
// tlsConf is how an https target's certificate is trusted
// (load.TLSConfig; nil for Go's defaults).
func Preflight(ctx context.Context, ps []Planned, tlsConf *tls.Config) error {
	for _, o := range Origins(ps) {
		if err := load.Preflight(ctx, o, load.DefaultPreflightTimeout, tlsConf); err != nil {
			return exit.Unavailable(err)
		}
	}
	return nil
}

// DirName is the default run directory of a run labelled label, started
// at now: reports/<UTC time>-<label>.
func DirName(now time.Time, label string) string {
	name := now.UTC().Format("20060102T150405Z")
	if label != "" {
		name += "-" + safeLabel(label)
	}
	return "reports/" + name
}

// safeLabel is label as a part of a file name.
func safeLabel(label string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, label)
}
