package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
	"github.com/perfgate/perfgate/internal/verdict"
)

// Defaults of perfgate capacity, quoted by the flag help.
const (
	// DefaultCapacityStart is the first rate tried for a scenario whose
	// own rate is max; a paced scenario starts at its own rate.
	DefaultCapacityStart = 10
	// DefaultCapacityMaxRate is the highest rate tried, in requests per
	// second.
	DefaultCapacityMaxRate = 10000
	// DefaultCapacityPrecision is how close the bisection brings the
	// highest passing and the lowest failing rate, relative to the first.
	DefaultCapacityPrecision = "10%"
	// DefaultCapacityStep is how long each rate is held.
	DefaultCapacityStep = 5 * time.Second
	// DefaultCapacityBudget bounds the whole search in time.
	DefaultCapacityBudget = 5 * time.Minute
	// DefaultCapacityMaxRequests bounds the whole search in requests.
	DefaultCapacityMaxRequests = 1_000_000
)

// CapacityOptions bound a capacity search. Rates are in requests per
// second.
type CapacityOptions struct {
	// Start is the first rate tried; 0 starts each scenario at its own
	// rate (DefaultCapacityStart for max).
	Start     float64
	MaxRate   float64
	Precision float64
	// Step is how long each rate is held; Budget bounds the whole search
	// in time and MaxRequests in requests (0: no bound). Both are shared
	// fairly among the scenarios.
	Step        time.Duration
	Budget      time.Duration
	MaxRequests int64
	MaxWorkers  uint64
	MaxBody     int64
	// TLS is how an https target's certificate is trusted (load.TLSConfig).
	TLS    *tls.Config
	Target string
	Label  string
	Tool   model.Tool
	// Log gets one line per step (stderr); nil discards them.
	Log io.Writer
	// Now is the clock (time.Now when nil); tests make steps take time.
	Now func() time.Time
	// start is Start as written (CapacityBounds.Start), for the settings
	// capacity.json records.
	start string
	// step runs one step instead of measuring against the target (tests).
	step stepFunc
}

// CapacityBounds are the bounds of a capacity search as perfgate
// capacity's flags write them: rates such as 20/s, the precision as a
// share such as 10%. Options checks them.
type CapacityBounds struct {
	// Start is the first rate tried, "" for each scenario's own rate.
	Start       string
	MaxRate     string
	Precision   string
	Step        time.Duration
	Budget      time.Duration
	MaxRequests int64
}

// Options checks the bounds and returns them as a search's options, the
// rates rounded to whole requests per second. A bound out of range is a
// usage error (exit 2) that names its flag and says what to write.
func (b CapacityBounds) Options() (CapacityOptions, error) {
	o := CapacityOptions{Step: b.Step, Budget: b.Budget, MaxRequests: b.MaxRequests, start: b.Start}
	var err error
	if b.Start != "" {
		if o.Start, err = capacityRate("start", b.Start); err != nil {
			return o, err
		}
	}
	if o.MaxRate, err = capacityRate("max-rate", b.MaxRate); err != nil {
		return o, err
	}
	if o.Start > o.MaxRate {
		return o, exit.Usagef("--start %s is above --max-rate %s", b.Start, b.MaxRate)
	}
	if o.Precision, err = scenario.ParseShare(b.Precision); err != nil || o.Precision <= 0 || o.Precision >= 1 {
		return o, exit.Usagef("--precision %q: give a share between 0 and 100%%, such as 10%%", b.Precision)
	}
	if b.Step <= 0 || b.Budget <= 0 {
		return o, exit.Usagef("--step and --budget must be positive durations, such as 5s and 5m")
	}
	if b.MaxRequests < 0 {
		return o, exit.Usagef("--max-requests must be 0 (no bound) or more")
	}
	return o, nil
}

// capacityRate reads the rate s of the flag named flag: a capacity search
// steps whole rates from 1/s, so max and rates below 1/s are refused.
func capacityRate(flag, s string) (float64, error) {
	r, err := load.ParseRate(s)
	if err != nil {
		return 0, exit.Usagef("--%s: %v", flag, err)
	}
	if r.IsMax() || r.PerSecond() < 1 {
		return 0, exit.Usagef("--%s %s: give a rate of 1/s or more, such as 20/s", flag, s)
	}
	return math.Round(r.PerSecond()), nil
}

