// Package compare sets a "before" run against an "after" run: per scenario
// and percentile the change and speed-up, whether the difference is
// statistically significant (x/perf benchmath, AssumeNothing), error rates,
// status-code and DB changes, the deployment checklist's success criteria,
// and the verdict on a stated claim such as "50 s → 2 s". Compare computes;
// the renderers in text.go, markdown.go, json.go and html.go print.
package compare

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Schema is the schema identifier of compare.json.
const Schema = "perfgate.compare/v1"

// Defaults quoted by the flag help.
const (
	// DefaultMaxRegression is how much a scenario's p95 may grow, when the
	// growth is significant, before the comparison fails.
	DefaultMaxRegression = 0.10
	// DefaultClaimPercentile is the percentile a claim is judged on.
	DefaultClaimPercentile = "p50"
	// DefaultAlpha is the significance level (benchstat's).
	DefaultAlpha = metrics.DefaultAlpha
	// ChecklistResponseTime is the checklist's "Response time < 2 seconds".
	ChecklistResponseTime = 2 * time.Second
	// ChecklistStatementsPerRequest is its "Database queries per request: 1".
	ChecklistStatementsPerRequest = 1.0
)

// Percentiles are the rows of a scenario's comparison, in order.
var Percentiles = []string{"p50", "p90", "p95", "p99", "max"}

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

// LatencyLoader returns every raw latency of a scenario of the run in dir.
// RawLatencies reads them from the run directory; tests inject their own.
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
	Alpha         float64
	MaxRegression float64
	// Claim, when set, is judged on ClaimPercentile of ClaimScenario
	// (default: the first scenario present in both runs).
	Claim           *Claim
	ClaimPercentile string
	ClaimScenario   string
	// Latencies loads raw latencies for the significance test; nil means
	// significance is unknown.
	Latencies LatencyLoader
	// Diff is what perfgate diff found (compare --diff): it fills the
	// functional verification and fails the gate on a difference. nil:
	// not measured.
	Diff *diffreport.Report
}

