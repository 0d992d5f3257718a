package pgenv_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// flushed runs sql and makes its session flush its statistics at once
// (PostgreSQL 15 flushes lazily), so pg_stat_user_tables shows it.
func flushed(t *testing.T, dsn string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, s := range append(sqls, `SELECT pg_stat_force_next_flush()`, `SELECT 1`) {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestFreshness(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	flushed(t, dsn, `INSERT INTO content_tracking_details ("contentTrackingId", "userId", eid, mode, pageid, type, subtype, edata, duration, summary, progress, "updatedOn")
SELECT md5(g::text)::uuid, md5(g::text)::uuid, 'START', 'play', 'p', 't', 's', '{}', 0, '{}', 0, now() FROM generate_series(1, 1000) g`)
	f, err := pgenv.ReadFreshness(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tables) != 2 || f.Tables[0].Table != pgenv.TableContentTracking {
		t.Fatalf("tables %+v: want both, content_tracking first", f.Tables)
	}
	d := f.Tables[1]
	if d.LiveRows != 1000 || d.ModifiedSinceAnalyze != 1000 || d.LastAnalyzed() != nil || !d.Stale() {
		t.Errorf("details %+v: want 1000 rows, all modified, never analyzed, stale", d)
	}
	if f.Tables[0].Stale() {
		t.Errorf("the empty content_tracking is stale: %+v", f.Tables[0])
	}
	w := f.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "content_tracking_details: 1000 of its 1000 rows changed since it was never analyzed") ||
		!strings.Contains(w[0], "run ANALYZE content_tracking_details") {
		t.Errorf("warnings %q", w)
	}

	flushed(t, dsn, `ANALYZE content_tracking_details`)
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f, err = p.Freshness(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d = f.Tables[1]
	if d.ModifiedSinceAnalyze != 0 || d.LastAnalyze == nil || d.LastAnalyzed() != d.LastAnalyze || d.Stale() || len(f.Warnings()) != 0 {
		t.Errorf("after ANALYZE: %+v, warnings %q", d, f.Warnings())
	}
}

// The rule: more than 50 + 10 % of the rows changed since ANALYZE.
func TestFreshnessStaleRule(t *testing.T) {
	for _, tc := range []struct {
		rows, mods int64
		stale      bool
	}{
		{0, 0, false}, {0, 50, false}, {0, 51, true},
		{1000, 150, false}, {1000, 151, true},
		{3_500_000, 350_050, false}, {3_500_000, 350_051, true},
	} {
		got := pgenv.TableFreshness{LiveRows: tc.rows, ModifiedSinceAnalyze: tc.mods}.Stale()
		if got != tc.stale {
			t.Errorf("%d rows, %d modified: stale %v, want %v", tc.rows, tc.mods, got, tc.stale)
		}
	}
}
