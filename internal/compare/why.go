package compare

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// DefaultCPUTolerance is how much a scenario's CPU per request may grow
// before the checklist's "CPU usage is normal or decreased" fails: CPU time
// is counted in 10 ms clock ticks and a short scenario's figure is coarse.
const DefaultCPUTolerance = 0.10

// Why is what explains a comparison's figures, next to them: per scenario
// the use of each index, the plan changes and the resources used, and
// every difference between the two runs' environments.
type Why struct {
	// Environment lists every difference between the two environments
	// (perfgate's host, the database's fingerprint); Explains marks those
	// that could by themselves explain the result.
	Environment []sysinfo.Difference `json:"environment_differences"`
	// EnvironmentNote says when a run records no environment.
	EnvironmentNote string `json:"environment_note,omitempty"`
	// PlansBefore and PlansAfter say how each run captured its plans.
	PlansBefore *model.PlanCapture `json:"plans_before,omitempty"`
	PlansAfter  *model.PlanCapture `json:"plans_after,omitempty"`
	Scenarios   []*ScenarioWhy     `json:"scenarios,omitempty"`
}

// ScenarioWhy is what explains one scenario's change.
type ScenarioWhy struct {
	Name string `json:"name"`
	// Indexes are the seven and every other index used on either side,
	// before and after, per request.
	Indexes []IndexChange `json:"indexes,omitempty"`
	// UnusedAfter names the indexes present after that no statement used.
	UnusedAfter []string `json:"unused_after,omitempty"`
	// PlanChanges are the tables whose scans changed, over all the
	// scenario's statements ("Seq Scan on t -> Index Scan using i on t");
	// PlansNote says why they cannot be shown.
	PlanChanges []pgenv.PlanChange `json:"plan_changes,omitempty"`
	PlansNote   string             `json:"plans_note,omitempty"`
	// DBTime is the statements' execution time per request.
	DBTimeBefore *time.Duration `json:"db_time_per_request_before,omitempty"`
	DBTimeAfter  *time.Duration `json:"db_time_per_request_after,omitempty"`
	// CPU and PeakRSS are the service process's, when sampled.
	CPUBefore     *time.Duration `json:"cpu_per_request_before,omitempty"`
	CPUAfter      *time.Duration `json:"cpu_per_request_after,omitempty"`
	PeakRSSBefore *int64         `json:"peak_rss_before,omitempty"`
	PeakRSSAfter  *int64         `json:"peak_rss_after,omitempty"`
	// MaxActive is the most database connections seen running a
	// statement at once; TempFiles the temporary files written.
	MaxActiveBefore *int   `json:"max_active_connections_before,omitempty"`
	MaxActiveAfter  *int   `json:"max_active_connections_after,omitempty"`
	TempFilesBefore *int64 `json:"temp_files_before,omitempty"`
	TempFilesAfter  *int64 `json:"temp_files_after,omitempty"`
	// Notes are the probe's notes of either run (parallel workers,
	// planner probes) that a reader of the figures needs.
	Notes []string `json:"notes,omitempty"`
}

// IndexChange is one index's use per request before and after; a side is
// nil when the run has no probe figures.
type IndexChange struct {
	// Index is the name shown: the spec's (one of the seven) or the
	// index's own.
	Index  string            `json:"index"`
	Before *pgenv.IndexUsage `json:"before,omitempty"`
	After  *pgenv.IndexUsage `json:"after,omitempty"`
}

