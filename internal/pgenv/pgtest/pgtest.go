// Package pgtest gives a test package one ephemeral PostgreSQL cluster
// (pgenv.StartLocal) and a fresh database with the service's schema per
// test. Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		dsn := pgtest.NewDB(t)
//		...
//	}
package pgtest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
)

var (
	mu      sync.Mutex
	cluster *pgenv.Local
	counter atomic.Int64
)

// Main starts one local cluster for the test package, runs the tests, stops
// the cluster and exits with the tests' code. A cluster that cannot start
// fails the package: the binaries are expected on every machine that runs
// the suite (set PG_BIN if they are somewhere unusual).
func Main(m *testing.M) {
	os.Exit(run(m))
}

// MainWith is Main with a cluster started with opts, such as
// pgenv.WithPlanCapture(0) for tests of plan capture.
func MainWith(m *testing.M, opts ...pgenv.LocalOption) {
	os.Exit(run(m, opts...))
}

func run(m *testing.M, opts ...pgenv.LocalOption) int {
	l, err := pgenv.StartLocal(context.Background(), opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: start local postgres: %v\n", err)
		return 1
	}
	mu.Lock()
	cluster = l
	mu.Unlock()
	defer func() {
		if err := l.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop local postgres: %v\n", err)
		}
	}()
	return m.Run()
}

// Cluster returns the package's cluster; it fails t when Main did not start one.
func Cluster(t testing.TB) *pgenv.Local {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if cluster == nil {
		t.Fatal("pgtest: no cluster; call pgtest.Main(m) from TestMain")
	}
	return cluster
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDB creates a fresh database with pgenv.CreateSchema applied, drops it
// when t ends, and returns its DSN. The DSN carries the cluster's password:
// print it through pgenv.RedactDSN.
func NewDB(t testing.TB) string {
	t.Helper()
	l := Cluster(t)
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name = fmt.Sprintf("t%d_%s", counter.Add(1), name)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, l.DSN())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", pgenv.RedactError(l.DSN(), err))
	}
	defer admin.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, l.DSN())
		if err != nil {
			t.Errorf("pgtest: connect: %v", pgenv.RedactError(l.DSN(), err))
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dsn := l.DSNFor(name)
	if err := pgenv.CreateSchema(ctx, dsn); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// Exec runs sql on dsn and fails t on error; for test setup.
func Exec(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", pgenv.RedactError(dsn, err))
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, pgenv.RedactError(dsn, err))
	}
}

// QueryInt returns the single integer sql yields on dsn.
func QueryInt(t testing.TB, dsn, sql string, args ...any) int64 {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", pgenv.RedactError(dsn, err))
	}
	defer c.Close(ctx)
	var n int64
	if err := c.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, pgenv.RedactError(dsn, err))
	}
	return n
}
