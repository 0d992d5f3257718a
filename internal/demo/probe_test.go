package demo

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
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
	probe, err := pgenv.OpenRunProbe(ctx, dsn, label, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	sc, err := engine.RunScenario(ctx, ps[0], engine.ScenarioOptions{Dir: t.TempDir(), MaxWorkers: 1,
		Probe: flushingProbe{Probe: probe, flush: svc.pool.Reset}})
	if err != nil {
		t.Fatal(err)
	}
	return sc, errOut.String()
}

// statsResetSQL is when pg_stat_statements was last reset (PG 14+), in µs.
const statsResetSQL = "SELECT (extract(epoch FROM stats_reset) * 1e6)::bigint FROM pg_stat_statements_info"

func TestProbeNaiveAndOptimized(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.NewDB(t)
	pgtest.Exec(t, dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
	// demo scale: large enough that PostgreSQL plans index scans once the
	// indexes exist (on tiny data a sequential scan is rightly cheaper).
	seeded, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "demo"})
	if err != nil {
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
	sc, stderr := probedRun(t, ctx, naive, dsn, fx, "after", "db.statements_per_request=1")
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

	if err := pgenv.ApplyIndexes(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	opt, err := startService(ctx, dsn, coursestatus.Optimized)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.pool.Close()
	sc, stderr = probedRun(t, ctx, opt, dsn, fx, "after", "db.statements_per_request=1")
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

	// The probe reads statistics; it never resets them.
	callsAfter := pgtest.QueryInt(t, dsn, "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements")
	if callsAfter < callsBefore+sc.Requests {
		t.Errorf("pg_stat_statements calls went from %d to %d over %d requests: were they reset?", callsBefore, callsAfter, sc.Requests)
	}
	if reset := pgtest.QueryInt(t, dsn, statsResetSQL); reset != resetBefore {
		t.Errorf("pg_stat_statements was reset during the probed runs (stats_reset %d → %d)", resetBefore, reset)
	}
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
