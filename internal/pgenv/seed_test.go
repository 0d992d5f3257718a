package pgenv_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	if details < 13500 || details > 16500 {
		t.Errorf("tiny has %d detail rows, want ≈ 15k", details)
	}
	// Scenario 1: about 100 contents for the checklist's user and course.
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking WHERE "userId" = $1 AND "courseId" = $2 AND "tenantId" = $3`,
		fixtures.ChecklistUser, fixtures.ChecklistCourse, fixtures.ChecklistTenant); n != 100 {
		t.Errorf("checklist user+course has %d contents, want 100", n)
	}
	// The fixtures tell the truth, and so do the default ones.
	checkFixtures(t, conn, &fx)
	checkFixtures(t, conn, fixtures.Default())
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
	// Contents listed and never opened: a tracking row without details.
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking c WHERE "lastAccessOn" IS NULL
		AND NOT EXISTS (SELECT 1 FROM content_tracking_details d WHERE d."contentTrackingId" = c."contentTrackingId")`); n == 0 {
		t.Error("no content without detail events")
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking c WHERE "lastAccessOn" IS NULL
		AND EXISTS (SELECT 1 FROM content_tracking_details d WHERE d."contentTrackingId" = c."contentTrackingId")`); n != 0 {
		t.Errorf("%d contents with events have no lastAccessOn", n)
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

// pairs returns, for tenant, the set of "user course" pairs among users ×
// courses that have at least one row.
func pairs(t *testing.T, conn *pgx.Conn, tenant string, users, courses []string) map[string]bool {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT DISTINCT "userId"::text, "courseId" FROM content_tracking
		WHERE "tenantId" = $1 AND "userId" = ANY ($2::uuid[]) AND "courseId" = ANY ($3)`, tenant, users, courses)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	var u, c string
	if _, err := pgx.ForEachRow(rows, []any{&u, &c}, func() error { out[u+" "+c] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFixtures holds every list of fx to the database: what the fixtures
// file promises scenario authors (docs/fixtures.md) is what was seeded.
func checkFixtures(t *testing.T, conn *pgx.Conn, fx *fixtures.Fixtures) {
	t.Helper()
	if len(fx.SparseUsers) < 2 || len(fx.UnstartedCourses) < 2 || len(fx.UsersWithoutRows) < 2 || fx.OtherTenant == "" || len(fx.OtherTenantCourses) == 0 {
		t.Fatalf("fixtures lack a sparse case: %+v", fx)
	}
	have := pairs(t, conn, fx.Tenant, fx.Users, fx.Courses)
	for _, u := range fx.Users {
		for _, c := range fx.Courses {
			if !have[u+" "+c] {
				t.Errorf("users: %s has no rows for course %s", u, c)
			}
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking WHERE "userId" = $1 AND "courseId" = $2 AND "tenantId" = $3`,
		fx.Users[0], fx.Courses[0], fx.Tenant); fx.ContentsPerPair != 0 && n != int64(fx.ContentsPerPair) {
		t.Errorf("contents_per_pair %d, the checklist pair has %d", fx.ContentsPerPair, n)
	}
	have = pairs(t, conn, fx.Tenant, fx.SparseUsers, fx.Courses)
	for _, u := range fx.SparseUsers {
		gaps, ok := fx.CoursesWithoutRows[u]
		with, _ := fx.CoursesWithRows(u)
		if !ok || len(gaps) == 0 || len(with) == 0 {
			t.Errorf("sparse user %s: courses without rows %v, with rows %v: want some of each", u, gaps, with)
		}
		for _, c := range fx.Courses {
			if want := !slices.Contains(gaps, c); have[u+" "+c] != want {
				t.Errorf("sparse user %s, course %s: has rows %v, courses_without_rows says %v", u, c, have[u+" "+c], !want)
			}
		}
	}
	if len(fx.CoursesWithoutRows) != len(fx.SparseUsers) {
		t.Errorf("courses_without_rows has %d users, sparse_users %d", len(fx.CoursesWithoutRows), len(fx.SparseUsers))
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM content_tracking WHERE "courseId" = ANY ($1)`, fx.UnstartedCourses); n != 0 {
		t.Errorf("unstarted courses %v have %d rows", fx.UnstartedCourses, n)
	}
	if fx.UsersWithoutRows[0] != fx.NewUser {
		t.Errorf("users_without_rows[0] = %s, new_user %s", fx.UsersWithoutRows[0], fx.NewUser)
	}
	if n := queryInt(t, conn, `SELECT (SELECT count(*) FROM content_tracking WHERE "userId" = ANY ($1::uuid[])) +
		(SELECT count(*) FROM content_tracking_details WHERE "userId" = ANY ($1::uuid[]))`, fx.UsersWithoutRows); n != 0 {
		t.Errorf("users without rows %v have %d rows", fx.UsersWithoutRows, n)
	}
	have = pairs(t, conn, fx.OtherTenant, fx.OtherTenantUsers, fx.OtherTenantCourses)
	for _, u := range fx.OtherTenantUsers {
		for _, c := range fx.OtherTenantCourses {
			if !have[u+" "+c] {
				t.Errorf("other tenant: %s has no rows for course %s", u, c)
			}
		}
	}
	if diff := cmp.Diff(fx.Users[:3], fx.OtherTenantUsers[:3]); diff != "" || fx.OtherTenantUsers[3] != fx.SparseUsers[1] {
		t.Errorf("other_tenant_users %v: want users[0..2], then sparse_users[1]", fx.OtherTenantUsers)
	}
	// sparse_users[1] has rows in the other tenant for a course it has none
	// for in the main tenant: only tenant isolation tells them apart.
	crossed := false
	for _, c := range fx.CoursesWithoutRows[fx.SparseUsers[1]] {
		crossed = crossed || slices.Contains(fx.OtherTenantCourses, c)
	}
	if !crossed {
		t.Errorf("sparse_users[1] has no other-tenant rows for a course without rows in the main tenant")
	}
}

// TestSeedFixturesAcrossProfiles: every profile, down to the smallest
// explicit counts, seeds the sparse cases and the default fixtures' IDs,
// with the checklist pair and every status present.
func TestSeedFixturesAcrossProfiles(t *testing.T) {
	t.Parallel()
	for _, opts := range []pgenv.SeedOptions{
		{Profile: "demo"},
		small,
		{Users: 1, Courses: 1, Contents: 3, Events: 1, Seed: 5},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			dsn, rep := seed(t, opts)
			conn := open(t, dsn)
			checkFixtures(t, conn, &rep.Fixtures)
			checkFixtures(t, conn, fixtures.Default())
			if n := queryInt(t, conn, `SELECT count(DISTINCT s) FROM (
				SELECT CASE WHEN bool_or(d.eid = 'END') THEN 2 WHEN bool_or(d.eid = 'START') THEN 1 ELSE 0 END AS s
				FROM content_tracking c LEFT JOIN content_tracking_details d USING ("contentTrackingId")
				WHERE c."tenantId" = $1 GROUP BY c."contentTrackingId") x`, rep.Fixtures.Tenant); n != 3 {
				t.Errorf("%d of the 3 statuses occur", n)
			}
		})
	}
}

// TestSeedRecordsProvenance: the comment on content_tracking says the
// profile and the seed, in the format a run's fingerprint reads.
func TestSeedRecordsProvenance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opts := small
	opts.Seed = 42
	dsn, _ := seed(t, opts)
	conn := open(t, dsn)
	var comment string
	if err := conn.QueryRow(ctx, `SELECT obj_description('content_tracking'::regclass, 'pg_class')`).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	if comment != "perfgate seed: profile=custom seed=42" {
		t.Errorf("comment %q", comment)
	}
	p, err := pgenv.ReadSeedProvenance(ctx, conn)
	if err != nil || p == nil || *p != (pgenv.SeedMark{Profile: "custom", Seed: 42}) {
		t.Errorf("ReadSeedProvenance = %+v, %v", p, err)
	}
	for _, c := range []string{`'my own comment'`, `'perfgate seed: profile=tiny seed=1 and more'`, `NULL`} {
		execAll(t, conn, `COMMENT ON TABLE content_tracking IS `+c)
		if p, err := pgenv.ReadSeedProvenance(ctx, conn); err != nil || p != nil {
			t.Errorf("comment %s: ReadSeedProvenance = %+v, %v, want nil", c, p, err)
		}
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

// TestSeedLeavesFreshStatistics: a seeded database is analyzed after its
// rows are counted, so that a run does not start on statistics it would
// call stale (every row "changed since the last ANALYZE").
func TestSeedLeavesFreshStatistics(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	if _, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"}); err != nil {
		t.Fatal(err)
	}
	f, err := pgenv.ReadFreshness(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if w := f.Warnings(); len(w) != 0 {
		t.Errorf("a freshly seeded database reads as stale: %q", w)
	}
}
