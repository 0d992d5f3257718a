package pgenv_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// small keeps database tests fast while exercising every code path.
var small = pgenv.SeedOptions{Users: 4, Courses: 4, Contents: 30, Events: 3}

func seed(t *testing.T, opts pgenv.SeedOptions) (string, *pgenv.SeedReport) {
	t.Helper()
	dsn := pgtest.NewDB(t)
	rep, err := pgenv.Seed(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return dsn, rep
}

func queryInt(t *testing.T, conn *pgx.Conn, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func open(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// checksum hashes the full contents of both tables.
func checksum(t *testing.T, dsn string) string {
	t.Helper()
	conn := open(t, dsn)
	var a, b string
	ctx := context.Background()
	if err := conn.QueryRow(ctx, `SELECT md5(string_agg(t::text, E'\n' ORDER BY "contentTrackingId")) FROM content_tracking t`).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM content_tracking_details t`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return a + b
}

func TestSeedDeterministic(t *testing.T) {
	t.Parallel()
	opts := small
	dsn1, rep1 := seed(t, opts)
	dsn2, rep2 := seed(t, opts)
	opts.Seed = 2
	dsn3, rep3 := seed(t, opts)
	if diff := cmp.Diff(rep1.Fixtures, rep2.Fixtures); diff != "" {
		t.Errorf("same seed, different fixtures (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(rep1.Rows, rep2.Rows); diff != "" {
		t.Errorf("same seed, different row counts (-first +second):\n%s", diff)
	}
	c1, c2, c3 := checksum(t, dsn1), checksum(t, dsn2), checksum(t, dsn3)
	if c1 != c2 {
		t.Errorf("same seed, different table contents: %s vs %s", c1, c2)
	}
	if c1 == c3 {
		t.Errorf("seeds 1 and 2 gave the same table contents %s", c1)
	}
	if rep3.Fixtures.Users[0] != fixtures.ChecklistUser || rep3.Fixtures.Courses[0] != fixtures.ChecklistCourse {
		t.Errorf("seed 2 lost the checklist's IDs: %v %v", rep3.Fixtures.Users[0], rep3.Fixtures.Courses[0])
	}
}

func TestSeedRefusesNonEmpty(t *testing.T) {
	t.Parallel()
	dsn, rep := seed(t, small)
	before := checksum(t, dsn)
	_, err := pgenv.Seed(context.Background(), dsn, small)
	if !errors.Is(err, pgenv.ErrNotEmpty) {
		t.Fatalf("second Seed: err = %v, want ErrNotEmpty", err)
	}
	if !strings.Contains(err.Error(), "--force") {
		t.Errorf("refusal does not mention --force: %v", err)
	}
	if after := checksum(t, dsn); after != before {
		t.Error("a refused seed changed the tables")
	}
	// --force with the same seed collides on IDs and must leave nothing behind.
	forced := small
	forced.Force = true
	if _, err := pgenv.Seed(context.Background(), dsn, forced); err == nil || !strings.Contains(err.Error(), "--seed") {
		t.Errorf("forced reseed with the same seed: err = %v, want an ID collision naming --seed", err)
	}
	if after := checksum(t, dsn); after != before {
		t.Error("a failed forced seed changed the tables")
	}
	// --force with another seed adds rows and deletes none.
	forced.Seed = 7
	rep2, err := pgenv.Seed(context.Background(), dsn, forced)
	if err != nil {
		t.Fatalf("forced seed: %v", err)
	}
	conn := open(t, dsn)
	for table, n := range rep.Rows {
		got := queryInt(t, conn, "SELECT count(*) FROM "+table)
		if want := n + rep2.Rows[table]; got != want {
			t.Errorf("%s holds %d rows after forced seed, want %d", table, got, want)
		}
	}
}

func pgtestDSN(t *testing.T) string { return pgtest.NewDB(t) }

func TestSeedShape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, rep := seed(t, pgenv.SeedOptions{}) // the tiny profile
	fx := rep.Fixtures
	conn := open(t, dsn)

	if fx.Tenant != fixtures.ChecklistTenant || fx.Users[0] != fixtures.ChecklistUser || fx.Courses[0] != fixtures.ChecklistCourse {
		t.Errorf("fixtures lost the checklist's IDs: %+v", fx)
	}
	if fx.Schema != fixtures.Schema || fx.Seed != 1 || fx.Profile != "tiny" || fx.ContentsPerPair != 100 {
		t.Errorf("fixtures header: %+v", fx)
	}
	details := rep.Rows["content_tracking_details"]
	if details < 12000 || details > 18000 {
		t.Errorf("tiny has %d detail rows, want ≈ 15k", details)
	}
	// Scenario 1: about 100 contents for the checklist's user and course.
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking WHERE "userId" = $1 AND "courseId" = $2 AND "tenantId" = $3`,
		fixtures.ChecklistUser, fixtures.ChecklistCourse, fixtures.ChecklistTenant); n != 100 {
		t.Errorf("checklist user+course has %d contents, want 100", n)
	}
	// Scenario 2: users[0..2] × courses[0..2] all have data.
	for _, u := range fx.Users[:3] {
		for _, c := range fx.Courses[:3] {
			if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking WHERE "userId" = $1 AND "courseId" = $2 AND "tenantId" = $3`, u, c, fx.Tenant); n == 0 {
				t.Errorf("user %s course %s has no rows", u, c)
			}
		}
	}
	// Scenario 3: the new user has nothing anywhere.
	if n := queryInt(t, conn, `SELECT (SELECT count(*) FROM content_tracking WHERE "userId" = $1) + (SELECT count(*) FROM content_tracking_details WHERE "userId" = $1)`, fx.NewUser); n != 0 {
		t.Errorf("new user %s has %d rows", fx.NewUser, n)
	}
	// Tenant isolation: the other tenant holds rows for the SAME user and
	// course, and they differ from the main tenant's.
	if fx.OtherTenantUsers[0] != fx.Users[0] || fx.OtherTenant == fx.Tenant {
		t.Errorf("other tenant %s users %v do not share the checklist user", fx.OtherTenant, fx.OtherTenantUsers)
	}
	other := queryInt(t, conn, `SELECT count(*) FROM content_tracking WHERE "userId" = $1 AND "courseId" = $2 AND "tenantId" = $3`, fx.Users[0], fx.Courses[0], fx.OtherTenant)
	if other == 0 || other == 100 {
		t.Errorf("other tenant has %d rows for the checklist user+course, want some, and not as many as the main tenant", other)
	}
	if n := queryInt(t, conn, `SELECT count(DISTINCT "tenantId") FROM content_tracking`); n != 2 {
		t.Errorf("%d tenants, want 2", n)
	}
	// Every detail belongs to a tracking row of the same user.
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking_details d LEFT JOIN content_tracking c USING ("contentTrackingId") WHERE c."userId" IS DISTINCT FROM d."userId"`); n != 0 {
		t.Errorf("%d details without a matching tracking row", n)
	}

	// Status mix, computed as the endpoint does.
	rows, err := conn.Query(ctx, `
SELECT status, count(*) FROM (
  SELECT CASE WHEN bool_or(d.eid = 'END') THEN 'Completed'
              WHEN bool_or(d.eid = 'START') THEN 'In_Progress'
              ELSE 'Not_Started' END AS status
  FROM content_tracking c LEFT JOIN content_tracking_details d USING ("contentTrackingId")
  GROUP BY c."contentTrackingId") s
GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	mix := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		mix[s] = n
	}
	total := rep.Rows["content_tracking"]
	for status, share := range map[string]float64{"Completed": 0.45, "In_Progress": 0.35, "Not_Started": 0.20} {
		got := float64(mix[status]) / float64(total)
		if got < share-0.05 || got > share+0.05 {
			t.Errorf("%s: %.2f of contents, want ≈ %.2f (mix %v)", status, got, share, mix)
		}
	}
	// In_Progress never has END; Completed always has START before END.
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking_details e JOIN content_tracking_details s USING ("contentTrackingId")
		WHERE e.eid = 'END' AND s.eid = 'START' AND s."createdOn" >= e."createdOn"`); n != 0 {
		t.Errorf("%d contents end before they start", n)
	}
	// Realistic JSON and a spread of createdOn.
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking_details WHERE eid = 'END' AND (summary->0->>'progress')::int = 100 AND edata ? 'summary'`); n != mix["Completed"] {
		t.Errorf("%d END events carry a summary, want one per completed content (%d)", n, mix["Completed"])
	}
	if n := queryInt(t, conn, `SELECT extract(day FROM max("createdOn") - min("createdOn"))::bigint FROM content_tracking`); n < 180 {
		t.Errorf("createdOn spans %d days, want months", n)
	}
}

func TestSeedOptionErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		opts pgenv.SeedOptions
		want string
	}{
		{pgenv.SeedOptions{Profile: "huge"}, `unknown scale "huge"; use one of tiny, demo, claim`},
		{pgenv.SeedOptions{Users: -1}, "--users -1: must be positive"},
	} {
		if _, err := pgenv.Seed(ctx, "postgres://nowhere.invalid/db", tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Seed(%+v) err = %v, want %q", tt.opts, err, tt.want)
		}
	}
}

// BenchmarkSeed measures seeding (generation + COPY of both tables) at the
// tiny profile; rows/s is reported as a custom metric.
func BenchmarkSeed(b *testing.B) {
	ctx := context.Background()
	var rows int64
	var elapsed float64
	for i := 0; i < b.N; i++ {
		dsn := pgtest.NewDB(b)
		rep, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"})
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Total()
		elapsed += rep.Elapsed.Seconds()
	}
	b.ReportMetric(float64(rows)/elapsed, "rows/s")
}
