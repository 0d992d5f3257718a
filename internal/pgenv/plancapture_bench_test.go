package pgenv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// captureModes are the server configurations BenchmarkPlanCaptureOverhead
// compares: no auto_explain (the package's cluster), the capture perfgate
// uses (ANALYZE and BUFFERS without per-node timing), the same with
// timing, one statement in ten, and every statement without ANALYZE
// (estimates only).
var captureModes = []struct {
	name string
	opts []pgenv.LocalOption // nil: the package's cluster, without capture
}{
	{"off", nil},
	{"analyze", []pgenv.LocalOption{pgenv.WithPlanCapture(1)}},
	{"analyze+timing", []pgenv.LocalOption{pgenv.WithPlanCapture(1), pgenv.WithSetting("auto_explain.log_timing=on")}},
	{"sample10", []pgenv.LocalOption{pgenv.WithPlanCapture(0.1)}},
	{"estimates", []pgenv.LocalOption{pgenv.WithPlanCapture(1), pgenv.WithSetting("auto_explain.log_analyze=off")}},
}

type benchService struct {
	dsn              string
	naive, optimized http.Handler
	body, tenant     string
}

// BenchmarkPlanCaptureOverhead measures what capturing plans costs the
// reference endpoint: the checklist's request (1 user × 1 course) at tiny
// scale, naive (101 statements) and optimized (1), without and with the
// indexes, on a server without auto_explain and with each capture mode.
// Each iteration sends one request to every mode, in rotating order, so
// that the machine's drift falls on all of them alike; it reports each
// mode's median latency (ms-<mode>) and its overhead over "off"
// (%over-<mode>):
//
//	go test -run '^$' -bench PlanCaptureOverhead -benchtime 200x ./internal/pgenv/
//
// Each round starts four clusters of its own, seeds them, and stops them
// when it ends.
func BenchmarkPlanCaptureOverhead(b *testing.B) {
	services := startBenchServices(b)
	for _, indexes := range []bool{false, true} {
		for _, m := range captureModes {
			set := pgenv.RollbackIndexes
			if indexes {
				set = pgenv.ApplyIndexes
			}
			if err := set(context.Background(), services[m.name].dsn); err != nil {
				b.Fatal(err)
			}
		}
		for _, strategy := range []string{"naive", "optimized"} {
			b.Run(fmt.Sprintf("indexes=%v/strategy=%s", indexes, strategy), func(b *testing.B) {
				lat := make([][]time.Duration, len(captureModes))
				round := 0
				for b.Loop() {
					for k := range captureModes {
						i := (k + round) % len(captureModes)
						s := services[captureModes[i].name]
						h := s.naive
						if strategy == "optimized" {
							h = s.optimized
						}
						start := time.Now()
						serve(b, h, s)
						lat[i] = append(lat[i], time.Since(start))
					}
					round++
				}
				base := median(lat[0])
				for i, m := range captureModes {
					med := median(lat[i])
					b.ReportMetric(float64(med)/1e6, "ms-"+m.name)
					if i > 0 {
						b.ReportMetric(100*(float64(med)/float64(base)-1), "%over-"+m.name)
					}
				}
			})
		}
	}
}

func serve(b *testing.B, h http.Handler, s *benchService) {
	req := httptest.NewRequest(http.MethodPost, coursestatus.DefaultPrefix+coursestatus.StatusPath, strings.NewReader(s.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("tenantid", s.tenant)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func startBenchServices(b *testing.B) map[string]*benchService {
	ctx := context.Background()
	out := map[string]*benchService{}
	for _, m := range captureModes {
		var dsn string
		if m.opts == nil {
			dsn = pgtest.NewDB(b)
		} else {
			l, err := pgenv.StartLocal(ctx, m.opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = l.Stop() })
			dsn = l.DSN()
		}
		rep, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "tiny"})
		if err != nil {
			b.Fatal(err)
		}
		pool, err := coursestatus.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		s := &benchService{dsn: dsn, tenant: rep.Fixtures.Tenant}
		body, _ := json.Marshal(coursestatus.Request{UserID: rep.Fixtures.Users[:1], CourseID: rep.Fixtures.Courses[:1]})
		s.body = string(body)
		if s.naive, err = coursestatus.NewHandler(pool, coursestatus.Naive); err != nil {
			b.Fatal(err)
		}
		if s.optimized, err = coursestatus.NewHandler(pool, coursestatus.Optimized); err != nil {
			b.Fatal(err)
		}
		out[m.name] = s
	}
	return out
}
