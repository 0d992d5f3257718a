package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/safefile"
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

// capacityFormats are what capacity's --format accepts: text to stdout,
// json (capacity.json, always written) and html (report.html).
var capacityFormats = []string{"text", "json", "html"}

type capacityOptions struct {
	streams     Streams
	paths       []string
	target      string
	scen        scenarioFlags
	maxWorkers  uint64
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
		Long: `capacity searches, for each scenario (default scenarios/), the highest
constant request rate at which it still meets its criteria: status, errors,
latency and jq checks (db criteria need --db-probe and are left out). A step
that cannot send the rate asked for (under-delivered) fails.

It starts at --start (default: the scenario's own rate; 10/s for max),
doubles the rate while steps pass, up to --max-rate, then bisects between
the highest passing and the lowest failing rate until they are within
--precision of each other. Each step holds its rate for --step. The whole
search is bounded by --budget and --max-requests, shared fairly among the
scenarios; when a bound is reached the search stops with what it found.
Rates are whole requests per second, from 1/s.

It prints the knee and the curve (rate → achieved, p50, p95, p99, error
share) and writes a run directory (default reports/<UTC time>-capacity[-label])
with capacity.json and, with --format html, report.html with a chart of p95
by rate. --out may name an existing run directory: capacity.json then sits
beside its summary.json (the page is capacity.html), where perfgate compare
finds it.

Exit 0 when every scenario meets its criteria at or above its own rate
(for a max scenario: at some rate), 1 when one does not, 2 on usage or
scenario-file errors, 3 when the target is unreachable or on Ctrl-C (what
was measured is still written).`,
		Example: `  # the knee of every scenario, 5 s per step
  perfgate capacity --target http://127.0.0.1:3000 --set Prefix=/v1/tracking

  # one scenario, shorter steps, tighter bisection, into the "after" run
  perfgate capacity --only single-user-single-course --step 3s --precision 5% --out reports/after --format text,html`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	registerLoadTarget(cmd, &opts.target, &opts.maxWorkers)
	opts.scen.register(cmd, false)
	opts.scen.registerTimeout(cmd)
	fl.StringVar(&opts.start, "start", "", fmt.Sprintf("first rate tried, e.g. 20/s (default: the scenario's rate, %d/s for max)", DefaultCapacityStart))
	fl.StringVar(&opts.maxRate, "max-rate", fmt.Sprintf("%d/s", DefaultCapacityMaxRate), "highest rate tried")
	fl.StringVar(&opts.precision, "precision", DefaultCapacityPrecision, "stop bisecting when the failing rate is within this share above the passing one")
	fl.DurationVar(&opts.step, "step", DefaultCapacityStep, "how long each rate is held")
	fl.DurationVar(&opts.budget, "budget", DefaultCapacityBudget, "time bound of the whole search")
	fl.Int64Var(&opts.maxRequests, "max-requests", DefaultCapacityMaxRequests, "request bound of the whole search (0: none)")
	fl.StringVar(&opts.out, "out", "", "run directory to write (default reports/<UTC time>-capacity[-label])")
	fl.StringVar(&opts.label, "label", "", "name of this search, e.g. before or after")
	fl.StringVar(&opts.formats, "format", "text,json", "formats: text (stdout), json (capacity.json, always written), html")
	return cmd
}

// capacityBounds are the checked numeric settings of a search.
type capacityBounds struct {
	start       float64 // 0: each scenario's own rate
	maxRate     float64
	precision   float64
	step        time.Duration
	maxRequests int64
}

func (o *capacityOptions) bounds() (capacityBounds, error) {
	b := capacityBounds{step: o.step, maxRequests: o.maxRequests}
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
		if b.start, err = rate("start", o.start); err != nil {
			return b, err
		}
	}
	if b.maxRate, err = rate("max-rate", o.maxRate); err != nil {
		return b, err
	}
	if b.start > b.maxRate {
		return b, exit.Usagef("--start %s is above --max-rate %s", o.start, o.maxRate)
	}
	if b.precision, err = scenario.ParseShare(o.precision); err != nil || b.precision <= 0 || b.precision >= 1 {
		return b, exit.Usagef("--precision %q: give a share between 0 and 100%%, such as 10%%", o.precision)
	}
	if o.step <= 0 || o.budget <= 0 {
		return b, exit.Usagef("--step and --budget must be positive durations, such as 5s and 5m")
	}
	if o.maxRequests < 0 {
		return b, exit.Usagef("--max-requests must be 0 (no bound) or more")
	}
	if o.maxWorkers == 0 {
		return b, exit.Usagef("--max-workers must be at least 1")
	}
	return b, nil
}

