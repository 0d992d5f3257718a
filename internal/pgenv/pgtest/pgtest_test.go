package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewDBIsFreshAndHasSchema(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.NewDB(t), pgtest.NewDB(t)
	if a == b {
		t.Fatalf("two NewDB calls returned the same DSN %s", a)
	}
	conn, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM content_tracking`).Scan(&n); err != nil {
		t.Fatalf("schema missing: %v", err)
	}
	if n != 0 {
		t.Errorf("fresh database holds %d rows", n)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("pg_stat_statements extension: n=%d err=%v", n, err)
	}
}
