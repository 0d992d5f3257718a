package coursestatus

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestEndpointOnServiceTables seeds the service's own tables (created by
// its DDL, not perfgate's) through pgenv.Seed, the code path of `perfgate
// db seed --dsn`, and asks both strategies the requests that matter: they
// answer 200 with the same JSON, and with the JSON perfgate's own schema
// gives for the same seed; so they do again after the service's migration.
func TestEndpointOnServiceTables(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(stmts ...string) {
		t.Helper()
		for _, q := range stmts {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	exec(`DROP TABLE content_tracking, content_tracking_details`) // pgtest's, perfgate's
	exec(pgtest.ServiceDDL...)
	rep, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"})
	if err != nil {
		t.Fatalf("seed the service's tables: %v", err)
	}
	pool, err := Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	naive, err := NewHandler(pool, Naive)
	if err != nil {
		t.Fatal(err)
	}
	optimized, err := NewHandler(pool, Optimized)
	if err != nil {
		t.Fatal(err)
	}
	ours := tinyDB(t) // the same profile and seed on perfgate's schema

	fx := rep.Fixtures
	sparse := fx.SparseUsers[0]
	with, _ := fx.CoursesWithRows(sparse)
	requests := []struct {
		name, tenant   string
		users, courses []string
	}{
		{"checklist request", fx.Tenant, fx.Users[:1], fx.Courses[:1]},
		{"sparse user, courses with and without rows", fx.Tenant, []string{sparse},
			[]string{fx.CoursesWithoutRows[sparse][0], with[0], fx.UnstartedCourses[0]}},
		{"users without rows", fx.Tenant, fx.UsersWithoutRows, fx.Courses[:2]},
		{"other tenant", fx.OtherTenant, fx.OtherTenantUsers[2:4], fx.OtherTenantCourses},
		{"default fixtures", fixtures.ChecklistTenant, fixtures.Default().SparseUsers, fixtures.Default().Courses},
	}
	check := func(stage string) {
		for _, r := range requests {
			body := requestBody(r.users, r.courses)
			n, o, want := post(t, naive, r.tenant, body), post(t, optimized, r.tenant, body), post(t, ours.optimized, r.tenant, body)
			if n.status != http.StatusOK || o.status != http.StatusOK {
				t.Fatalf("%s, %s: status naive %d, optimized %d\n%s\n%s", stage, r.name, n.status, o.status, n.body, o.body)
			}
			if n.body != o.body || o.body != want.body {
				t.Errorf("%s, %s: answers differ\nnaive:               %s\noptimized:           %s\nperfgate's schema:   %s",
					stage, r.name, n.body, o.body, want.body)
			}
		}
	}
	// The sparse request is what it says: no rows, rows, nobody's course.
	d := decodeData(t, post(t, optimized, fx.Tenant, requestBody([]string{sparse}, requests[1].courses)).body)[0].Course
	if d[0].StartedOn != nil || d[1].StartedOn == nil || d[2].StartedOn != nil {
		t.Errorf("sparse request: started_on %v %v %v, want null, a time, null", d[0].StartedOn, d[1].StartedOn, d[2].StartedOn)
	}
	check("without indexes")
	exec(pgtest.ServiceMigration...)
	exec(`ANALYZE`)
	if v, err := pgenv.VerifyIndexes(ctx, dsn); err != nil || !v.OK() {
		t.Errorf("after the service's migration: VerifyIndexes = %v missing, %v", v.Missing, err)
	}
	check("with the service's migration")
}
