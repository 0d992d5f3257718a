package pgenv_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestProbeActivityAndTempFiles: during the scenario three service
// connections are open and one runs a statement; a sort too large for
// work_mem writes a temporary file. The probe's own connection is not
// counted.
func TestProbeActivityAndTempFiles(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.ActivityInterval = 20 * time.Millisecond
	f := scenario(t, p, dsn, 1, func(c *pgx.Conn) {
		var idle []*pgx.Conn
		for range 2 {
			o, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			idle = append(idle, o)
		}
		query(t, c, `SELECT pg_sleep(0.3)`)
		query(t, c, `SET work_mem = '64kB'`)
		query(t, c, `SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC`)
		for _, o := range idle {
			o.Close(ctx)
		}
	})
	a := f.Activity
	if a.Samples < 5 || a.MaxConnections != 3 || a.MaxActive != 1 || a.StateHidden {
		t.Errorf("activity %+v: want at least 5 samples, 3 connections at most, 1 active at most", a)
	}
	if a.MeanActive <= 0 || a.MeanActive > 1 || a.MeanConnections > 3 {
		t.Errorf("activity %+v: mean active should lie in (0, 1], mean connections at most 3", a)
	}
	if f.TempFiles < 1 || f.TempBytes < 1<<20 {
		t.Errorf("temp files %d, bytes %d: want the sort's spill (a file of over 1 MB)", f.TempFiles, f.TempBytes)
	}
	// The next scenario starts from this one's snapshot: no temp files.
	f = scenario(t, p, dsn, 1, func(c *pgx.Conn) { query(t, c, `SELECT 1`) })
	if f.TempFiles != 0 || f.Activity.MaxActive > 1 {
		t.Errorf("second scenario: temp files %d, activity %+v", f.TempFiles, f.Activity)
	}
}