// explain fills res.Why from the two runs, warns about what could explain
// the result besides the change under test, and completes the checklist's
// rows that the resources measure. It never changes the gate.
func explain(res *Result, before, after *model.Run, claimScenario string) {
	w := &Why{Environment: []sysinfo.Difference{}}
	eb, ea := before.Environment, after.Environment
	switch {
	case eb == nil && ea == nil:
		w.EnvironmentNote = "neither run records its environment (written by an older perfgate)"
	case eb == nil || ea == nil:
		side := "before"
		if ea == nil {
			side = "after"
		}
		w.EnvironmentNote = "the " + side + " run records no environment (written by an older perfgate): differences cannot be listed"
	default:
		w.Environment = append(sysinfo.DiffHosts(eb.Host, ea.Host), pgenv.DiffFingerprints(eb.Database, ea.Database)...)
		w.PlansBefore, w.PlansAfter = eb.Plans, ea.Plans
		if warn := environmentWarning(w.Environment); warn != "" {
			res.Warnings = append(res.Warnings, warn)
		}
	}
	for _, side := range []struct {
		name string
		env  *model.Environment
	}{{"before", eb}, {"after", ea}} {
		if side.env == nil {
			continue
		}
		if side.env.Statistics != nil {
			for _, s := range side.env.Statistics.Warnings() {
				res.Warnings = append(res.Warnings, fmt.Sprintf("the %s run started on stale statistics: %s", side.name, s))
			}
		}
		if side.env.Plans != nil && side.env.Plans.Mode == model.PlanCaptureLoad {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the %s run's latencies include plan capture: the server explained its measured requests (auto_explain)", side.name))
		}
	}
	bs := map[string]*model.Scenario{}
	for _, sc := range before.Scenarios {
		bs[sc.Name] = sc
	}
	as := map[string]*model.Scenario{}
	for _, sc := range after.Scenarios {
		as[sc.Name] = sc
	}
	for _, d := range res.Scenarios {
		if sw := scenarioWhy(bs[d.Name], as[d.Name]); sw != nil {
			w.Scenarios = append(w.Scenarios, sw)
		}
	}
	if eb != nil || ea != nil || len(w.Scenarios) > 0 {
		res.Why = w
	}
	res.Success = resourceCriteria(res, eb, ea, claimScenario)
}

// scenarioWhy compares what explains one scenario; nil when neither run
// probed the database nor sampled the service.
func scenarioWhy(b, a *model.Scenario) *ScenarioWhy {
	if b == nil || a == nil || (b.DB == nil && a.DB == nil && b.Resources == nil && a.Resources == nil) {
		return nil
	}
	sw := &ScenarioWhy{Name: b.Name}
	if quiet(b.DB) && quiet(a.DB) {
		// No statement on either side: no index, no plan to explain.
		sw.DBTimeBefore, sw.DBTimeAfter = dbTime(b.DB), dbTime(a.DB)
	} else if b.DB != nil || a.DB != nil {
		sw.Indexes = indexChanges(b.DB, a.DB)
		if a.DB != nil {
			sw.UnusedAfter = a.DB.UnusedIndexes
		}
		sw.PlanChanges, sw.PlansNote = planChanges(b.DB, a.DB)
		sw.DBTimeBefore, sw.DBTimeAfter = dbTime(b.DB), dbTime(a.DB)
		sw.MaxActiveBefore, sw.MaxActiveAfter = maxActive(b.DB), maxActive(a.DB)
		sw.TempFilesBefore, sw.TempFilesAfter = tempFiles(b.DB), tempFiles(a.DB)
		for _, side := range []struct {
			name string
			db   *model.DB
		}{{"before", b.DB}, {"after", a.DB}} {
			if side.db != nil {
				for _, n := range side.db.Notes {
					sw.Notes = append(sw.Notes, side.name+": "+n)
				}
			}
		}
	}
	sw.CPUBefore, sw.PeakRSSBefore = resources(b.Resources)
	sw.CPUAfter, sw.PeakRSSAfter = resources(a.Resources)
	pb, pa := sw.probed()
	if len(sw.rows(pb, pa)) == 0 && len(sw.lines()) == 0 {
		return nil // runs of an older perfgate: nothing beyond the statements
	}
	return sw
}

// quiet reports whether a probed scenario ran no statement at all.
func quiet(db *model.DB) bool {
	return db != nil && db.StatementsAvailable && db.StatementsPerRequest == 0 && db.SeqScansPerRequest == 0 && db.IndexScansPerRequest == 0
}

// environmentWarning is one warning for the differences that could explain
// the result, grouped by how: a migration adds seven indexes, one reason.
func environmentWarning(diffs []sysinfo.Difference) string {
	var whys []string
	count := map[string]int{}
	for _, d := range diffs {
		if !d.Explains {
			continue
		}
		if count[d.Why] == 0 {
			whys = append(whys, d.Why)
		}
		count[d.Why]++
	}
	if len(whys) == 0 {
		return ""
	}
	parts := make([]string, len(whys))
	for i, w := range whys {
		parts[i] = w
		if n := count[w]; n > 1 {
			parts[i] += fmt.Sprintf(" (%d differences)", n)
		}
	}
	return "environment: the runs differ in ways that could explain the result besides the change under test: " +
		strings.Join(parts, "; ") + "; see the environment differences"
}