func runCapacity(ctx context.Context, opts *capacityOptions) error {
	formats, err := parseCapacityFormats(opts.formats)
	if err != nil {
		return exit.Usage(err)
	}
	b, err := opts.bounds()
	if err != nil {
		return err
	}
	ps, err := plan(opts.paths, opts.scen, opts.target)
	if err != nil {
		return err
	}
	for _, o := range origins(ps) {
		if err := load.Preflight(ctx, o, load.DefaultPreflightTimeout); err != nil {
			return exit.Unavailable(err)
		}
	}
	dir := opts.out
	if dir == "" {
		name := "capacity"
		if opts.label != "" {
			name += "-" + opts.label
		}
		dir = runDirName(opts.now(), name)
	}
	if _, err := os.Stat(filepath.Join(dir, model.CapacityFile)); err == nil {
		return exit.Usagef("%s already holds a capacity search; choose another --out or remove it", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return exit.Usagef("create run directory: %v", err)
	}

	began := opts.now()
	c := &model.Capacity{
		Schema: model.SchemaCapacity,
		Tool:   model.Tool{Name: "perfgate", Version: Version, Commit: commit(), GoVersion: runtime.Version()},
		Target: opts.target,
		Label:  opts.label,
		Start:  began.UTC(),
		Settings: model.CapacitySettings{Start: opts.start, MaxRate: b.maxRate, Precision: b.precision,
			Step: b.step, Budget: opts.budget, MaxRequests: b.maxRequests},
		Pass: true,
	}
	deadline := began.Add(opts.budget)
	var used int64
	for i, p := range ps {
		// Each scenario gets a fair share of what is left of the bounds.
		left := int64(len(ps) - i)
		s := &searcher{
			bounds:   b,
			deadline: opts.now().Add(deadline.Sub(opts.now()) / time.Duration(left)),
			now:      opts.now,
			workers:  opts.maxWorkers,
			log:      opts.streams.ErrOut,
		}
		if b.maxRequests > 0 {
			s.requests = (b.maxRequests - used) / left
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
	c.End = opts.now().UTC()
	if c.Interrupted {
		c.Pass = false
	}
	if err := writeCapacity(dir, c, formats, opts.streams); err != nil {
		return err
	}
	switch {
	case c.Interrupted:
		return exit.Unavailable(fmt.Errorf("interrupted: the steps measured so far are in %s", dir))
	case !c.Pass:
		return exit.ErrGateFailed
	}
	return nil
}

func writeCapacity(dir string, c *model.Capacity, formats []string, streams Streams) error {
	if err := model.WriteCapacity(dir, c); err != nil {
		return err
	}
	if slices.Contains(formats, "html") {
		// Beside a run's summary.json, report.html is the run's page.
		name := report.HTMLFile
		if _, err := os.Stat(filepath.Join(dir, model.SummaryFile)); err == nil {
			name = "capacity.html"
		}
		var buf bytes.Buffer
		if err := report.CapacityHTML(&buf, c); err != nil {
			return err
		}
		if err := safefile.Write(filepath.Join(dir, name), buf.Bytes()); err != nil {
			return err
		}
	}
	if slices.Contains(formats, "text") {
		if err := report.CapacityText(streams.Out, c); err != nil {
			return err
		}
		fmt.Fprintf(streams.Out, "run directory: %s\n", dir)
	}
	return nil
}

func parseCapacityFormats(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !slices.Contains(capacityFormats, f) {
			return nil, fmt.Errorf("--format: unknown format %q: capacity writes %s", f, strings.Join(capacityFormats, ","))
		}
		out = append(out, f)
	}
	return out, nil
}

// searcher runs one scenario's capacity search within its share of the
// bounds.
type searcher struct {
	bounds   capacityBounds
	deadline time.Time
	requests int64 // 0: no bound
	now      func() time.Time
	workers  uint64
	log      io.Writer
	// step runs one step; nil means measure against the target.
	step func(ctx context.Context, p planned, rate float64, warmup int) (model.CapacityStep, bool, error)
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
func (s *searcher) search(ctx context.Context, p planned) *model.CapacityScenario {
	b := s.bounds
	cs := &model.CapacityScenario{Name: p.sc.Name, File: p.sc.File}
	cs.FileRate, cs.FileRatePerSecond = fileRate(p.sc)
	start := b.start
	if start == 0 {
		start = math.Round(p.sc.Load.Rate.PerSecond())
		if start < 1 {
			start = DefaultCapacityStart
		}
	}
	start = min(start, b.maxRate)
	var lo, hi float64 // highest passing, lowest failing; 0 for none yet
	// try runs one step; it reports false when the search must stop.
	try := func(rate float64) bool {
		if ok := s.affordable(cs, rate); !ok {
			return false
		}
		warmup := 0
		if len(cs.Steps) == 0 {
			warmup = p.sc.Load.Warmup
		}
		st, interrupted, err := s.run(ctx, p, rate, warmup)
		if err != nil {
			cs.Stopped = err.Error()
			return false
		}
		if interrupted {
			cs.Stopped = "interrupted"
			return false
		}
		cs.Steps = append(cs.Steps, st)
		cs.Requests += st.Requests
		verdictText := "pass"
		if !st.Pass {
			verdictText = "fail: " + strings.Join(st.Failures, "; ")
		}
		fmt.Fprintf(s.log, "capacity %s: %s → achieved %.1f/s, p95 %s, errors %.2f%%, %s\n",
			p.sc.Name, load.Rate{Freq: int(rate), Per: time.Second}, st.Achieved, st.Latency.P95.Round(time.Microsecond), 100*st.ErrorShare, verdictText)
		if st.Pass {
			lo = rate
		} else {
			hi = rate
		}
		return true
	}

	for r := start; ; r = min(2*r, b.maxRate) {
		if !try(r) || hi > 0 {
			break
		}
		if r >= b.maxRate {
			cs.Capped = true
			break
		}
	}
	for cs.Stopped == "" && lo == 0 && hi > 1 {
		if !try(math.Floor(hi / 2)) {
			break
		}
	}
	for cs.Stopped == "" && lo > 0 && hi > 0 && hi-lo > b.precision*lo {
		mid := math.Round((lo + hi) / 2)
		if mid <= lo || mid >= hi || !try(mid) {
			break
		}
	}
	cs.Knee, cs.Limit = lo, hi
	cs.Pass = lo > 0 && lo >= cs.FileRatePerSecond && cs.Stopped != "interrupted"
	return cs
}

// affordable says whether a step at rate fits the time and request
// bounds left; when not, it records why the search stopped.
func (s *searcher) affordable(cs *model.CapacityScenario, rate float64) bool {
	if s.now().Add(s.bounds.step).After(s.deadline) {
		cs.Stopped = "budget"
		return false
	}
	if s.requests > 0 && cs.Requests+int64(rate*s.bounds.step.Seconds()) > s.requests {
		cs.Stopped = "max-requests"
		return false
	}
	return true
}

func (s *searcher) run(ctx context.Context, p planned, rate float64, warmup int) (model.CapacityStep, bool, error) {
	if s.step != nil {
		return s.step(ctx, p, rate, warmup)
	}
	return measureStep(ctx, p, rate, warmup, s.bounds.step, s.workers)
}

// measureStep holds one constant rate for d and judges the scenario's
// criteria on it; db criteria are left out (no probe). It reports whether
// ctx was cancelled during the step, whose figures are then dropped.
func measureStep(ctx context.Context, p planned, rate float64, warmup int, d time.Duration, workers uint64) (model.CapacityStep, bool, error) {
	sc := p.sc
	rec := metrics.NewRecorder(int(rate*d.Seconds()) + 1)
	checker := verdict.NewChecker(sc.Expect.Checks)
	stats, err := load.Attack(ctx, sc.Name, []load.Request{p.req}, load.Options{
		Rate:       load.Rate{Freq: int(rate), Per: time.Second},
		Duration:   d,
		Timeout:    sc.Load.Timeout,
		MaxWorkers: workers,
		KeepBody:   checker.Active(),
		Warmup:     warmup,
	}, func(r *load.Result) {
		transportErr := ""
		if r.Code == 0 {
			transportErr = r.Error
		}
		rec.Add(r.Timestamp, r.Latency, r.Code, transportErr, r.BytesIn, r.BytesOut)
		if r.Code != 0 {
			checker.Observe(r.Body)
		}
	})
	if err != nil {
		return model.CapacityStep{}, false, exit.Unavailable(err)
	}
	if stats.Interrupted {
		return model.CapacityStep{}, true, nil
	}
	s := rec.Summary()
	st := model.CapacityStep{Rate: rate, Achieved: s.Rate, Requests: s.Requests, Duration: s.Wall, Latency: s.Latency}
	if s.Requests > 0 {
		st.ErrorShare = 1 - float64(s.Codes[uint16(sc.Expect.Status)])/float64(s.Requests)
	}
	exp := sc.Expect
	exp.DB = nil
	criteria := verdict.Evaluate(exp, verdict.Input{Summary: s, Checks: checker.Results()})
	for _, c := range criteria {
		if !c.Pass {
			msg := c.Message
			if msg == "" {
				msg = c.Name + " " + c.Observed
			}
			st.Failures = append(st.Failures, msg)
		}
	}
	st.UnderDelivered = s.Requests > 1 && s.Rate < report.UnderDeliveredRatio*rate
	if st.UnderDelivered {
		st.Failures = append(st.Failures, fmt.Sprintf("under-delivered: %.1f/s of %.0f/s", s.Rate, rate))
	}
	st.Pass = s.Requests > 0 && len(st.Failures) == 0
	return st, false, nil
}