// settings are the bounds the search runs under, as capacity.json records
// them.
func (o CapacityOptions) settings() model.CapacitySettings {
	start := o.start
	if start == "" && o.Start > 0 {
		start = figure.Knee(o.Start)
	}
	return model.CapacitySettings{Start: start, MaxRate: o.MaxRate, Precision: o.Precision,
		Step: o.Step, Budget: o.Budget, MaxRequests: o.MaxRequests}
}

// stepFunc runs one constant-rate step of a search. It reports whether
// ctx was cancelled during the step, whose figures are then dropped.
type stepFunc func(ctx context.Context, p Planned, rate float64, warmup int) (model.CapacityStep, bool, error)

// Capacity searches, for each planned scenario in order, the highest
// constant rate at which it still meets its criteria, within the bounds of
// o. An interrupt ends the search after the scenario it cut short.
func Capacity(ctx context.Context, ps []Planned, o CapacityOptions) *model.Capacity {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	began := o.Now()
	c := &model.Capacity{
		Schema:   model.SchemaCapacity,
		Tool:     o.Tool,
		Target:   o.Target,
		Label:    o.Label,
		Start:    began.UTC(),
		Settings: o.settings(),
		Pass:     true,
	}
	deadline := began.Add(o.Budget)
	var used int64
	for i, p := range ps {
		// Each scenario gets a fair share of what is left of the bounds.
		left := int64(len(ps) - i)
		s := &searcher{
			opts:     o,
			deadline: o.Now().Add(deadline.Sub(o.Now()) / time.Duration(left)),
		}
		if o.MaxRequests > 0 {
			s.requests = (o.MaxRequests - used) / left
		}
		cs := s.search(ctx, p)
		used += cs.Requests
		c.Scenarios = append(c.Scenarios, cs)
		c.Pass = c.Pass && cs.Pass
		if cs.Stopped == "interrupted" {
			c.Interrupted = true
			break
		}
	}
	c.End = o.Now().UTC()
	if c.Interrupted {
		c.Pass = false
	}
	return c
}

// ExecuteCapacityOptions tune ExecuteCapacity: the search, where its
// directory goes and what the caller does with the finished search.
type ExecuteCapacityOptions struct {
	// Capacity tunes the search (Capacity). Its TLS is the preflight's
	// too; its Label and Now name a new directory.
	Capacity CapacityOptions
	// Out is the directory to write (CreateCapacityOut): "" for a new
	// reports/<UTC time>-capacity[-label]; an existing run directory
	// takes capacity.json beside its summary.json.
	Out string
	// Write, when set, saves the search into dir in the caller's formats;
	// beside says dir also holds a run, whose report.html is the run's.
	Write func(dir string, beside bool, c *model.Capacity) error
}

// ExecuteCapacity carries out a capacity search from start to finish: it
// tries the target once (Preflight), opens the directory
// (CreateCapacityOut), searches (Capacity) and writes the search (Write).
// An interrupted search returns what it measured, written, and an
// exit.Unavailable error that says where; a search whose scenarios fail
// their criteria is no error (model.Capacity.Pass).
func ExecuteCapacity(ctx context.Context, ps []Planned, o ExecuteCapacityOptions) (*model.Capacity, error) {
	co := o.Capacity
	if err := Preflight(ctx, ps, co.TLS); err != nil {
		return nil, err
	}
	now := orNow(co.Now)
	rd, beside, err := CreateCapacityOut(o.Out, co.Label, now)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	c := Capacity(ctx, ps, co)
	if o.Write != nil {
		if err := o.Write(rd.Path, beside, c); err != nil {
			return nil, err
		}
	}
	if c.Interrupted {
		return c, exit.Unavailable(fmt.Errorf("interrupted: the steps measured so far are in %s", rd.Path))
	}
	return c, nil
}

// searcher runs one scenario's capacity search within its share of the
// bounds.
type searcher struct {
	opts     CapacityOptions
	deadline time.Time
	requests int64 // 0: no bound
}