// indexChanges pairs the index rows of two runs: the seven by spec (their
// names may differ), any other index by name.
func indexChanges(b, a *model.DB) []IndexChange {
	var out []IndexChange
	find := func(key string) int {
		return slices.IndexFunc(out, func(c IndexChange) bool { return c.Index == key })
	}
	add := func(db *model.DB, after bool) {
		if db == nil {
			return
		}
		for i := range db.Indexes {
			u := &db.Indexes[i]
			key := u.Spec
			if key == "" {
				key = u.Name
			}
			k := find(key)
			if k < 0 {
				out = append(out, IndexChange{Index: key})
				k = len(out) - 1
			}
			if after {
				out[k].After = u
			} else {
				out[k].Before = u
			}
		}
	}
	add(b, false)
	add(a, true)
	// The seven first, in checklist order, then the others by name.
	rank := func(c IndexChange) int {
		if i := slices.Index(pgenv.IndexNames(), c.Index); i >= 0 {
			return i
		}
		return len(pgenv.Indexes)
	}
	slices.SortStableFunc(out, func(x, y IndexChange) int {
		if rx, ry := rank(x), rank(y); rx != ry {
			return rx - ry
		}
		if rank(x) == len(pgenv.Indexes) {
			return strings.Compare(x.Index, y.Index)
		}
		return 0
	})
	return out
}

// planChanges describes how the scenario's scans changed; when a side has
// no plans, the note says why instead.
func planChanges(b, a *model.DB) ([]pgenv.PlanChange, string) {
	missing := func(side string, db *model.DB) string {
		if db == nil {
			return "the " + side + " run did not probe the database"
		}
		note := db.PlansNote
		if note == "" {
			note = "no plan was captured"
		}
		return "no plans in the " + side + " run: " + note
	}
	if (b == nil || (len(b.Plans) == 0 && b.PlansNote == "")) && (a == nil || (len(a.Plans) == 0 && a.PlansNote == "")) {
		return nil, "" // neither run says anything about plans (an older perfgate)
	}
	switch {
	case b == nil || len(b.Plans) == 0:
		return nil, missing("before", b)
	case a == nil || len(a.Plans) == 0:
		return nil, missing("after", a)
	}
	ch := pgenv.DiffPlans(b.Plans, a.Plans)
	if len(ch) == 0 {
		return nil, "the same scans before and after"
	}
	return ch, ""
}

// detailed reports whether db carries more than the first figures: a
// probe of this perfgate always lists the seven indexes, one of an older
// perfgate never does.
func detailed(db *model.DB) bool { return db != nil && len(db.Indexes) > 0 }

func dbTime(db *model.DB) *time.Duration {
	if !detailed(db) || !db.StatementsAvailable {
		return nil
	}
	return &db.TimePerRequest
}

func maxActive(db *model.DB) *int {
	if db == nil || db.Activity == nil {
		return nil
	}
	return &db.Activity.MaxActive
}

func tempFiles(db *model.DB) *int64 {
	if !detailed(db) {
		return nil
	}
	return &db.TempFiles
}

func resources(r *model.Resources) (*time.Duration, *int64) {
	if r == nil || r.Samples == 0 {
		return nil, nil
	}
	return &r.CPUPerRequest, &r.MaxRSS
}

