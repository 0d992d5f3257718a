package pgenv_test

import (
	"context"
	"strings"
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

// TestProbeSaysWhenItWaits: the settle wait can last SettleMax, and a run
// that goes quiet that long looks stuck, so the probe says it waits, once
// per wait, and says nothing when there is nothing to wait for.
func TestProbeSaysWhenItWaits(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	var log strings.Builder
	p, err := pgenv.OpenProbe(ctx, dsn, pgenv.WithSettleLog(&log))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SettleIdle, p.SettleMax = time.Second, 12*time.Second
	if err := p.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if log.Len() != 0 {
		t.Errorf("said %q with no other backend to wait for", log.String())
	}
	svc, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	if _, err := svc.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.End(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if want := "waiting for PostgreSQL statistics (up to 12 s: the service's connections flush them once idle for 1 s)\n"; log.String() != want {
		t.Errorf("said %q, want %q", log.String(), want)
	}
}
