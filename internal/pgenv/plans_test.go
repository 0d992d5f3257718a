package pgenv_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// captureCluster starts a cluster of its own that captures plans (the
// package's shared cluster does not), stopped when t ends.
func captureCluster(t *testing.T, opts ...pgenv.LocalOption) *pgenv.Local {
	t.Helper()
	l, err := pgenv.StartLocal(context.Background(), append([]pgenv.LocalOption{pgenv.WithPlanCapture(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Stop(); err != nil {
			t.Error(err)
		}
	})
	return l
}

var dbCounter atomic.Int64

// newDBOn creates a database with the service's schema on l.
func newDBOn(t *testing.T, l *pgenv.Local) string {
	t.Helper()
	name := fmt.Sprintf("plans%d", dbCounter.Add(1))
	pgtest.Exec(t, l.DSN(), "CREATE DATABASE "+name)
	dsn := l.DSNFor(name)
	if err := pgenv.CreateSchema(context.Background(), dsn); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// detailRows fills content_tracking_details with n rows whose
// contentTrackingId is md5(i)::uuid, and analyzes it.
func detailRows(t *testing.T, dsn string, n int) {
	t.Helper()
	pgtest.Exec(t, dsn, `INSERT INTO content_tracking_details ("contentTrackingId", "userId", eid, mode, pageid, type, subtype, edata, duration, summary, progress, "updatedOn")
SELECT md5(g::text)::uuid, md5((g % 50)::text)::uuid, CASE WHEN g % 3 = 0 THEN 'END' ELSE 'START' END, 'play', 'p', 't', 's', '{}', 0, '{}', 0, now()
FROM generate_series(1, $1) g`, n)
	pgtest.Exec(t, dsn, `ANALYZE content_tracking_details`)
}

const detailsByTracking = `SELECT id, eid FROM content_tracking_details WHERE "contentTrackingId" = md5($1)::uuid`

// scenario runs the "service's" requests on a connection of its own
// between the probe's Begin and End and returns the figures.
func scenario(t *testing.T, p *pgenv.Probe, dsn string, requests int, run func(c *pgx.Conn)) *pgenv.Figures {
	t.Helper()
	ctx := context.Background()
	// Connected after Begin: Begin waits for recently busy connections.
	if err := p.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	run(svc)
	// Closing the service's connection flushes its table statistics,
	// so End need not wait out PostgreSQL's lazy flush.
	svc.Close(ctx)
	f, err := p.End(ctx, int64(requests))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func query(t *testing.T, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	rows, err := c.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func shapes(plans []pgenv.PlanSummary) []string {
	var out []string
	for _, p := range plans {
		out = append(out, p.Shape)
	}
	return out
}

func findPlan(plans []pgenv.PlanSummary, shapePart string) *pgenv.PlanSummary {
	for i := range plans {
		if strings.Contains(plans[i].Shape, shapePart) {
			return &plans[i]
		}
	}
	return nil
}

// TestPlanCapture runs the capture tests on one cluster started
// WithPlanCapture(1), each in a database of its own.
func TestPlanCapture(t *testing.T) {
	l := captureCluster(t)
	t.Run("BeforeAfter", func(t *testing.T) { testPlanCaptureBeforeAfter(t, l) })
	t.Run("ParallelWorkers", func(t *testing.T) { testPlanCaptureParallelWorkers(t, l) })
	t.Run("ThroughServer", func(t *testing.T) { testPlanCaptureThroughServer(t, l) })
	t.Run("SetPlanCaptureRefused", func(t *testing.T) {
		// Capture given on the server's command line outranks ALTER SYSTEM.
		err := pgenv.SetPlanCapture(context.Background(), l.DSN(), 0)
		if err == nil || !strings.Contains(err.Error(), "start it WithPlanCapture(0)") {
			t.Errorf("SetPlanCapture on a cluster started with capture on: %v", err)
		}
	})
}

// testPlanCaptureBeforeAfter is the story on a tiny table: without
// the index the statement scans the table, with it the index, and the
// change reads so. Plans are attributed to the window they ran in.
func testPlanCaptureBeforeAfter(t *testing.T, l *pgenv.Local) {
	ctx := context.Background()
	if l.ServerLog() == "" {
		t.Fatal("ServerLog is empty on a cluster started WithPlanCapture")
	}
	dsn := newDBOn(t, l)
	detailRows(t, dsn, 20000)

	run := func() *pgenv.Figures {
		t.Helper()
		p, err := pgenv.OpenProbe(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if !p.PlansCaptured() || p.PlansNote() != "" {
			t.Fatalf("plans captured %v, note %q: want full capture", p.PlansCaptured(), p.PlansNote())
		}
		// Before the window: must not be attributed to it.
		pgtest.Exec(t, dsn, `SELECT count(*) FROM content_tracking`)
		return scenario(t, p, dsn, 3, func(c *pgx.Conn) {
			for i := range 3 {
				query(t, c, detailsByTracking, fmt.Sprint(100+i))
			}
		})
	}

	before := run()
	pgtest.Exec(t, dsn, `CREATE INDEX idx_content_tracking_details_tracking_id ON content_tracking_details ("contentTrackingId")`)
	pgtest.Exec(t, dsn, `ANALYZE content_tracking_details`)
	after := run()

	for _, f := range []*pgenv.Figures{before, after} {
		if len(f.Plans) != 1 {
			t.Fatalf("plans of %q: want exactly the service's one statement shape (not the probe's, not the one before Begin)", shapes(f.Plans))
		}
		s := f.Plans[0]
		if s.Shape != `SELECT id, eid FROM content_tracking_details WHERE "contentTrackingId" = md5(?)::uuid` {
			t.Errorf("shape %q", s.Shape)
		}
		if s.Plans != 3 || s.Calls != 3 || s.Variants != 1 || !s.Analyzed {
			t.Errorf("plans %d, calls %d, variants %d, analyzed %v: want 3, 3, 1, true", s.Plans, s.Calls, s.Variants, s.Analyzed)
		}
		if s.ActualRows != 1 || s.SharedHit+s.SharedRead == 0 || len(s.Plan) == 0 {
			t.Errorf("actual rows %.0f, buffers %d+%d, plan %d bytes: want 1 row, some buffers, the plan kept",
				s.ActualRows, s.SharedHit, s.SharedRead, len(s.Plan))
		}
	}
	b, a := before.Plans[0], after.Plans[0]
	if len(b.Scans) != 1 || b.Scans[0].Node != "Seq Scan" || b.Scans[0].RowsRemoved != 19999 {
		t.Errorf("before scans %+v: want one Seq Scan that filtered out 19999 rows", b.Scans)
	}
	if len(a.Scans) != 1 || a.Scans[0].Node != "Index Scan" || a.Scans[0].RowsRemoved != 0 {
		t.Errorf("after scans %+v: want one Index Scan", a.Scans)
	}
	if b.SharedHit+b.SharedRead <= 10*(a.SharedHit+a.SharedRead) {
		t.Errorf("buffers before %d, after %d: the index should read far fewer", b.SharedHit+b.SharedRead, a.SharedHit+a.SharedRead)
	}
	want := "Seq Scan on content_tracking_details -> Index Scan using idx_content_tracking_details_tracking_id on content_tracking_details"
	for name, ch := range map[string][]pgenv.PlanChange{
		"DiffPlans": pgenv.DiffPlans(before.Plans, after.Plans),
		"DiffPlan":  pgenv.DiffPlan(b, a),
	} {
		if len(ch) != 1 || ch[0].String() != want || ch[0].Table != "content_tracking_details" {
			t.Errorf("%s = %v, want one change %q", name, ch, want)
		}
	}
	if ch := pgenv.DiffPlans(after.Plans, after.Plans); len(ch) != 0 {
		t.Errorf("DiffPlans of a scenario with itself: %v", ch)
	}
}

// testPlanCaptureParallelWorkers: a parallel sequential scan is counted by
// pg_stat_user_tables once per process; the figures say how many of the
// scans were the workers'.
func testPlanCaptureParallelWorkers(t *testing.T, l *pgenv.Local) {
	dsn := newDBOn(t, l)
	detailRows(t, dsn, 5000)
	// Make a parallel plan cheap for the service's sessions (a SET in the
	// scenario would count as a statement).
	db := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	for _, s := range []string{"parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
		"max_parallel_workers_per_gather = 2", "parallel_leader_participation = on"} {
		pgtest.Exec(t, dsn, "ALTER DATABASE "+db+" SET "+s)
	}
	p, err := pgenv.OpenProbe(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const requests = 2
	f := scenario(t, p, dsn, requests, func(c *pgx.Conn) {
		for range requests {
			query(t, c, `SELECT count(*) FROM content_tracking_details WHERE eid = $1`, "END")
		}
	})
	s := findPlan(f.Plans, "count(*)")
	if s == nil {
		t.Fatalf("no plan of the count in %q", shapes(f.Plans))
	}
	if s.WorkersPlanned != 2 || s.WorkersLaunched < 1 || len(s.Scans) != 1 || !s.Scans[0].Parallel {
		t.Fatalf("plan %+v: want a Gather planning 2 workers over a Parallel Seq Scan", s)
	}
	if got := s.Scans[0].String(); got != "Parallel Seq Scan on content_tracking_details" {
		t.Errorf("scan %q", got)
	}
	w := float64(s.WorkersLaunched)
	if f.StatementsPerRequest != 1 || f.SeqScansPerRequest != 1+w {
		t.Errorf("%.1f statements and %.1f seq scans per request: want 1 and 1 + %.0f workers", f.StatementsPerRequest, f.SeqScansPerRequest, w)
	}
	par := f.Parallel
	if !par.Ran || par.Source != pgenv.ParallelFromPlans || par.WorkersPerRequest != w || par.SeqScansByWorkersPerRequest != w {
		t.Errorf("parallel %+v: want ran, from plans, %.0f workers and %.0f worker scans per request", par, w, w)
	}
	notes := strings.Join(f.Notes(), "\n")
	want := fmt.Sprintf("of %.1f sequential scans per request about %.1f are the workers' and 1.0 the statements' own", 1+w, w)
	if !strings.Contains(notes, want) {
		t.Errorf("notes %q: want %q", notes, want)
	}
}

// testPlanCaptureThroughServer: a role that may not read the data
// directory but holds pg_read_server_files reads the log through the
// server; a role may not switch auto_explain off for itself, so its own
// statements are filtered out of the plans.
func testPlanCaptureThroughServer(t *testing.T, l *pgenv.Local) {
	ctx := context.Background()
	dsn := newDBOn(t, l)
	detailRows(t, dsn, 2000)
	pgtest.Exec(t, dsn, `CREATE ROLE reader LOGIN IN ROLE pg_read_server_files`)
	pgtest.Exec(t, dsn, `GRANT EXECUTE ON FUNCTION pg_current_logfile(text), pg_stat_file(text), pg_read_binary_file(text, bigint, bigint) TO reader`)
	pgtest.Exec(t, dsn, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader`)
	rdsn := strings.Replace(dsn, "postgres://postgres@", "postgres://reader@", 1)
	p, err := pgenv.OpenProbe(ctx, rdsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.PlansCaptured() {
		t.Fatalf("plans not captured through the server: %s", p.PlansNote())
	}
	f := scenario(t, p, rdsn, 1, func(c *pgx.Conn) { query(t, c, detailsByTracking, "7") })
	if len(f.Plans) != 1 || f.Plans[0].Scans[0].Table != "content_tracking_details" {
		t.Fatalf("plans of %q: want the service's one statement", shapes(f.Plans))
	}
}

// TestPlanCaptureCSVLog: PostgreSQL before 15 has no jsonlog; csvlog works
// the same.
func TestPlanCaptureCSVLog(t *testing.T) {
	l := captureCluster(t, pgenv.WithSetting("log_destination=csvlog"))
	dsn := newDBOn(t, l)
	detailRows(t, dsn, 2000)
	p, err := pgenv.OpenProbe(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.PlansCaptured() {
		t.Fatalf("plans not captured from csvlog: %s", p.PlansNote())
	}
	f := scenario(t, p, dsn, 2, func(c *pgx.Conn) {
		query(t, c, detailsByTracking, "7")
		// A multi-line statement: csvlog quotes its newlines.
		query(t, c, "SELECT count(*)\nFROM content_tracking_details\nWHERE eid = 'END'")
	})
	if len(f.Plans) != 2 || findPlan(f.Plans, "WHERE eid = ?") == nil {
		t.Fatalf("plans of %q: want the two statements", shapes(f.Plans))
	}
}

// TestPlansNotCaptured: on a server without auto_explain the probe says
// what to enable instead of showing nothing.
func TestPlansNotCaptured(t *testing.T) {
	dsn := pgtest.NewDB(t)
	p, err := pgenv.OpenProbe(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.PlansCaptured() {
		t.Fatal("plans captured on a server without auto_explain")
	}
	note := p.PlansNote()
	for _, want := range []string{"plans not captured: auto_explain is not loaded", "shared_preload_libraries or session_preload_libraries",
		"auto_explain.log_min_duration = 0", "auto_explain.log_format = json", "read access to the log"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	p.ActivityInterval = 0
	f := scenario(t, p, dsn, 1, func(c *pgx.Conn) { query(t, c, `SELECT 1`) })
	if f.Plans != nil || f.PlansNote != note || !strings.Contains(strings.Join(f.Notes(), "\n"), "plans not captured") {
		t.Errorf("figures: plans %v, note %q, notes %v: want no plans and the note", f.Plans, f.PlansNote, f.Notes())
	}
	if f.Activity.Samples != 0 {
		t.Errorf("activity sampled with ActivityInterval 0: %+v", f.Activity)
	}
}

// TestParsePlanBitmap: EXPLAIN (FORMAT JSON) output parses too, and a bitmap
// scan names the indexes it combined.
func TestParsePlanBitmap(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	detailRows(t, dsn, 5000)
	pgtest.Exec(t, dsn, `CREATE INDEX ctd_user ON content_tracking_details ("userId")`)
	pgtest.Exec(t, dsn, `CREATE INDEX ctd_eid ON content_tracking_details (eid)`)
	pgtest.Exec(t, dsn, `ANALYZE content_tracking_details`)
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	query(t, c, `SET enable_indexscan = off`)
	query(t, c, `SET enable_seqscan = off`)
	const q = `SELECT count(*) FROM content_tracking_details WHERE "userId" = md5('3')::uuid AND eid = 'END'`
	var doc []byte
	if err := c.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) `+q).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	s, err := pgenv.ParsePlan(doc, q, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Scans) != 1 || s.Scans[0].Node != "Bitmap Heap Scan" {
		t.Fatalf("scans %+v: want one bitmap heap scan", s.Scans)
	}
	got := s.Scans[0].String()
	if !strings.HasPrefix(got, "Bitmap Heap Scan using ") || !strings.Contains(got, "ctd_user") || !strings.HasSuffix(got, " on content_tracking_details") {
		t.Errorf("scan %q: want a bitmap heap scan using ctd_user", got)
	}
	if s.Shape != `SELECT count(*) FROM content_tracking_details WHERE "userId" = md5(?)::uuid AND eid = ?` || !s.Analyzed || s.ActualRows != 1 {
		t.Errorf("summary %+v", s)
	}
	if !strings.Contains(strings.Join(s.NodeTypes, ","), "Bitmap Index Scan") {
		t.Errorf("node types %v lack the bitmap index scan", s.NodeTypes)
	}
}

func TestStatementShape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT * FROM t WHERE a = 1 AND b = 'x''y'`, `SELECT * FROM t WHERE a = ? AND b = ?`},
		{`SELECT * FROM t WHERE a = $1 AND b = $2`, `SELECT * FROM t WHERE a = ? AND b = ?`},
		{"SELECT *\n  FROM t -- why\n WHERE a IN (1, 2, 3);", `SELECT * FROM t WHERE a IN (?)`},
		{`SELECT "col2", t1.x FROM t1 WHERE y = ANY(ARRAY[$1, $2]) /* c */`, `SELECT "col2", t1.x FROM t1 WHERE y = ANY(ARRAY[?])`},
		{`SELECT E'a\n', 1.5e3, "it's" FROM t`, `SELECT ?, ?, "it's" FROM t`},
	} {
		if got := pgenv.StatementShape(tc.in); got != tc.want {
			t.Errorf("StatementShape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPlanChangeString(t *testing.T) {
	c := pgenv.PlanChange{Table: "t", Before: []string{"Seq Scan on t"}}
	if got := c.String(); got != "Seq Scan on t -> (not scanned)" {
		t.Errorf("%q", got)
	}
	c.After = []string{"Index Scan using a on t", "Bitmap Heap Scan using b on t"}
	if got := c.String(); got != "Seq Scan on t -> Index Scan using a on t + Bitmap Heap Scan using b on t" {
		t.Errorf("%q", got)
	}
}

// TestSetPlanCapture: a cluster started with capture off costs nothing
// until SetPlanCapture switches it on; the probe notices at its next
// Begin, and says so when it is switched off again.
func TestSetPlanCapture(t *testing.T) {
	ctx := context.Background()
	l, err := pgenv.StartLocal(ctx, pgenv.WithPlanCapture(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	dsn := newDBOn(t, l)
	detailRows(t, dsn, 2000)
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.PlansCaptured() || !strings.Contains(p.PlansNote(), "auto_explain is loaded but off") {
		t.Fatalf("captured %v, note %q: want off", p.PlansCaptured(), p.PlansNote())
	}
	one := func(c *pgx.Conn) { query(t, c, detailsByTracking, "7") }
	if f := scenario(t, p, dsn, 1, one); f.Plans != nil {
		t.Fatalf("plans with capture off: %+v", f.Plans)
	}

	if err := pgenv.SetPlanCapture(ctx, l.DSN(), 1); err != nil {
		t.Fatal(err)
	}
	f := scenario(t, p, dsn, 1, one)
	if len(f.Plans) != 1 || f.PlansNote != "" || f.Plans[0].Scans[0].Node != "Seq Scan" {
		t.Fatalf("after SetPlanCapture(1): plans %+v, note %q; want the statement's seq scan", f.Plans, f.PlansNote)
	}

	if err := pgenv.SetPlanCapture(ctx, l.DSN(), 0); err != nil {
		t.Fatal(err)
	}
	f = scenario(t, p, dsn, 1, one)
	if f.Plans != nil || !strings.Contains(f.PlansNote, "no plan was logged during the scenario") {
		t.Errorf("after SetPlanCapture(0): plans %+v, note %q", f.Plans, f.PlansNote)
	}

	err = pgenv.SetPlanCapture(ctx, pgtest.NewDB(t), 1)
	if err == nil || !strings.Contains(err.Error(), "auto_explain is not preloaded") {
		t.Errorf("SetPlanCapture on a server without auto_explain: %v", err)
	}
}
