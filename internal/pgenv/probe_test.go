package pgenv_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestProbeBeginWaitsForPendingStatistics: a service backend that scanned a
// table just before the run holds its statistics for up to 10 s
// (PostgreSQL 15 flushes them lazily). Begin must wait for them, or they
// are counted in the first scenario. It takes about ten seconds: the flush
// it waits for is PostgreSQL's own.
func TestProbeBeginWaitsForPendingStatistics(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	svc, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	scan := func() {
		t.Helper()
		if _, err := svc.Exec(ctx, `SELECT count(*) FROM content_tracking`); err != nil {
			t.Fatal(err)
		}
	}
	// Two scans in quick succession: the second one's statistics stay
	// pending in the backend (it flushed less than a second ago).
	scan()
	scan()

	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := time.Now()
	if err := p.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("Begin settled in %s", time.Since(start).Round(time.Millisecond))
	scan() // the one request of the "scenario"
	svc.Close(ctx)
	f, err := p.End(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f.SeqScansPerRequest != 1 {
		t.Errorf("%.0f sequential scans per request, want 1: statistics pending before Begin leaked into the scenario", f.SeqScansPerRequest)
	}
}