// fileRate is a scenario's own rate in requests per second: its highest
// stage for a staged rate, 0 for max.
func fileRate(sc *scenario.Scenario) (string, float64) {
	if len(sc.Load.Stages) == 0 {
		return sc.Load.Rate.String(), sc.Load.Rate.PerSecond()
	}
	var peak float64
	for _, st := range sc.Load.Stages {
		peak = max(peak, st.Rate.PerSecond())
		if st.To != nil {
			peak = max(peak, st.To.PerSecond())
		}
	}
	return load.StagesString(sc.Load.Stages), peak
}

// search steps the rate up ×2 from the start until a step fails or the
// maximum passes, halves it when the start already fails, then bisects.
func (s *searcher) search(ctx context.Context, p Planned) *model.CapacityScenario {
	b := s.opts
	cs := &model.CapacityScenario{Name: p.Scenario.Name, File: p.Scenario.File, Latency: p.Scenario.Expect.Latency}
	cs.FileRate, cs.FileRatePerSecond = fileRate(p.Scenario)
	start := b.Start
	if start == 0 {
		start = math.Round(p.Scenario.Load.Rate.PerSecond())
		if start < 1 {
			start = DefaultCapacityStart
		}
	}
	start = min(start, b.MaxRate)
	var lo, hi float64 // highest passing, lowest failing; 0 for none yet
	// step runs one step at rate; it reports false when the search must
	// stop (a bound, an interrupt, an error).
	step := func(rate float64, confirmation bool) (model.CapacityStep, bool) {
		if ok := s.affordable(cs, rate); !ok {
			return model.CapacityStep{}, false
		}
		warmup := 0
		if len(cs.Steps) == 0 {
			warmup = p.Scenario.Load.Warmup
		}
		st, interrupted, err := s.run(ctx, p, rate, warmup)
		if err != nil {
			cs.Stopped = err.Error()
			return st, false
		}
		if interrupted {
			cs.Stopped = "interrupted"
			return st, false
		}
		st.Confirmation = confirmation
		cs.Steps = append(cs.Steps, st)
		cs.Requests += st.Requests
		verdictText := "pass"
		if !st.Pass {
			verdictText = "fail: " + strings.Join(st.Failures, "; ")
		}
		again := ""
		if confirmation {
			again = " (confirming)"
		}
		fmt.Fprintf(s.opts.Log, "capacity %s: %s%s → achieved %.1f/s, p95 %s, errors %.2f%%, %s\n",
			p.Scenario.Name, load.Rate{Freq: int(rate), Per: time.Second}, again, st.Achieved, st.Latency.P95.Round(time.Microsecond), 100*st.ErrorShare, verdictText)
		return st, true
	}
	// try runs a rate, and a failing one once more: one noisy step (a
	// single stall) must not end the doubling or move a bisection, so a
	// rate fails only when its confirmation fails too. It reports false
	// when the search must stop; a failure a bound left unconfirmed stands.
	try := func(rate float64) bool {
		st, ok := step(rate, false)
		if !ok {
			return false
		}
		if !st.Pass {
			st, ok = step(rate, true)
			if !ok {
				hi = rate
				if cs.Stopped != "interrupted" {
					cs.Notes = append(cs.Notes, fmt.Sprintf("%s failed and was not confirmed: the search stopped (%s)", figure.Knee(rate), cs.Stopped))
				}
				return false
			}
		}
		if st.Pass {
			lo = rate
		} else {
			hi = rate
		}
		return true
	}

	for r := start; ; r = min(2*r, b.MaxRate) {
		if !try(r) || hi > 0 {
			break
		}
		if r >= b.MaxRate {
			cs.Capped = true
			break
		}
	}
	for cs.Stopped == "" && lo == 0 && hi > 1 {
		if !try(math.Floor(hi / 2)) {
			break
		}
	}
	for cs.Stopped == "" && lo > 0 && hi > 0 && hi-lo > b.Precision*lo {
		mid := math.Round((lo + hi) / 2)
		if mid <= lo || mid >= hi || !try(mid) {
			break
		}
	}
	cs.Knee, cs.Limit = lo, hi
	cs.Notes = append(nonMonotonic(cs.Steps), cs.Notes...)
	cs.Pass = lo > 0 && lo >= cs.FileRatePerSecond && cs.Stopped != "interrupted"
	return cs
}

