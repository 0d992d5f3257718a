// Package compare sets a "before" run against an "after" run: per scenario
// and percentile both figures with their confidence intervals, the
// speed-up with its interval and the row's outcome (faster, slower, no
// change, inconclusive) from that interval alone (metrics.ComparePercentile);
// failures (transport errors, timeouts, 5xx) per scenario apart from
// behaviour changes, DB statements, the deployment checklist's success
// criteria, and the verdict on a stated claim such as "50 s → 2 s".
// Compare computes; the renderers in text.go, markdown.go, json.go and
// html.go print.
package compare

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Schema is the schema identifier of compare.json.
const Schema = "perfgate.compare/v1"

// Defaults quoted by the flag help.
const (
	// DefaultMaxRegression is how much a percentile may grow before the
	// gate fails: its ratio's interval must lie wholly above 1 + this.
	DefaultMaxRegression = metrics.DefaultMaxRegression
	// DefaultMinEffect is the smallest absolute change a row calls faster
	// or slower and the gate a regression (metrics.DefaultMinEffect).
	DefaultMinEffect = metrics.DefaultMinEffect
	// DefaultClaimPercentile is the percentile a claim is judged on.
	DefaultClaimPercentile = "p50"
	// DefaultClaimTolerance is how far the measured before may lie from
	// the claimed one, relative, for the claim to be reproduced rather
	// than reproduced at this scale (below) or not reproduced (above).
	DefaultClaimTolerance = 0.5
	// DefaultAlpha is the Mann–Whitney test's level (benchstat's).
	DefaultAlpha = metrics.DefaultAlpha
	// ChecklistResponseTime is the checklist's "Response time < 2 seconds".
	ChecklistResponseTime = 2 * time.Second
	// ChecklistStatementsPerRequest is its "Database queries per request: 1".
	ChecklistStatementsPerRequest = 1.0
)

// NoMinEffect, as Options.MinEffect, judges rows on their intervals alone.
const NoMinEffect time.Duration = -1

// DefaultPercentiles are the rows of a scenario's comparison, in order.
// Every row but max is judged and gated; the max has no interval at any
// sample size and is shown only.
var DefaultPercentiles = []string{"p50", "p90", "p95", "p99", "max"}

// Input is one side of a comparison: a run and the directory holding its
// raw result files.
type Input struct {
	Run *model.Run
	Dir string
	// Capacity holds the capacity searches found beside the run (see
	// model.FindCapacity); nil when there are none.
	Capacity *model.Capacity
}

// Load reads a run from a run directory or a summary.json path.
func Load(path string) (Input, error) {
	run, err := model.ReadRun(path)
	if err != nil {
		return Input{}, err
	}
	dir := path
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	capacity, err := model.FindCapacity(dir)
	if err != nil {
		return Input{}, fmt.Errorf("capacity results beside %s: %w", dir, err)
	}
	return Input{Run: run, Dir: dir, Capacity: capacity}, nil
}

// Runs reads the runs at before and after (run directories or
// summary.json files) and, when diff is not "", the result perfgate diff
// wrote there (into o.Diff), and compares them. Each error is the user's
// to fix (exit 2) and says which input is at fault. The after run's Input
// is returned too: its directory is where the comparison's files go by
// default.
func Runs(before, after, diff string, o Options) (*Result, Input, error) {
	if diff != "" {
		var err error
		if o.Diff, err = diffreport.Read(diff); err != nil {
			return nil, Input{}, exit.Usage(fmt.Errorf("--diff: %w", err))
		}
	}
	b, err := Load(before)
	if err != nil {
		return nil, Input{}, exit.Usage(fmt.Errorf("before: %w; pass a run directory or its summary.json", err))
	}
	a, err := Load(after)
	if err != nil {
		return nil, Input{}, exit.Usage(fmt.Errorf("after: %w; pass a run directory or its summary.json", err))
	}
	res, err := Compare(b, a, o)
	if err != nil {
		return nil, Input{}, exit.Usage(fmt.Errorf("compare: %w", err))
	}
	return res, a, nil
}

// CreateOutDir creates the directory a comparison's files go to and
// returns it: out when given, else the after run's directory. An error is
// the user's to fix (exit 2).
func CreateOutDir(out string, after Input) (string, error) {
	if out == "" {
		out = after.Dir
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", exit.Usagef("--out %s: %v; choose a directory perfgate can write", out, err)
	}
	return out, nil
}

