package pgenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The staleness rule is autovacuum's own trigger for ANALYZE at the
// server's defaults (autovacuum_analyze_threshold = 50,
// autovacuum_analyze_scale_factor = 0.1): a table with more changed rows
// than DefaultStaleRows + DefaultStaleFraction × its rows since its last
// ANALYZE is one the planner no longer knows, and a run on it measures
// plans made for other data.
const (
	DefaultStaleRows     = 50
	DefaultStaleFraction = 0.10
)

// TableFreshness is how current the planner's statistics of one table are,
// from pg_stat_user_tables.
type TableFreshness struct {
	Table string `json:"table"`
	// LiveRows is the statistics' count of live rows (n_live_tup).
	LiveRows int64 `json:"live_rows"`
	// ModifiedSinceAnalyze is n_mod_since_analyze: rows inserted, updated
	// or deleted since the last ANALYZE, manual or automatic.
	ModifiedSinceAnalyze int64      `json:"modified_since_analyze"`
	LastAnalyze          *time.Time `json:"last_analyze,omitempty"`
	LastAutoanalyze      *time.Time `json:"last_autoanalyze,omitempty"`
}

// LastAnalyzed returns the later of the manual and automatic ANALYZE, or
// nil when the table was never analyzed.
func (t TableFreshness) LastAnalyzed() *time.Time {
	switch {
	case t.LastAnalyze == nil:
		return t.LastAutoanalyze
	case t.LastAutoanalyze == nil || t.LastAnalyze.After(*t.LastAutoanalyze):
		return t.LastAnalyze
	}
	return t.LastAutoanalyze
}

// Stale reports whether more rows changed since the last ANALYZE than
// DefaultStaleRows + DefaultStaleFraction × LiveRows.
func (t TableFreshness) Stale() bool {
	return float64(t.ModifiedSinceAnalyze) > DefaultStaleRows+DefaultStaleFraction*float64(t.LiveRows)
}

// Freshness is the statistics' freshness of the service's two tables at
// the start of a run; a table that does not exist is left out.
type Freshness struct {
	Tables []TableFreshness `json:"tables"`
}

// Warnings say, for each stale table, what changed and what to run: the
// checklist's second step when performance did not improve.
func (f Freshness) Warnings() []string {
	var out []string
	for _, t := range f.Tables {
		if !t.Stale() {
			continue
		}
		when := "it was never analyzed"
		if at := t.LastAnalyzed(); at != nil {
			when = "its last ANALYZE at " + at.UTC().Format(time.RFC3339)
		}
		out = append(out, fmt.Sprintf("%s: %d of its %d rows changed since %s, so the planner plans with outdated statistics; "+
			"run ANALYZE %s before measuring (the checklist's \"performance not improved\" step 2)",
			t.Table, t.ModifiedSinceAnalyze, t.LiveRows, when, t.Table))
	}
	return out
}

// ReadFreshness reads the freshness of the two tables' statistics in the
// database at dsn.
func ReadFreshness(ctx context.Context, dsn string) (Freshness, error) {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return Freshness{}, fmt.Errorf("statistics freshness: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return readFreshness(ctx, conn, dsn)
}

// Freshness reads the freshness of the two tables' statistics; call it at
// the start of a run.
func (p *Probe) Freshness(ctx context.Context) (Freshness, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return readFreshness(ctx, p.conn, p.dsn)
}

func readFreshness(ctx context.Context, conn *pgx.Conn, dsn string) (Freshness, error) {
	var f Freshness
	for _, table := range []string{TableContentTracking, TableContentTrackingDetails} {
		t := TableFreshness{Table: table}
		err := conn.QueryRow(ctx, probeTag+` SELECT n_live_tup, n_mod_since_analyze, last_analyze, last_autoanalyze
FROM pg_stat_user_tables WHERE relid = to_regclass($1)`, table).
			Scan(&t.LiveRows, &t.ModifiedSinceAnalyze, &t.LastAnalyze, &t.LastAutoanalyze)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return Freshness{}, fmt.Errorf("statistics freshness of %s: %w", table, scrubErr(dsn, err))
		}
		f.Tables = append(f.Tables, t)
	}
	return f, nil
}