// nonMonotonic lists the rates whose failure their confirmation did not
// repeat: the search counted them as passing, and the report says the
// steps contradict each other.
func nonMonotonic(steps []model.CapacityStep) []string {
	var out []string
	for i, st := range steps {
		if st.Confirmation && st.Pass && i > 0 && !steps[i-1].Pass && steps[i-1].Rate == st.Rate {
			out = append(out, fmt.Sprintf("%s failed once (%s), then passed its confirmation",
				figure.Knee(st.Rate), strings.Join(steps[i-1].Failures, "; ")))
		}
	}
	return out
}

// affordable says whether a step at rate fits the time and request
// bounds left; when not, it records why the search stopped.
func (s *searcher) affordable(cs *model.CapacityScenario, rate float64) bool {
	if s.opts.Now().Add(s.opts.Step).After(s.deadline) {
		cs.Stopped = "budget"
		return false
	}
	if s.requests > 0 && cs.Requests+int64(rate*s.opts.Step.Seconds()) > s.requests {
		cs.Stopped = "max-requests"
		return false
	}
	return true
}

func (s *searcher) run(ctx context.Context, p Planned, rate float64, warmup int) (model.CapacityStep, bool, error) {
	if s.opts.step != nil {
		return s.opts.step(ctx, p, rate, warmup)
	}
	return measureStep(ctx, p, rate, warmup, s.opts)
}

// overLimit reports whether the latency criterion named stat is beyond its
// limit in l, as measured.
func overLimit(exp model.Expect, stat string, l metrics.Latencies) bool {
	for _, lim := range exp.Latency {
		if lim.Stat == stat {
			got, _ := l.Stat(stat)
			return got > lim.Max
		}
	}
	return false
}

// measureStep holds one constant rate for d and judges the scenario's
// criteria on it; db criteria are left out (no probe). It reports whether
// ctx was cancelled during the step, whose figures are then dropped.
func measureStep(ctx context.Context, p Planned, rate float64, warmup int, o CapacityOptions) (model.CapacityStep, bool, error) {
	sc, d := p.Scenario, o.Step
	sink := NewSink(int(rate*d.Seconds())+1, sc.Checks, nil)
	stats, err := load.Attack(ctx, sc.Name, []load.Request{p.Request}, load.Options{
		Rate:       load.Rate{Freq: int(rate), Per: time.Second},
		Duration:   d,
		Timeout:    sc.Load.Timeout,
		MaxWorkers: o.MaxWorkers,
		MaxBody:    o.MaxBody,
		KeepBody:   sink.NeedsBodies(),
		Warmup:     warmup,
		TLS:        o.TLS,
	}, sink.Add)
	if err != nil {
		return model.CapacityStep{}, false, exit.Unavailable(err)
	}
	if stats.Interrupted {
		return model.CapacityStep{}, true, nil
	}
	s := sink.Summary()
	st := model.CapacityStep{Rate: rate, Achieved: s.Rate, Requests: s.Requests, Duration: s.Wall, Latency: s.Latency}
	if s.Requests > 0 {
		st.ErrorShare = 1 - s.ShareOf(sc.Expect.Status)
	}
	exp := sc.Expect
	exp.DB = nil
	sample := metrics.Sample{Sorted: sink.Sorted(), Censored: int(Timeouts(s))}
	for _, c := range verdict.Evaluate(exp, verdict.Input{Summary: s, Sample: sample, Checks: sink.Checks(), Prefix: p.Prefix}) {
		if c.Inconclusive && !overLimit(exp, c.Name, s.Latency) {
			// A step of a few seconds holds too few requests to prove a
			// tail percentile within its limit; it is judged on its
			// figure, and a failure is confirmed by a second step.
			continue
		}
		if !c.Pass {
			msg := c.Message
			if msg == "" {
				msg = c.Name + " " + c.Observed
			}
			st.Failures = append(st.Failures, msg)
		}
	}
	st.UnderDelivered = verdict.Delivered(rate, d, s, nil) != ""
	if st.UnderDelivered && !exp.AllowUnderDelivery {
		st.Failures = append(st.Failures, fmt.Sprintf("under-delivered: %.1f/s of %.0f/s, schedule lag p99 %s", s.Rate, rate, s.Lag.P99.Round(time.Microsecond)))
	}
	st.Pass = s.Requests > 0 && len(st.Failures) == 0
	return st, false, nil
}