// LatencyLoader returns every raw latency of a scenario of the run in dir,
// in any order. RawLatencies reads them from the run directory; tests
// inject their own.
type LatencyLoader func(dir string, sc *model.Scenario) ([]time.Duration, error)

// RawLatencies is the LatencyLoader of run directories: it reads each
// scenario's raw results file (its Raw name) in dir with read
// (load.ReadLatencies).
func RawLatencies(read func(path string) ([]time.Duration, error)) LatencyLoader {
	return func(dir string, sc *model.Scenario) ([]time.Duration, error) {
		if sc.Raw == "" {
			return nil, fmt.Errorf("scenario %s has no raw results file", sc.Name)
		}
		return read(filepath.Join(dir, sc.Raw))
	}
}

// Options tune a comparison. Zero values take the Default constants.
type Options struct {
	// Alpha is the level of the Mann–Whitney test shown as information.
	Alpha float64
	// MaxRegression and MinEffect are what a row must exceed to fail the
	// gate: its ratio's interval wholly above 1 + MaxRegression and its
	// latency grown by more than MinEffect (NoMinEffect: none).
	MaxRegression float64
	MinEffect     time.Duration
	// AllowInconclusive lets a row or the claim the samples are too small
	// to judge pass the gate, said as a warning, instead of failing it.
	AllowInconclusive bool
	// Percentiles are the rows compared and gated (DefaultPercentiles).
	Percentiles []string
	// OnlySupported leaves out, per scenario, the rows that either run
	// holds too few requests for, and says so in the scenario's notes:
	// the demo shows only what its samples can judge. The p50 row is
	// always kept.
	OnlySupported bool
	// Claim, when set, is judged on ClaimPercentile of ClaimScenario
	// (default: the first scenario present in both runs), the measured
	// before within ClaimTolerance of the claimed one.
	Claim           *Claim
	ClaimPercentile string
	ClaimScenario   string
	ClaimTolerance  float64
	// Latencies loads the raw latencies the intervals are computed from;
	// nil, or a scenario whose raw results are missing, leaves its rows
	// without interval: inconclusive.
	Latencies LatencyLoader
	// Diff is what perfgate diff found (compare --diff): it fills the
	// functional verification and fails the gate on a difference. nil:
	// not measured.
	Diff *diffreport.Report
}

// Result is a finished comparison.
type Result struct {
	Schema string `json:"schema"`
	// Headline is the verdict in one line, the same in every format and
	// what the command prints: the gate, the claim, and the first reason.
	Headline  string          `json:"headline"`
	Before    RunRef          `json:"before"`
	After     RunRef          `json:"after"`
	Scenarios []*ScenarioDiff `json:"scenarios"`
	// Success is the deployment checklist's Success Criteria table.
	Success []SuccessCriterion `json:"success_criteria"`
	// Functional is the checklist's Functional Verification block, from a
	// diff result (functional.go).
	Functional []SuccessCriterion `json:"functional_verification"`
	Claim      *ClaimVerdict      `json:"claim,omitempty"`
	// Why is what explains the figures: index use, plan changes,
	// resources and environment differences (why.go).
	Why *Why `json:"why,omitempty"`
	// Saturation lists the scenarios whose before or after run was
	// saturated, with the speed-up on service time (saturation.go).
	Saturation []Saturation `json:"saturation,omitempty"`
	// Failures says, one line each, why the gate fails; empty when it passes.
	Failures []string `json:"failures,omitempty"`
	// Warnings are what a reader must know beside the figures; every
	// format prints them as footnotes.
	Warnings          []string      `json:"warnings,omitempty"`
	MaxRegression     float64       `json:"max_regression"`
	MinEffect         time.Duration `json:"min_effect"`
	AllowInconclusive bool          `json:"allow_inconclusive,omitempty"`
	Pass              bool          `json:"pass"`
}

// RunRef identifies a compared run.
type RunRef struct {
	Label       string    `json:"label,omitempty"`
	Target      string    `json:"target"`
	Start       time.Time `json:"start"`
	Dir         string    `json:"dir"`
	Pass        bool      `json:"pass"`
	Interrupted bool      `json:"interrupted,omitempty"`
	Incomplete  string    `json:"incomplete,omitempty"`
}