// resourceCriteria adds the checklist's "CPU usage" row and fills
// "Concurrent request handling" when no capacity search measured it, from
// what the runs measured; rows it cannot fill say what to do.
func resourceCriteria(res *Result, eb, ea *model.Environment, claimScenario string) []SuccessCriterion {
	ref := claimDiff(res, claimScenario)
	var refWhy *ScenarioWhy
	var whys []*ScenarioWhy
	if res.Why != nil {
		whys = res.Why.Scenarios
	}
	for _, sw := range whys {
		if sw.Name == ref {
			refWhy = sw
		}
	}
	out := slices.Clone(res.Success)

	cpu := SuccessCriterion{Name: "CPU usage", Target: "normal or decreased", Status: figure.NotMeasured,
		Measured: "not measured: run perfgate on the service's machine, or pass --service-pid"}
	// A service inside perfgate's process (the demo) shares its CPU with
	// the load generator, whose share grows with the rate: only the
	// scenario the other rows are judged on decides then, and a rise
	// elsewhere is reported, not judged.
	inPerfgate := (eb != nil && eb.Service != nil && eb.Service.InPerfgate) || (ea != nil && ea.Service != nil && ea.Service.InPerfgate)
	var rose, judged []string
	var first *ScenarioWhy
	for _, sw := range whys {
		if sw.CPUBefore == nil || sw.CPUAfter == nil {
			continue
		}
		if first == nil || sw == refWhy {
			first = sw
		}
		d := res.scenario(sw.Name)
		if cpuRose(*sw.CPUBefore, *sw.CPUAfter, d.RequestsAfter) {
			rose = append(rose, fmt.Sprintf("%s (%s → %s)", sw.Name, figure.Duration(*sw.CPUBefore), figure.Duration(*sw.CPUAfter)))
			if !inPerfgate || sw == refWhy {
				judged = append(judged, sw.Name)
			}
		}
	}
	if first != nil {
		cpu.Measured = fmt.Sprintf("CPU per request %s (was %s) on %s; peak RSS %s (was %s)", figure.Duration(*first.CPUAfter),
			figure.Duration(*first.CPUBefore), first.Name, sysinfo.BytesText(*first.PeakRSSAfter), sysinfo.BytesText(*first.PeakRSSBefore))
		if len(rose) > 0 {
			cpu.Measured += "; rose on " + strings.Join(rose, ", ")
		}
		if inPerfgate {
			cpu.Measured += fmt.Sprintf(" (the service runs inside perfgate: its CPU includes the load generator's, so only %s is judged)", first.Name)
		}
		cpu.Status = figure.State(len(judged) == 0)
	}
	i := slices.IndexFunc(out, func(c SuccessCriterion) bool { return c.Name == "Concurrent request handling" })
	if i >= 0 && out[i].Status == figure.NotMeasured {
		if c, ok := concurrency(whys, refWhy); ok {
			out[i] = c
		}
	}
	return append(out, cpu)
}

// cpuRose reports whether CPU per request grew beyond DefaultCPUTolerance
// and the clock tick's share of the after run's requests.
func cpuRose(before, after time.Duration, requests int64) bool {
	slack := time.Duration(float64(before) * DefaultCPUTolerance)
	if requests > 0 {
		slack += 10 * time.Millisecond / time.Duration(requests)
	}
	return after > before+slack
}

// concurrency estimates "Concurrent request handling" from the database
// time per request: a request holds a pool connection at least that long,
// so with the same pool the after version serves before/after times the
// requests at once.
func concurrency(whys []*ScenarioWhy, ref *ScenarioWhy) (SuccessCriterion, bool) {
	sw := ref
	if sw == nil || sw.DBTimeBefore == nil || sw.DBTimeAfter == nil {
		sw = nil
		for _, s := range whys {
			if s.DBTimeBefore != nil && s.DBTimeAfter != nil && *s.DBTimeBefore > 0 {
				sw = s
				break
			}
		}
	}
	if sw == nil || *sw.DBTimeBefore <= 0 {
		return SuccessCriterion{}, false
	}
	b, a := *sw.DBTimeBefore, *sw.DBTimeAfter
	c := SuccessCriterion{Name: "Concurrent request handling", Target: "improved", Status: figure.State(a < b)}
	c.Measured = fmt.Sprintf("estimated: database time per request %s (was %s) on %s", figure.Duration(a), figure.Duration(b), sw.Name)
	if a > 0 && a < b {
		c.Measured += fmt.Sprintf(", so the same connection pool serves about %s the requests at once", figure.Speedup(float64(b)/float64(a)))
	}
	c.Measured += "; perfgate capacity measures it"
	return c, true
}

// claimDiff names the scenario the checklist rows are judged on, as
// successCriteria chooses it: the claim's, else --claim-scenario, else the
// first compared.
func claimDiff(res *Result, claimScenario string) string {
	if res.Claim != nil {
		return res.Claim.Scenario
	}
	if claimScenario != "" {
		return claimScenario
	}
	return res.Scenarios[0].Name
}

func (res *Result) scenario(name string) *ScenarioDiff {
	for _, d := range res.Scenarios {
		if d.Name == name {
			return d
		}
	}
	return &ScenarioDiff{Name: name}
}
