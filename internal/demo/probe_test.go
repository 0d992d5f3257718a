package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
	"github.com/perfgate/perfgate/internal/report"
)

// probedRun runs scenario 1 of the checklist against svc with the probe on
// dsn, one request at a time for a second, as run --db-probe does, and
// returns the judged scenario and what the probe printed.
func probedRun(t *testing.T, ctx context.Context, svc *service, dsn, fixtures, label string, expect ...string) (*model.Scenario, string) {
	t.Helper()
	var errOut bytes.Buffer
	ps, err := engine.Plan([]string{filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")},
		engine.Overrides{Fixtures: fixtures, Rate: "max", Duration: time.Second, Expect: expect}, svc.url)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := pgenv.OpenRunProbe(ctx, dsn, label, &errOut, pgenv.WithFlush(svc.pool.Reset))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	sc, err := engine.RunScenario(ctx, ps[0], engine.ScenarioOptions{Dir: t.TempDir(), MaxWorkers: 1,
		Probe: probe})
	if err != nil {
		t.Fatal(err)
	}
	return sc, errOut.String()
}

// probedRunDir runs scenario 1 of the checklist against svc as run
// --db-probe does, through engine.Run with a plan pass and the service's
// process sampled, writes its run directory (summary.json, plans.json and
// the reports) and returns the run, the directory and what the probe
// printed.
func probedRunDir(t *testing.T, ctx context.Context, svc *service, dsn, fixtures, label string, expect ...string) (*model.Run, string, string) {
	t.Helper()
	var errOut bytes.Buffer
	ps, err := engine.Plan([]string{filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")},
		engine.Overrides{Fixtures: fixtures, Rate: "max", Duration: time.Second, Expect: expect}, svc.url)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := pgenv.OpenRunProbe(ctx, dsn, label, &errOut, pgenv.WithFlush(svc.pool.Reset))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	service, err := engine.FindService(svc.url, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), label)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A second of load holds a few hundred requests, around what the
	// scenario's p99 criterion needs (368): these tests are about the
	// probe, so an inconclusive p99 passes, marked.
	run, err := engine.Run(ctx, ps, engine.RunOptions{Dir: dir, Target: svc.url, Label: label, MaxWorkers: 1,
		Probe: probe, PlanPass: pgenv.DefaultPlanPassRequests, Service: service, AllowInconclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := report.RunFormats(report.RawDir(dir, load.ReadPoints)).Parse("json,md,html")
	if err := all.Write(dir, run, io.Discard); err != nil {
		t.Fatal(err)
	}
	return run, dir, errOut.String()
}

// statsResetSQL is when pg_stat_statements was last reset (PG 14+), in µs.
const statsResetSQL = "SELECT (extract(epoch FROM stats_reset) * 1e6)::bigint FROM pg_stat_statements_info"

// TestProbeNaiveAndOptimized is issue 18's "done when": the checklist's
// request before (the N+1 loop, no indexes) and after (one query, the seven
// indexes), probed with a plan pass; the after report names the index
// scans on the two indexes that matter with counts per request, compare
// shows the plan change from sequential to index scans, and every
// summary.json carries the environment's fingerprint. It uses demo-scale
// data (≈ 50k detail rows, seeded in about a second): at tiny scale the
// planner rightly reads one user's 100 contents' details with one
// sequential scan, and there is no index scan of the details to show.
func TestProbeNaiveAndOptimized(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.NewDB(t)
	pgtest.Exec(t, dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
	seeded, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgenv.Analyze(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(t.TempDir(), "fixtures.json")
	if err := fixtures.Write(fx, &seeded.Fixtures); err != nil {
		t.Fatal(err)
	}
	contents := int64(seeded.Fixtures.ContentsPerPair)
	callsBefore := pgtest.QueryInt(t, dsn, "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements")
	resetBefore := pgtest.QueryInt(t, dsn, statsResetSQL)

	naive, err := startService(ctx, dsn, coursestatus.Naive)
	if err != nil {
		t.Fatal(err)
	}
	defer naive.pool.Close()
	before, beforeDir, stderr := probedRunDir(t, ctx, naive, dsn, fx, "after", "db.statements_per_request=1")
	sc := before.Scenarios[0]
	if sc.Pass {
		t.Fatalf("naive with a 1-statement gate passed; want the gate to fail")
	}
	// The run is labelled "after" and the indexes are missing: warned before load.
	if !strings.Contains(stderr, "lacks 7 of the seven indexes") || !strings.Contains(stderr, "perfgate db indexes apply") {
		t.Errorf("no missing-index warning for an after run: %q", stderr)
	}
	db := sc.DB
	if db == nil || !db.StatementsAvailable {
		t.Fatalf("no probe figures: %+v", sc)
	}
	// The original loop: 1 + one statement per content, each a sequential scan.
	if want := float64(1 + contents); db.StatementsPerRequest < want-0.5 || db.StatementsPerRequest > want+0.5 {
		t.Errorf("naive: %.2f statements per request, want ≈ %.0f", db.StatementsPerRequest, want)
	}
	if db.SeqScansPerRequest < float64(contents) {
		t.Errorf("naive: %.2f sequential scans per request, want ≥ %d (one per content)", db.SeqScansPerRequest, contents)
	}
	if db.IndexesPresent || len(db.MissingIndexes) != 7 {
		t.Errorf("indexes present %v, missing %v", db.IndexesPresent, db.MissingIndexes)
	}
	if len(db.SlowestStatements) == 0 || !strings.Contains(db.SlowestStatements[0].Query, "content_tracking") {
		t.Errorf("slowest statements: %+v", db.SlowestStatements)
	}
	crit := sc.Criteria[len(sc.Criteria)-1]
	if crit.Name != "db.statements_per_request" || crit.Pass || !strings.HasPrefix(crit.Message, "db.statements_per_request 101 > 1") {
		t.Errorf("db criterion: %+v", crit)
	}
	if got := planScans(db.Plans); !slices.Contains(got, "Seq Scan on content_tracking_details") || !slices.Contains(got, "Seq Scan on content_tracking") {
		t.Errorf("naive plans: %v, want the two sequential scans", got)
	}

	if err := pgenv.ApplyIndexes(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	opt, err := startService(ctx, dsn, coursestatus.Optimized)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.pool.Close()
	after, afterDir, stderr := probedRunDir(t, ctx, opt, dsn, fx, "after", "db.statements_per_request=1")
	sc = after.Scenarios[0]
	if !sc.Pass {
		t.Fatalf("optimized with indexes failed: %+v", sc.Criteria)
	}
	if strings.Contains(stderr, "lacks") {
		t.Errorf("missing-index warning with the indexes present: %q", stderr)
	}
	db = sc.DB
	if db.StatementsPerRequest != 1 || db.SeqScansPerRequest != 0 || db.IndexScansPerRequest < 1 || !db.IndexesPresent {
		t.Errorf("optimized with indexes: %+v", db)
	}

	// Index use per request: one scan of the (user, course, tenant) index
	// reading the user's contents in the course, and one scan of the
	// details index per content, in the statement's own plan.
	byName := map[string]pgenv.IndexUsage{}
	for _, u := range db.Indexes {
		byName[u.Name] = u
	}
	uct, det := byName["idx_content_tracking_user_course_tenant"], byName["idx_content_tracking_details_tracking_id"]
	if uct.Spec != uct.Name || uct.Scans != 1 || uct.TuplesRead != float64(contents) || uct.PlannerProbes {
		t.Errorf("idx_content_tracking_user_course_tenant: %+v, want 1 scan reading %d entries per request", uct, contents)
	}
	if det.Spec != det.Name || det.Scans < float64(contents) || det.PlannerProbes {
		t.Errorf("idx_content_tracking_details_tracking_id: %+v, want ≥ %d scans per request", det, contents)
	}
	if len(db.UnusedIndexes) == 0 || !slices.Contains(db.UnusedIndexes, "idx_content_tracking_created_on") {
		t.Errorf("unused indexes: %v", db.UnusedIndexes)
	}
	md, err := os.ReadFile(filepath.Join(afterDir, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| `idx_content_tracking_user_course_tenant` | content\\_tracking | 1 | " + fmt.Sprint(contents) + " |",
		fmt.Sprintf("| `idx_content_tracking_details_tracking_id` | content\\_tracking\\_details | %s |", figure.Float(det.Scans)),
		"Index Scan using idx\\_content\\_tracking\\_details\\_tracking\\_id on content\\_tracking\\_details",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md of the after run lacks %q:\n%s", want, md)
		}
	}

	// Every summary.json carries the fingerprint; the raw plans are in
	// plans.json, the summaries only in summary.json.
	for _, dir := range []string{beforeDir, afterDir} {
		run, err := model.ReadRun(dir)
		if err != nil {
			t.Fatal(err)
		}
		env := run.Environment
		if env == nil || env.Host.GoVersion == "" || env.Host.CPUs == 0 || env.Database == nil || env.Database.VersionNum < 150000 ||
			env.Statistics == nil || env.Plans == nil || env.Plans.Mode != model.PlanCapturePass {
			t.Fatalf("%s: environment %+v", dir, env)
		}
		if env.Database.Seed == nil || env.Database.Seed.Profile != "demo" {
			t.Errorf("%s: seed %+v", dir, env.Database.Seed)
		}
		if len(run.Scenarios[0].DB.Plans) == 0 || run.Scenarios[0].DB.Plans[0].Plan != nil {
			t.Errorf("%s: summary.json plans %+v, want summaries without the raw plan", dir, run.Scenarios[0].DB.Plans)
		}
		plans, err := model.ReadPlans(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(plans.Scenarios) != 1 || len(plans.Scenarios[0].Plans) == 0 || len(plans.Scenarios[0].Plans[0].Plan) == 0 {
			t.Errorf("%s: plans.json %+v, want the raw plans", dir, plans)
		}
		if r := run.Scenarios[0].Resources; r == nil || r.Samples == 0 || r.MaxRSS == 0 || !env.Service.InPerfgate {
			t.Errorf("%s: resources %+v of service %+v", dir, r, env.Service)
		}
	}

	// compare shows why: the plan change from sequential to index scans.
	res, err := compare.Compare(compare.Input{Run: before, Dir: beforeDir}, compare.Input{Run: after, Dir: afterDir},
		compare.Options{Latencies: compare.RawLatencies(load.ReadLatencies)})
	if err != nil {
		t.Fatal(err)
	}
	var txt bytes.Buffer
	if err := compare.Text(&txt, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Seq Scan on content_tracking_details -> Index Scan using idx_content_tracking_details_tracking_id on content_tracking_details",
		"Seq Scan on content_tracking -> Bitmap Heap Scan using idx_content_tracking_user_course_tenant on content_tracking",
		"could explain the result: an index present in one run only",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("compare lacks %q:\n%s", want, txt.String())
		}
	}

	// The probe reads statistics; it never resets them.
	callsAfter := pgtest.QueryInt(t, dsn, "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements")
	if callsAfter < callsBefore+sc.Requests {
		t.Errorf("pg_stat_statements calls went from %d to %d over %d requests: were they reset?", callsBefore, callsAfter, sc.Requests)
	}
	if reset := pgtest.QueryInt(t, dsn, statsResetSQL); reset != resetBefore {
		t.Errorf("pg_stat_statements was reset during the probed runs (stats_reset %d → %d)", resetBefore, reset)
	}
	// The plan passes switched capture off again.
	if got := pgtest.QueryInt(t, dsn, "SELECT current_setting('auto_explain.log_min_duration')::int"); got != -1 {
		t.Errorf("auto_explain.log_min_duration = %d after the runs, want -1 (capture off)", got)
	}
}

// planScans lists the scans of a scenario's plans.
func planScans(plans []pgenv.PlanSummary) []string {
	var out []string
	for _, p := range plans {
		for _, sc := range p.Scans {
			out = append(out, sc.String())
		}
	}
	return out
}

func TestProbeWithoutStatements(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.NewDB(t)
	pgtest.Exec(t, dsn, "DROP EXTENSION IF EXISTS pg_stat_statements")
	seeded, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(t.TempDir(), "fixtures.json")
	if err := fixtures.Write(fx, &seeded.Fixtures); err != nil {
		t.Fatal(err)
	}
	svc, err := startService(ctx, dsn, coursestatus.Optimized)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.pool.Close()
	sc, stderr := probedRun(t, ctx, svc, dsn, fx, "before", "db.statements_per_request=1")
	if sc.Pass {
		t.Errorf("a statements criterion that cannot be measured must fail the gate")
	}
	if strings.Count(stderr, "warning:") != 1 || !strings.Contains(stderr, "CREATE EXTENSION pg_stat_statements") {
		t.Errorf("want one warning saying how to enable pg_stat_statements, got %q", stderr)
	}
	if sc.DB == nil || sc.DB.StatementsAvailable || sc.DB.IndexScansPerRequest+sc.DB.SeqScansPerRequest == 0 {
		t.Errorf("table-level figures missing: %+v", sc.DB)
	}
}

// TestPlanPassFailureKeepsFigures: a plan pass that cannot reach the
// service costs the scenario its plans, not its figures: the scenario
// says why it has none, and capture is off again.
func TestPlanPassFailureKeepsFigures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.NewDB(t)
	seeded, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(t.TempDir(), "fixtures.json")
	if err := fixtures.Write(fx, &seeded.Fixtures); err != nil {
		t.Fatal(err)
	}
	svc, err := startService(ctx, dsn, coursestatus.Optimized)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.pool.Close()
	// In front of the service, a proxy that drops every connection once
	// the measured load is over (the probe's second flush: at its End).
	var flushes atomic.Int32
	up, _ := url.Parse(svc.url)
	proxy := httputil.NewSingleHostReverseProxy(up)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if flushes.Load() >= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	ps, err := engine.Plan([]string{filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")},
		engine.Overrides{Fixtures: fx, Rate: "10/s", Duration: 500 * time.Millisecond}, front.URL)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := pgenv.OpenRunProbe(ctx, dsn, "before", io.Discard, pgenv.WithFlush(func() { flushes.Add(1); svc.pool.Reset() }))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	sc, err := engine.RunScenario(ctx, ps[0], engine.ScenarioOptions{Dir: t.TempDir(), MaxWorkers: 1, Probe: probe, PlanPass: 1})
	if err != nil {
		t.Fatalf("a failed plan pass failed the scenario: %v", err)
	}
	if sc.DB == nil || sc.DB.StatementsPerRequest != 1 || sc.DB.Plans != nil || !strings.HasPrefix(sc.DB.PlansNote, "no plans: ") ||
		!strings.Contains(sc.DB.PlansNote, "plan pass: send the request of single-user-single-course") {
		t.Errorf("figures %+v: want the statements kept and the plans' absence explained", sc.DB)
	}
	if got := pgtest.QueryInt(t, dsn, "SELECT current_setting('auto_explain.log_min_duration')::int"); got != -1 {
		t.Errorf("auto_explain.log_min_duration = %d after a failed pass, want -1", got)
	}
}

// TestNoPlanPassWhenEveryRequestTimedOut: when every measured request
// timed out, the plan pass is not sent (it would time out too, minutes at
// claim scale), and the scenario says why it has no plans.
func TestNoPlanPassWhenEveryRequestTimedOut(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.NewDB(t)
	seeded, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(t.TempDir(), "fixtures.json")
	if err := fixtures.Write(fx, &seeded.Fixtures); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	// A front that answers after the timeout, whatever is asked.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer front.Close()
	ps, err := engine.Plan([]string{filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")},
		engine.Overrides{Fixtures: fx, Rate: "10/s", Duration: 300 * time.Millisecond, Timeout: 100 * time.Millisecond}, front.URL)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := pgenv.OpenRunProbe(ctx, dsn, "before", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	sc, err := engine.RunScenario(ctx, ps[0], engine.ScenarioOptions{Dir: t.TempDir(), MaxWorkers: 4, Probe: probe, PlanPass: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Timeouts == 0 || sc.Timeouts != sc.Requests || int64(hits.Load()) != sc.Requests {
		t.Errorf("%d requests, %d timed out, %d reached the front: want every one timed out and no plan pass sent", sc.Requests, sc.Timeouts, hits.Load())
	}
	if sc.DB == nil || sc.DB.PlansNote != "no plans: every measured request timed out, and a plan pass would too" {
		t.Errorf("plans note %+v", sc.DB)
	}
	if p50, ok := sc.Percentile("p50"); !ok || p50.Bound != metrics.AtLeast {
		t.Errorf("p50 %+v: want a lower bound", p50)
	}
}