// ScenarioDiff compares one scenario present in both runs.
type ScenarioDiff struct {
	Name string `json:"name"`
	Rows []Row  `json:"rows"`
	// Notes are the scenario's footnotes: too few requests for a row,
	// figures bounded by timeouts, rows left out, changes below the
	// minimum effect, raw results missing. Every format prints them.
	Notes []string `json:"notes,omitempty"`
	// Significance is the Mann–Whitney U test over every raw latency: one
	// test of the whole distribution's location, shown as information;
	// it decides no row. nil when raw results were missing.
	Significance   *Significance `json:"significance,omitempty"`
	RequestsBefore int64         `json:"requests_before"`
	RequestsAfter  int64         `json:"requests_after"`
	// Timeouts are the requests that outlived the timeout: failures, and
	// lower bounds on their latency.
	TimeoutsBefore int64 `json:"timeouts_before,omitempty"`
	TimeoutsAfter  int64 `json:"timeouts_after,omitempty"`
	// ErrorRate is the share of requests that failed: a transport error,
	// a timeout or a 5xx answer (model.Scenario.Failed).
	ErrorRateBefore float64 `json:"error_rate_before"`
	ErrorRateAfter  float64 `json:"error_rate_after"`
	// Unexpected counts the answers with another status than the
	// scenario expects that are no failure: a behaviour change, such as
	// 200 where 400 is expected, listed apart from the error rate.
	UnexpectedBefore int64            `json:"unexpected_status_before,omitempty"`
	UnexpectedAfter  int64            `json:"unexpected_status_after,omitempty"`
	ExpectedStatus   int              `json:"expected_status,omitempty"`
	StatusBefore     map[string]int64 `json:"status_before"`
	StatusAfter      map[string]int64 `json:"status_after"`
	// StatusChanged says the set of status codes differs: a behaviour
	// change such as 200 → 400 for an invalid request.
	StatusChanged    bool     `json:"status_changed"`
	StatementsBefore *float64 `json:"statements_per_request_before,omitempty"`
	StatementsAfter  *float64 `json:"statements_per_request_after,omitempty"`
	// KneeBefore and KneeAfter are the highest rates (req/s) at which the
	// scenario met its criteria (perfgate capacity), when both runs have
	// a capacity search of it; CapacityBefore and CapacityAfter the
	// searches, with the bracket each knee was found in.
	KneeBefore     *float64                `json:"knee_before,omitempty"`
	KneeAfter      *float64                `json:"knee_after,omitempty"`
	CapacityBefore *model.CapacityScenario `json:"-"`
	CapacityAfter  *model.CapacityScenario `json:"-"`
	PassBefore     bool                    `json:"pass_before"`
	PassAfter      bool                    `json:"pass_after"`
	// NewlyFailing names criteria that passed before and fail after.
	NewlyFailing []string `json:"newly_failing,omitempty"`
	// Regressed says a gated row is slower beyond the allowance;
	// Inconclusive names the gated rows the samples cannot judge.
	Regressed    bool     `json:"regressed"`
	Inconclusive []string `json:"inconclusive,omitempty"`
	ErrorsRose   bool     `json:"errors_rose"`

	before, after *model.Scenario
	// samples are the raw latencies of each side; nil when missing.
	sampleBefore, sampleAfter *metrics.Sample
}

// Row is one percentile of a scenario, before and after.
type Row struct {
	Percentile string        `json:"percentile"`
	Before     time.Duration `json:"before"`
	After      time.Duration `json:"after"`
	// Change is (after-before)/before at the point estimates: -0.967 is
	// 96.7 % faster.
	Change float64 `json:"change"`
	// Speedup is before/after: 30.4 means 30.4× faster.
	Speedup float64 `json:"speedup"`
	// Judged is false for the max, which no sample size can judge: it is
	// shown, never gated.
	Judged bool `json:"judged"`
	// Outcome is the row's verdict from its own interval: faster, slower,
	// no change (within the interval or the minimum effect) or
	// inconclusive (too few requests, raw results missing).
	Outcome metrics.Outcome `json:"outcome"`
	// Gate is the same interval judged against the allowed regression.
	Gate metrics.Outcome `json:"gate"`
	// Interval holds both percentiles with their intervals and the ratio
	// after/before with its own; nil without raw results.
	Interval *metrics.Change `json:"interval,omitempty"`
	// Notes are this row's footnotes (Change.Footnotes).
	Notes []string `json:"notes,omitempty"`
}

