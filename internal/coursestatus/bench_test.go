package coursestatus

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

var (
	demoOnce sync.Once
	demo     *seeded
	demoErr  error
)

// demoDB returns a database seeded at the demo profile (≈ 50k detail
// rows), shared by the benchmarks of one process.
func demoDB(b *testing.B) *seeded {
	b.Helper()
	cluster := pgtest.Cluster(b)
	demoOnce.Do(func() { demo, demoErr = seedDB(cluster, "coursestatus_demo", pgenv.SeedOptions{Profile: "demo"}) })
	if demoErr != nil {
		b.Fatal(demoErr)
	}
	return demo
}

// BenchmarkCourseStatus is the 2 × 2 of the deployment checklist (code ×
// indexes) at demo scale, for the checklist's request (1 user × 1 course,
// ≈ 100 contents) and for 3 users × 3 courses, through the HTTP handler:
//
//	go test -run '^$' -bench BenchmarkCourseStatus -count 5 ./internal/coursestatus/
//
// It reports statements/op next to the latency. The package's own
// ephemeral cluster is all it needs; -short skips it.
func BenchmarkCourseStatus(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds a demo-scale database; run without -short")
	}
	db := demoDB(b)
	fx := db.fx
	shapes := []struct {
		name    string
		users   []string
		courses []string
	}{
		{"1x1", fx.Users[:1], fx.Courses[:1]},
		{"3x3", fx.Users[:3], fx.Courses[:3]},
	}
	for _, indexes := range []bool{false, true} {
		ctx := context.Background()
		setIndexes := pgenv.RollbackIndexes
		if indexes {
			setIndexes = pgenv.ApplyIndexes
		}
		if err := setIndexes(ctx, db.dsn); err != nil {
			b.Fatal(err)
		}
		for _, shape := range shapes {
			body := requestBody(shape.users, shape.courses)
			for _, st := range Strategies {
				h := db.naive
				if st == Optimized {
					h = db.optimized
				}
				name := fmt.Sprintf("indexes=%s/req=%s/strategy=%s", onOff(indexes), shape.name, st)
				b.Run(name, func(b *testing.B) {
					var statements int
					for b.Loop() {
						r := post(b, h, fx.Tenant, body)
						if r.status != http.StatusOK {
							b.Fatalf("status %d: %s", r.status, r.body)
						}
						statements = r.statements
					}
					b.ReportMetric(float64(statements), "statements/op")
				})
			}
		}
	}
	// Leave the database in the "before" state for the next -count round.
	if err := pgenv.RollbackIndexes(context.Background(), db.dsn); err != nil {
		b.Fatal(err)
	}
}

func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}
