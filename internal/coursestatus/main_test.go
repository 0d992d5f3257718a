package coursestatus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain gives the package one ephemeral Postgres cluster. Under
// detachChildEnv the test binary is instead the background serve that
// StartDetached starts (detach_test.go), and needs no cluster.
func TestMain(m *testing.M) {
	if addr := os.Getenv(detachChildEnv); addr != "" {
		detachChild(addr)
	}
	pgtest.Main(m)
}

// seeded is a database loaded by pgenv.Seed, with a pool and a handler per
// strategy on it. Tests only read from it.
type seeded struct {
	dsn       string
	pool      *pgxpool.Pool
	fx        fixtures.Fixtures
	naive     http.Handler
	optimized http.Handler
}

var (
	tinyOnce sync.Once
	tiny     *seeded
	tinyErr  error
)

// tinyDB returns the package's shared tiny-profile database, seeding it on
// first use. It lives as long as the cluster, which TestMain removes.
func tinyDB(t testing.TB) *seeded {
	t.Helper()
	cluster := pgtest.Cluster(t)
	tinyOnce.Do(func() { tiny, tinyErr = seedDB(cluster, "coursestatus_tiny", pgenv.SeedOptions{Profile: "tiny"}) })
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tiny
}

// seedDB creates database name on the cluster, seeds it and opens handlers.
func seedDB(cluster *pgenv.Local, name string, opts pgenv.SeedOptions) (*seeded, error) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, cluster.DSN())
	if err != nil {
		return nil, fmt.Errorf("connect to cluster: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	dsn := cluster.DSNFor(name)
	rep, err := pgenv.Seed(ctx, dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", name, err)
	}
	pool, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	s := &seeded{dsn: dsn, pool: pool, fx: rep.Fixtures}
	if s.naive, err = NewHandler(pool, Naive); err != nil {
		return nil, err
	}
	if s.optimized, err = NewHandler(pool, Optimized); err != nil {
		return nil, err
	}
	return s, nil
}

// reply is one response of the course-status endpoint.
type reply struct {
	status     int
	body       string
	statements int
}

// post sends body with the tenant header to h and returns the reply.
func post(t testing.TB, h http.Handler, tenant, body string) reply {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, DefaultPrefix+StatusPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tenant != "" {
		req.Header.Set("tenantid", tenant)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	n, err := strconv.Atoi(rec.Header().Get(StatementsHeader))
	if err != nil {
		n = -1
	}
	return reply{status: rec.Code, body: rec.Body.String(), statements: n}
}

// requestBody renders a request body.
func requestBody(users, courses []string) string {
	b, _ := json.Marshal(Request{UserID: users, CourseID: courses})
	return string(b)
}

// decodeData reads a success envelope's data.
func decodeData(t testing.TB, body string) []UserStatus {
	t.Helper()
	var env struct {
		Success bool
		Data    []UserStatus
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil || !env.Success {
		t.Fatalf("not a success envelope (%v): %s", err, body)
	}
	return env.Data
}