// Speed is the speed-up before/after with its interval and bound.
func (r Row) Speed() metrics.Ratio {
	if r.Interval == nil {
		return metrics.Ratio{Value: r.Speedup, LoOpen: true, HiOpen: true}
	}
	return r.Interval.Ratio.Inverse()
}

// Significance is the outcome of the Mann–Whitney U test between the two
// runs' raw latencies.
type Significance struct {
	P           float64  `json:"p"`
	NBefore     int      `json:"n_before"`
	NAfter      int      `json:"n_after"`
	Alpha       float64  `json:"alpha"`
	Significant bool     `json:"significant"`
	Subsampled  bool     `json:"subsampled,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	text        string
}

// String is benchstat's "p=0.008 n=10".
func (s *Significance) String() string { return s.text }

// SuccessCriterion is a row of the checklist's Success Criteria table.
type SuccessCriterion struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	// Status is "pass", "fail", "inconclusive" or "not measured".
	Status string `json:"status"`
}

// Compare compares before with after. It fails only when the runs share
// no scenario or the options name an unknown scenario or percentile;
// everything else (missing raw results, scenarios in one run only) becomes
// a warning.
func Compare(before, after Input, opts Options) (*Result, error) {
	if opts.Alpha <= 0 {
		opts.Alpha = DefaultAlpha
	}
	if opts.MaxRegression <= 0 {
		opts.MaxRegression = DefaultMaxRegression
	}
	switch {
	case opts.MinEffect == 0:
		opts.MinEffect = DefaultMinEffect
	case opts.MinEffect < 0:
		opts.MinEffect = 0
	}
	if opts.ClaimPercentile == "" {
		opts.ClaimPercentile = DefaultClaimPercentile
	}
	if opts.ClaimTolerance <= 0 {
		opts.ClaimTolerance = DefaultClaimTolerance
	}
	if len(opts.Percentiles) == 0 {
		opts.Percentiles = DefaultPercentiles
	}
	for _, p := range opts.Percentiles {
		if _, ok := percentileValue(p); !ok {
			return nil, fmt.Errorf("percentile %q: want p50, p90, p95, p99 or max", p)
		}
	}
	res := &Result{
		Schema:            Schema,
		Before:            ref(before),
		After:             ref(after),
		MaxRegression:     opts.MaxRegression,
		MinEffect:         opts.MinEffect,
		AllowInconclusive: opts.AllowInconclusive,
	}
	afterByName := map[string]*model.Scenario{}
	for _, sc := range after.Run.Scenarios {
		afterByName[sc.Name] = sc
	}
	beforeNames := map[string]bool{}
	for _, b := range before.Run.Scenarios {
		beforeNames[b.Name] = true
		a, ok := afterByName[b.Name]
		if !ok {
			res.Warnings = append(res.Warnings, fmt.Sprintf("scenario %s is only in the before run: not compared", b.Name))
			continue
		}
		d := compareScenario(before, after, b, a, opts)
		if before.Capacity != nil && after.Capacity != nil {
			cb, ca := before.Capacity.Scenario(b.Name), after.Capacity.Scenario(b.Name)
			if cb != nil && ca != nil {
				d.KneeBefore, d.KneeAfter = &cb.Knee, &ca.Knee
				d.CapacityBefore, d.CapacityAfter = cb, ca
				for _, side := range []struct {
					name string
					c    *model.CapacityScenario
				}{{"before", cb}, {"after", ca}} {
					for _, n := range side.c.Notes {
						d.Notes = append(d.Notes, fmt.Sprintf("capacity %s: %s", side.name, n))
					}
				}
			}
		}
		res.Scenarios = append(res.Scenarios, d)
	}
	for _, a := range after.Run.Scenarios {
		if !beforeNames[a.Name] {
			res.Warnings = append(res.Warnings, fmt.Sprintf("scenario %s is only in the after run: not compared", a.Name))
		}
	}
	if len(res.Scenarios) == 0 {
		return nil, fmt.Errorf("the runs have no scenario in common: before has %s, after has %s",
			names(before.Run), names(after.Run))
	}

	res.Saturation = saturation(res, before.Run, after.Run)

	if opts.Claim != nil {
		v, err := judgeClaim(res, *opts.Claim, opts)
		if err != nil {
			return nil, err
		}
		res.Claim = v
	}
	res.Success = successCriteria(res, opts.ClaimScenario)
	res.Functional = functionalVerification(opts.Diff)
	explain(res, before.Run, after.Run, opts.ClaimScenario)

	res.Failures = append(res.Failures, runFailures(res)...)
	var inconclusive []string
	for _, d := range res.Scenarios {
		for _, r := range d.Rows {
			if r.Judged && r.Gate == metrics.Slower {
				res.Failures = append(res.Failures, fmt.Sprintf("scenario %s: %s slower %s → %s (%s, speed-up %s %s), beyond the allowed %s and %s",
					d.Name, r.Percentile, figure.Duration(r.Before), figure.Duration(r.After), figure.ChangeOf(r.Interval.Ratio),
					figure.SpeedupOf(r.Speed()), figure.RatioInterval(r.Speed()), figure.Change(opts.MaxRegression), figure.Duration(opts.MinEffect)))
			}
		}
		if len(d.Inconclusive) > 0 {
			inconclusive = append(inconclusive, fmt.Sprintf("scenario %s: %s inconclusive: %s",
				d.Name, strings.Join(d.Inconclusive, ", "), d.why()))
		}
		for _, c := range d.NewlyFailing {
			res.Failures = append(res.Failures, fmt.Sprintf("scenario %s: criterion %s passed before and fails after", d.Name, c))
		}
		if d.ErrorsRose {
			res.Failures = append(res.Failures, fmt.Sprintf("scenario %s: failures (transport errors, timeouts, 5xx) rose from %s to %s",
				d.Name, figure.Share(d.ErrorRateBefore), figure.Share(d.ErrorRateAfter)))
		}
	}
	if res.Claim != nil {
		switch res.Claim.Outcome {
		case ClaimNotReproduced:
			res.Failures = append(res.Failures, res.Claim.Text)
		case ClaimInconclusive:
			inconclusive = append(inconclusive, res.Claim.Text)
		}
	}
	if opts.AllowInconclusive {
		for _, s := range inconclusive {
			res.Warnings = append(res.Warnings, "allowed by --allow-inconclusive: "+s)
		}
	} else {
		for _, s := range inconclusive {
			res.Failures = append(res.Failures, s+"; run longer, or pass --allow-inconclusive")
		}
	}
	res.Failures = append(res.Failures, functionalFailures(opts.Diff)...)
	res.Pass = len(res.Failures) == 0
	res.Headline = headline(res)
	return res, nil
}

// runFailures fails the gate on an after run that did not run to its end,
// and warns about a before run that did not: its figures describe a
// partial run.
func runFailures(res *Result) []string {
	var out []string
	for _, side := range []struct {
		name string
		ref  RunRef
	}{{"before", res.Before}, {"after", res.After}} {
		var why string
		switch {
		case side.ref.Interrupted:
			why = "was interrupted (Ctrl-C or a signal) before its end"
		case side.ref.Incomplete != "":
			why = "stopped before its last scenario (" + side.ref.Incomplete + ")"
		default:
			continue
		}
		text := fmt.Sprintf("the %s run %s: its figures describe part of the run", side.name, why)
		if side.name == "after" {
			out = append(out, text+"; run it again to the end")
		} else {
			res.Warnings = append(res.Warnings, text)
		}
	}
	return out
}

func ref(in Input) RunRef {
	return RunRef{Label: in.Run.Label, Target: in.Run.Target, Start: in.Run.Start, Dir: in.Dir, Pass: in.Run.Pass,
		Interrupted: in.Run.Interrupted, Incomplete: in.Run.Incomplete}
}

func names(r *model.Run) string {
	var out []string
	for _, sc := range r.Scenarios {
		out = append(out, sc.Name)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func compareScenario(before, after Input, b, a *model.Scenario, opts Options) *ScenarioDiff {
	d := &ScenarioDiff{
		Name:             b.Name,
		RequestsBefore:   b.Requests,
		RequestsAfter:    a.Requests,
		TimeoutsBefore:   b.Timeouts,
		TimeoutsAfter:    a.Timeouts,
		ErrorRateBefore:  share(b.Failed(), b.Requests),
		ErrorRateAfter:   share(a.Failed(), a.Requests),
		UnexpectedBefore: b.Unexpected(),
		UnexpectedAfter:  a.Unexpected(),
		ExpectedStatus:   a.ExpectedStatus(),
		StatusBefore:     b.StatusCodes,
		StatusAfter:      a.StatusCodes,
		PassBefore:       b.Pass,
		PassAfter:        a.Pass,
		before:           b,
		after:            a,
	}
	d.StatusChanged = !slices.Equal(slices.Sorted(maps.Keys(b.StatusCodes)), slices.Sorted(maps.Keys(a.StatusCodes)))
	d.StatementsBefore, d.StatementsAfter = b.DB.Statements(), a.DB.Statements()
	passedBefore := map[string]bool{}
	for _, c := range b.Criteria {
		passedBefore[c.Name] = c.Pass
	}
	for _, c := range a.Criteria {
		if passedBefore[c.Name] && !c.Pass {
			d.NewlyFailing = append(d.NewlyFailing, c.Name)
		}
	}

	var missing string
	switch {
	case opts.Latencies == nil:
		missing = "raw results not loaded"
	case b.Requests == 0 || a.Requests == 0:
		// Nothing to load: the rows say "not measured".
	default:
		bl, berr := opts.Latencies(before.Dir, b)
		al, aerr := opts.Latencies(after.Dir, a)
		switch {
		case berr != nil:
			missing = fmt.Sprintf("before raw results missing (%v)", berr)
		case aerr != nil:
			missing = fmt.Sprintf("after raw results missing (%v)", aerr)
		default:
			s := metrics.Compare(bl, al, opts.Alpha)
			d.Significance = &Significance{P: s.P, NBefore: s.NBefore, NAfter: s.NAfter, Alpha: s.Alpha,
				Significant: s.Significant, Subsampled: s.Subsampled, Warnings: s.Warnings, text: s.String()}
			// Compare read them; sort copies for the intervals.
			sb, sa := b.Sample(slices.Sorted(slices.Values(bl))), a.Sample(slices.Sorted(slices.Values(al)))
			d.sampleBefore, d.sampleAfter = &sb, &sa
		}
	}
	if missing != "" {
		d.Notes = append(d.Notes, missing+": no interval, so no row can be judged")
	}

	var left []string
	for _, p := range opts.Percentiles {
		pv, _ := percentileValue(p)
		if opts.OnlySupported && p != "p50" && pv < 100 && d.sampleBefore != nil {
			if need := metrics.MinSamples(pv, metrics.DefaultConfidence); int64(need) > min(b.Requests, a.Requests) {
				left = append(left, fmt.Sprintf("%s (needs ≥ %d)", p, need))
				continue
			}
		}
		d.Rows = append(d.Rows, d.newRow(p, pv, opts))
	}
	if len(left) > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("left out, too few requests on a side (before %d, after %d): %s",
			b.Requests, a.Requests, strings.Join(left, ", ")))
	}
	for _, r := range d.Rows {
		if !r.Judged {
			continue
		}
		switch r.Gate {
		case metrics.Slower:
			d.Regressed = true
		case metrics.Inconclusive:
			d.Inconclusive = append(d.Inconclusive, r.Percentile)
		}
	}
	for _, side := range []struct {
		name string
		n    int64
		sc   *model.Scenario
	}{{"before", d.UnexpectedBefore, b}, {"after", d.UnexpectedAfter, a}} {
		if side.n > 0 {
			d.Notes = append(d.Notes, fmt.Sprintf("behaviour change: the %s answered %d of %d requests with another status than the expected %d (%s); not failures, so not in the error rate",
				side.name, side.n, side.sc.Requests, side.sc.ExpectedStatus(), figure.Codes(side.sc.StatusCodes)))
		}
	}
	if (b.Timeouts > 0 || a.Timeouts > 0) && (d.StatementsBefore != nil || d.StatementsAfter != nil) {
		d.Notes = append(d.Notes, fmt.Sprintf("statements per request count the work done for timed-out requests (%d before, %d after), which the server may have abandoned: read them as approximate",
			b.Timeouts, a.Timeouts))
	}
	// A failure share is a failure share whatever the statuses: an answer
	// the scenario does not expect is a behaviour change (Unexpected),
	// never counted here.
	d.ErrorsRose = d.ErrorRateAfter > d.ErrorRateBefore+1e-12
	return d
}

// newRow compares one percentile. Without raw results the row keeps the
// summaries' figures and is inconclusive.
func (d *ScenarioDiff) newRow(p string, pv float64, opts Options) Row {
	bv, _ := d.before.Latency.Stat(p)
	av, _ := d.after.Latency.Stat(p)
	r := Row{Percentile: p, Before: bv, After: av, Judged: pv < 100}
	if bv > 0 {
		r.Change = float64(av-bv) / float64(bv)
	}
	if av > 0 {
		r.Speedup = float64(bv) / float64(av)
	}
	if d.sampleBefore == nil {
		r.Outcome, r.Gate = metrics.Inconclusive, metrics.Inconclusive
		if d.before.Requests == 0 || d.after.Requests == 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s not measured: no requests %s", p, noRequestsSide(d.before, d.after)))
		}
		return r
	}
	c := metrics.ComparePercentile(*d.sampleBefore, *d.sampleAfter, pv, metrics.MinEffect(opts.MinEffect))
	r.Interval = &c
	r.Before, r.After = c.Before.Value, c.After.Value
	r.Outcome = c.Outcome
	r.Gate = c.Judge(opts.MaxRegression, opts.MinEffect)
	if r.Judged {
		r.Notes = c.Footnotes()
	}
	return r
}

// noRequestsSide says which run sent nothing.
func noRequestsSide(b, a *model.Scenario) string {
	switch {
	case b.Requests == 0 && a.Requests == 0:
		return "in either run"
	case b.Requests == 0:
		return "in the before run"
	}
	return "in the after run"
}

// why says why a scenario's gated rows are inconclusive, from their
// first note.
func (d *ScenarioDiff) why() string {
	for _, r := range d.Rows {
		if slices.Contains(d.Inconclusive, r.Percentile) && len(r.Notes) > 0 {
			return r.Notes[0]
		}
	}
	if len(d.Notes) > 0 {
		return d.Notes[0]
	}
	return "no interval"
}

func (d *ScenarioDiff) row(p string) (Row, bool) {
	for _, r := range d.Rows {
		if r.Percentile == p {
			return r, true
		}
	}
	return Row{Percentile: p}, false
}

// share is k/n; 0 when nothing was sent.
func share(k, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// percentileValue reads a row's name: "p95" is 95, "max" 100.
func percentileValue(name string) (float64, bool) {
	switch name {
	case "p50":
		return 50, true
	case "p90":
		return 90, true
	case "p95":
		return 95, true
	case "p99":
		return 99, true
	case "max":
		return 100, true
	}
	return 0, false
}

// headline is the verdict in one line, which every format and the
// command print first: pass or fail, the claim's outcome, and the first
// reason the gate fails. A claim that holds while the gate fails says
// both, so no format can show one without the other.
func headline(res *Result) string {
	claim := ""
	if res.Claim != nil {
		claim = "claim " + res.Claim.Outcome.Words()
	}
	if res.Pass {
		s := "PASS: "
		if claim != "" {
			s += claim + "; "
		}
		s += fmt.Sprintf("no regression beyond noise in %s", figure.Plural(len(res.Scenarios), "scenario"))
		allowed := 0
		for _, w := range res.Warnings {
			if strings.HasPrefix(w, "allowed by --allow-inconclusive") {
				allowed++
			}
		}
		if allowed > 0 {
			s += fmt.Sprintf(" (%s allowed)", figure.Plural(allowed, "inconclusive verdict"))
		}
		return s
	}
	var others []string
	for _, f := range res.Failures {
		if res.Claim == nil || !strings.HasPrefix(f, res.Claim.Text) {
			others = append(others, f)
		}
	}
	if len(others) == 0 {
		return "FAIL: " + res.Claim.Text
	}
	s := "FAIL: "
	if claim != "" {
		s += claim
		if res.Claim.Holds {
			s += ", but "
		} else {
			s += "; "
		}
	}
	s += others[0]
	if len(others) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(others)-1)
	}
	return s
}
