package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// probedRun runs scenario 1 of the checklist against svc with the probe on
// dsn, one request at a time for a second, and returns its summary.
func probedRun(t *testing.T, ctx context.Context, svc *demoService, dsn, fixtures, label string, expect ...string) (*model.Scenario, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	dir := filepath.Join(t.TempDir(), label)
	err := runRun(ctx, &runOptions{
		streams:      Streams{Out: &out, ErrOut: &errOut},
		paths:        []string{filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")},
		target:       svc.url,
		scen:         scenarioFlags{fixtures: fixtures, rate: "max", duration: time.Second},
		maxWorkers:   1,
		out:          dir,
		label:        label,
		formats:      "json",
		dbProbe:      dsn,
		expect:       expect,
		now:          time.Now,
		flushService: svc.pool.Reset,
	})
	run, rerr := model.ReadRun(dir)
	if rerr != nil {
		return nil, errOut.String(), err
	}
	return run.Scenarios[0], errOut.String(), err
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

	naive, err := startDemoService(ctx, dsn, coursestatus.Naive)
	if err != nil {
		t.Fatal(err)
	}
	defer naive.pool.Close()
	sc, stderr, err := probedRun(t, ctx, naive, dsn, fx, "after", "db.statements_per_request=1")
	if err != exit.ErrGateFailed {
		t.Fatalf("naive with a 1-statement gate: err %v, want the gate to fail", err)
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
	opt, err := startDemoService(ctx, dsn, coursestatus.Optimized)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.pool.Close()
	sc, stderr, err = probedRun(t, ctx, opt, dsn, fx, "after", "db.statements_per_request=1")
	if err != nil {
		t.Fatalf("optimized with indexes: %v", err)
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
	svc, err := startDemoService(ctx, dsn, coursestatus.Optimized)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.pool.Close()
	sc, stderr, err := probedRun(t, ctx, svc, dsn, fx, "before", "db.statements_per_request=1")
	if err != exit.ErrGateFailed {
		t.Errorf("err %v: a statements criterion that cannot be measured must fail the gate", err)
	}
	if strings.Count(stderr, "warning:") != 1 || !strings.Contains(stderr, "CREATE EXTENSION pg_stat_statements") {
		t.Errorf("want one warning saying how to enable pg_stat_statements, got %q", stderr)
	}
	if sc.DB == nil || sc.DB.StatementsAvailable || sc.DB.IndexScansPerRequest+sc.DB.SeqScansPerRequest == 0 {
		t.Errorf("table-level figures missing: %+v", sc.DB)
	}
}

func TestProbeBadDSN(t *testing.T) {
	tg := newTarget(t)
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), []string{"run", "--target", tg.URL, "--db-probe",
		"postgres://perfgate:s3cret@127.0.0.1:1/nope?connect_timeout=2", "--out", filepath.Join(t.TempDir(), "r"),
		filepath.Join("..", "..", "scenarios", "01-single-user-single-course.yaml")}, Streams{Out: &out, ErrOut: &errOut})
	if code != exit.CodeUnavailable {
		t.Fatalf("exit %d, want 3: %s", code, errOut.String())
	}
	if tg.hits.Load() != 0 {
		t.Errorf("%d requests sent although the probe could not connect", tg.hits.Load())
	}
	if strings.Contains(errOut.String(), "s3cret") || !strings.Contains(errOut.String(), "--db-probe") {
		t.Errorf("stderr: %s", errOut.String())
	}
}