// Result is a finished comparison.
type Result struct {
	Schema    string          `json:"schema"`
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
	Failures      []string `json:"failures,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
	MaxRegression float64  `json:"max_regression"`
	Pass          bool     `json:"pass"`
}

// RunRef identifies a compared run.
type RunRef struct {
	Label  string    `json:"label,omitempty"`
	Target string    `json:"target"`
	Start  time.Time `json:"start"`
	Dir    string    `json:"dir"`
	Pass   bool      `json:"pass"`
}

// ScenarioDiff compares one scenario present in both runs.
type ScenarioDiff struct {
	Name string `json:"name"`
	Rows []Row  `json:"rows"`
	// Significance is the Mann–Whitney U test over every raw latency; nil
	// when raw results were missing (SignificanceNote says why).
	Significance     *Significance    `json:"significance,omitempty"`
	SignificanceNote string           `json:"significance_note,omitempty"`
	RequestsBefore   int64            `json:"requests_before"`
	RequestsAfter    int64            `json:"requests_after"`
	ErrorRateBefore  float64          `json:"error_rate_before"`
	ErrorRateAfter   float64          `json:"error_rate_after"`
	StatusBefore     map[string]int64 `json:"status_before"`
	StatusAfter      map[string]int64 `json:"status_after"`
	// StatusChanged says the set of status codes differs: a behaviour
	// change such as 200 → 400 for an invalid request.
	StatusChanged    bool     `json:"status_changed"`
	StatementsBefore *float64 `json:"statements_per_request_before,omitempty"`
	StatementsAfter  *float64 `json:"statements_per_request_after,omitempty"`
	// KneeBefore and KneeAfter are the highest rates (req/s) at which the
	// scenario met its criteria (perfgate capacity), when both runs have
	// a capacity search of it.
	KneeBefore *float64 `json:"knee_before,omitempty"`
	KneeAfter  *float64 `json:"knee_after,omitempty"`
	PassBefore bool     `json:"pass_before"`
	PassAfter  bool     `json:"pass_after"`
	// NewlyFailing names criteria that passed before and fail after.
	NewlyFailing []string `json:"newly_failing,omitempty"`
	Regressed    bool     `json:"regressed"`
	ErrorsRose   bool     `json:"errors_rose"`

	latBefore, latAfter model.Latency
}

// Row is one percentile of a scenario, before and after.
type Row struct {
	Percentile string        `json:"percentile"`
	Before     time.Duration `json:"before"`
	After      time.Duration `json:"after"`
	// Change is (after-before)/before: -0.967 is 96.7 % faster.
	Change float64 `json:"change"`
	// Speedup is before/after: 30.4 means 30.4× faster.
	Speedup float64 `json:"speedup"`
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
	// Status is "pass", "fail" or "not measured".
	Status string `json:"status"`
}

// Compare compares before with after. It fails only when the runs share
// no scenario or the claim names an unknown scenario or percentile;
// everything else (missing raw results, scenarios in one run only) becomes
// a warning.
func Compare(before, after Input, opts Options) (*Result, error) {
	if opts.Alpha <= 0 {
		opts.Alpha = DefaultAlpha
	}
	if opts.MaxRegression <= 0 {
		opts.MaxRegression = DefaultMaxRegression
	}
	if opts.ClaimPercentile == "" {
		opts.ClaimPercentile = DefaultClaimPercentile
	}
	res := &Result{
		Schema:        Schema,
		Before:        ref(before),
		After:         ref(after),
		MaxRegression: opts.MaxRegression,
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
	for _, d := range res.Scenarios {
		if d.SignificanceNote != "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("scenario %s: %s", d.Name, d.SignificanceNote))
		}
	}

	res.Saturation = saturation(res, before.Run, after.Run)

	if opts.Claim != nil {
		v, err := judgeClaim(res, *opts.Claim, opts.ClaimScenario, opts.ClaimPercentile)
		if err != nil {
			return nil, err
		}
		res.Claim = v
	}
	res.Success = successCriteria(res, opts.ClaimScenario)
	res.Functional = functionalVerification(opts.Diff)
	explain(res, before.Run, after.Run, opts.ClaimScenario)

	for _, d := range res.Scenarios {
		if d.Regressed {
			r := d.row("p95")
			res.Failures = append(res.Failures, fmt.Sprintf("scenario %s: p95 regressed %s → %s (%s), more than the allowed %s",
				d.Name, figure.Duration(r.Before), figure.Duration(r.After), figure.Change(r.Change), figure.Change(opts.MaxRegression)))
		}
		for _, c := range d.NewlyFailing {
			res.Failures = append(res.Failures, fmt.Sprintf("scenario %s: criterion %s passed before and fails after", d.Name, c))
		}
		if d.ErrorsRose {
			res.Failures = append(res.Failures, fmt.Sprintf("scenario %s: error rate rose from %s to %s",
				d.Name, figure.Share(d.ErrorRateBefore), figure.Share(d.ErrorRateAfter)))
		}
	}
	res.Failures = append(res.Failures, functionalFailures(opts.Diff)...)
	if res.Claim != nil && !res.Claim.Reproduced {
		res.Failures = append(res.Failures, res.Claim.Text)
	}
	res.Pass = len(res.Failures) == 0
	return res, nil
}

func ref(in Input) RunRef {
	return RunRef{Label: in.Run.Label, Target: in.Run.Target, Start: in.Run.Start, Dir: in.Dir, Pass: in.Run.Pass}
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
		Name:            b.Name,
		RequestsBefore:  b.Requests,
		RequestsAfter:   a.Requests,
		ErrorRateBefore: errorRate(b),
		ErrorRateAfter:  errorRate(a),
		StatusBefore:    b.StatusCodes,
		StatusAfter:     a.StatusCodes,
		PassBefore:      b.Pass,
		PassAfter:       a.Pass,
		latBefore:       b.Latency,
		latAfter:        a.Latency,
	}
	for _, p := range Percentiles {
		bv, _ := percentile(b.Latency, p)
		av, _ := percentile(a.Latency, p)
		d.Rows = append(d.Rows, newRow(p, bv, av))
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

	if opts.Latencies == nil {
		d.SignificanceNote = "raw results not loaded: significance unknown"
	} else {
		bl, berr := opts.Latencies(before.Dir, b)
		al, aerr := opts.Latencies(after.Dir, a)
		switch {
		case berr != nil:
			d.SignificanceNote = fmt.Sprintf("before raw results missing (%v): significance unknown", berr)
		case aerr != nil:
			d.SignificanceNote = fmt.Sprintf("after raw results missing (%v): significance unknown", aerr)
		default:
			s := metrics.Compare(bl, al, opts.Alpha)
			d.Significance = &Significance{P: s.P, NBefore: s.NBefore, NAfter: s.NAfter, Alpha: s.Alpha,
				Significant: s.Significant, Subsampled: s.Subsampled, Warnings: s.Warnings, text: s.String()}
		}
	}

	// A p95 growth beyond the allowance counts when it is significant, or
	// when significance is unknown: a gate without raw results stays strict.
	p95 := d.row("p95")
	d.Regressed = p95.Change > opts.MaxRegression && (d.Significance == nil || d.Significance.Significant)
	// An error-rate rise on a scenario whose status codes changed by design
	// (e.g. 200 → 400 for an invalid request) is judged by the after run's
	// own criteria.
	d.ErrorsRose = d.ErrorRateAfter > d.ErrorRateBefore+1e-12 && !(d.StatusChanged && d.PassAfter)
	return d
}

func (d *ScenarioDiff) row(p string) Row {
	for _, r := range d.Rows {
		if r.Percentile == p {
			return r
		}
	}
	return Row{Percentile: p}
}

func newRow(p string, before, after time.Duration) Row {
	r := Row{Percentile: p, Before: before, After: after}
	if before > 0 {
		r.Change = float64(after-before) / float64(before)
	}
	if after > 0 {
		r.Speedup = float64(before) / float64(after)
	}
	return r
}

// errorRate is the share of failed requests (transport error or an
// unexpected status), the complement of the scenario's success ratio.
func errorRate(sc *model.Scenario) float64 {
	if sc.Requests == 0 {
		return 0
	}
	return math.Max(0, 1-sc.Success)
}

// percentile picks a named figure of a latency distribution ("median"
// is p50).
func percentile(l model.Latency, name string) (time.Duration, bool) {
	if name == "median" {
		name = "p50"
	}
	return l.Stat(name)
}
