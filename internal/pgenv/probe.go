package pgenv

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// probeTag marks the probe's own statements so that they are left out of
// the figures: pg_stat_statements keeps a statement's comment in its text.
const probeTag = "/* perfgate-probe */"

// Settling: PostgreSQL 15 backends flush their table statistics lazily:
// a backend that flushed less than a second ago waits until it has been
// idle for 10 s. The probe therefore waits, after the load, until every
// other backend of the database has been idle that long (or has gone),
// so that the figures of a scenario are complete and do not leak into the
// next one. pg_stat_statements is updated at once and needs no wait.
const (
	DefaultSettleIdle = 10*time.Second + 200*time.Millisecond
	DefaultSettleMax  = 12 * time.Second
	settlePoll        = 200 * time.Millisecond
)

// SlowestStatements is how many statements a probe reports, slowest first.
const SlowestStatements = 5

// Probe measures what a database did between two snapshots: statements
// (pg_stat_statements), scans and rows read (pg_stat_user_tables), the use
// of each index on the service's tables (pg_stat_user_indexes) and
// temporary files (pg_stat_database); between Begin and End it also counts
// the database's connections (pg_stat_activity) and, when the server
// explains statements into a log it can read (auto_explain), collects the
// plans they ran with. It only reads statistics; it never resets or
// changes them (PlanPass, when a caller asks for it, switches plan
// capture on a server perfgate started). Its own statements carry probeTag and are left out.
//
// It is the one probe type: run --db-probe and the demo open it with
// OpenRunProbe and the engine calls Begin and End around each scenario.
// A Probe is used by one goroutine: Begin, the load, End, and so on.
type Probe struct {
	dsn        string
	conn       *pgx.Conn
	mu         sync.Mutex // guards conn: the activity sampler shares it between Begin and End
	timeCol    string     // total_exec_time (PG 13+) or total_time
	hasStmts   bool
	hasWorkers bool // pg_stat_statements counts parallel workers (PostgreSQL 18+)
	warnings   []string
	before     *Snapshot
	SettleIdle time.Duration
	SettleMax  time.Duration
	// ActivityInterval is how often pg_stat_activity is sampled between
	// Begin and End (default DefaultActivityInterval; 0 turns it off).
	ActivityInterval time.Duration

	cfg      probeConfig
	plans    *planLog // nil when plans are not captured
	planNote string   // why plans are missing or partial
	planOpen bool     // a plan window is open
	activity *activitySampler
	super    bool // the probe's role is a superuser: it may switch plan capture (PlanPass)
}

// Snapshot is the statistics at one moment.
type Snapshot struct {
	Statements map[string]StatementStat // by userid/queryid
	SeqScans   int64
	IdxScans   int64
	RowsRead   int64 // seq_tup_read + idx_tup_fetch
	TempFiles  int64 // the database's temp_files
	TempBytes  int64
	// Indexes are the pg_stat_user_indexes counters of every index on the
	// service's two tables, by index OID (FoundIndex.OID).
	Indexes map[uint32]IndexStat
}

// IndexStat is one index's pg_stat_user_indexes counters.
type IndexStat struct {
	Scans    int64 // idx_scan
	TupRead  int64 // idx_tup_read: index entries returned by its scans
	TupFetch int64 // idx_tup_fetch: live table rows fetched through it
}

// StatementStat is one pg_stat_statements entry.
type StatementStat struct {
	Query     string
	Calls     int64
	TotalTime float64 // milliseconds
	Rows      int64
	// Workers is parallel_workers_launched (PostgreSQL 18+; 0 before).
	Workers int64
}

// Figures are the per-request figures of one scenario.
type Figures struct {
	Requests             int64
	StatementsPerRequest float64
	SeqScansPerRequest   float64
	IndexScansPerRequest float64
	RowsReadPerRequest   float64
	StatementsAvailable  bool
	Slowest              []SlowStatement
	// TempFiles and TempBytes are the temporary files the database's
	// statements wrote in the window (all its sessions), in total.
	TempFiles int64
	TempBytes int64
	// Activity is the database's connections sampled during the load.
	Activity Activity
	// Plans are the plans the scenario's statements ran with, one per
	// statement shape, the most executed first; nil when not captured,
	// and PlansNote then says why (it also notes partial capture).
	Plans     []PlanSummary
	PlansNote string
	// Parallel says whether parallel workers ran, and how much of
	// SeqScansPerRequest they account for.
	Parallel Parallel
	// TimePerRequest is the statements' execution time per request
	// (pg_stat_statements): how long each request kept a connection of
	// the service's pool busy in the database; 0 without the extension.
	TimePerRequest time.Duration
	// Indexes are the seven indexes, whatever their names, and any other
	// index on the two tables the scenario used, with their use per
	// request (IndexUsageOf); UnusedIndexes names the valid indexes on
	// the two tables that no statement of the scenario used.
	Indexes       []IndexUsage
	UnusedIndexes []string
	// IndexesPresent says all seven indexes were present and valid at the
	// end of the scenario; MissingIndexes names those that were not.
	IndexesPresent bool
	MissingIndexes []string

	calls     map[string]int64 // executions per statement shape in the window
	indexNote string           // used indexes no plan scans (markPlannerProbes)
}

// SlowStatement is a statement of the window with its calls and mean time.
type SlowStatement struct {
	Query    string
	Calls    int64
	MeanTime time.Duration
	Rows     int64
}

// ProbeOption configures OpenProbe.
type ProbeOption func(*probeConfig)

type probeConfig struct {
	serverLog   string
	planLogWait time.Duration
	flush       func()
	settleLog   io.Writer
}

// WithServerLog reads plans from the server log file at path (a jsonlog
// file, or csvlog when it ends in .csv) instead of asking the server where
// its log is, which takes a superuser or pg_read_all_settings role.
func WithServerLog(path string) ProbeOption { return func(c *probeConfig) { c.serverLog = path } }

// WithPlanLogWait bounds how long End waits for the server's logging
// collector to write a scenario's plans (default DefaultPlanLogWait).
func WithPlanLogWait(d time.Duration) ProbeOption { return func(c *probeConfig) { c.planLogWait = d } }

// WithFlush has the probe call flush before it waits for the statistics
// to settle, at each Begin and End: a service that closes its idle pool
// connections there (the demo's in-process endpoint does) makes their
// backends flush their statistics at once, so the probe need not wait out
// PostgreSQL's 10 s idle flush.
func WithFlush(flush func()) ProbeOption { return func(c *probeConfig) { c.flush = flush } }

// WithSettleLog has the probe say on w when it waits for the statistics
// to settle, a wait of up to SettleMax that is silent otherwise:
// "waiting for PostgreSQL statistics (up to 12 s: ...)".
func WithSettleLog(w io.Writer) ProbeOption { return func(c *probeConfig) { c.settleLog = w } }

// OpenProbe connects to dsn and finds out which statistics it can read. A
// database without pg_stat_statements still gives table-level figures,
// with one warning (Warnings) saying how to enable the extension. Plans
// are captured when the server explains its statements into a log the
// probe can read (PlanCaptureSettings; a local cluster started
// WithPlanCapture does); PlansNote says otherwise.
func OpenProbe(ctx context.Context, dsn string, opts ...ProbeOption) (*Probe, error) {
	cfg := probeConfig{planLogWait: DefaultPlanLogWait}
	for _, o := range opts {
		o(&cfg)
	}
	conn, err := connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("db probe: %w", err)
	}
	p := &Probe{dsn: dsn, conn: conn, SettleIdle: DefaultSettleIdle, SettleMax: DefaultSettleMax, ActivityInterval: DefaultActivityInterval}
	var cols []string
	rows, err := conn.Query(ctx, probeTag+` SELECT a.attname::text FROM pg_attribute a
WHERE a.attrelid = to_regclass('pg_stat_statements') AND a.attnum > 0 AND NOT a.attisdropped`)
	if err == nil {
		cols, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	switch {
	case err != nil:
		p.Close()
		return nil, fmt.Errorf("db probe: %w", scrubErr(dsn, err))
	case slices.Contains(cols, "total_exec_time"):
		p.timeCol = "total_exec_time"
	case slices.Contains(cols, "total_time"):
		p.timeCol = "total_time"
	}
	p.hasWorkers = slices.Contains(cols, "parallel_workers_launched")
	if p.timeCol != "" {
		// The view exists; reading it fails when the library is not preloaded.
		if _, err := conn.Exec(ctx, probeTag+` SELECT 1 FROM pg_stat_statements LIMIT 1`); err == nil {
			p.hasStmts = true
		}
	}
	if !p.hasStmts {
		p.warnings = append(p.warnings, "the probed database has no usable pg_stat_statements, so statements per request are not measured "+
			"(table figures still are); enable it with shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, "+
			"a restart, and CREATE EXTENSION pg_stat_statements in the service's database")
	}
	p.cfg = cfg
	if err := conn.QueryRow(ctx, probeTag+` SELECT current_setting('is_superuser') = 'on'`).Scan(&p.super); err != nil {
		p.Close()
		return nil, fmt.Errorf("db probe: %w", scrubErr(dsn, err))
	}
	p.plans, p.planNote, err = detectPlanLog(ctx, conn, dsn, cfg.serverLog, cfg.planLogWait)
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// PlansCaptured reports whether End returns the scenario's plans.
func (p *Probe) PlansCaptured() bool { return p.plans != nil }

// PlansNote says why plans are not captured, or how the capture is
// partial (sampled, slow statements only, estimates only); "" when every
// statement's plan is captured with its actual rows.
func (p *Probe) PlansNote() string { return p.planNote }

// Warnings are the problems that did not stop the probe.
func (p *Probe) Warnings() []string { return p.warnings }

// StatementsAvailable reports whether pg_stat_statements can be read.
func (p *Probe) StatementsAvailable() bool { return p.hasStmts }

// Close stops any sampling and closes the probe's connection. Safe on nil.
func (p *Probe) Close() {
	if p == nil {
		return
	}
	p.activity.finish()
	if p.conn != nil {
		p.conn.Close(context.Background())
	}
}

// Begin takes the snapshot before a scenario, once the statistics have
// settled: requests sent to the service just before the run (a curl, a
// warmup) must not count in its first scenario. After an End, the settled
// snapshot of that End is reused: nothing ran in between. It then opens
// the scenario's plan window and starts sampling pg_stat_activity until
// End.
func (p *Probe) Begin(ctx context.Context) error {
	if p.before == nil {
		if err := p.settle(ctx); err != nil {
			return err
		}
		s, err := p.Snapshot(ctx)
		if err != nil {
			return err
		}
		p.before = s
	}
	if p.plans == nil && strings.Contains(p.planNote, planCaptureOff) {
		// Capture may have been switched on since (SetPlanCapture).
		p.mu.Lock()
		var err error
		p.plans, p.planNote, err = detectPlanLog(ctx, p.conn, p.dsn, p.cfg.serverLog, p.cfg.planLogWait)
		p.mu.Unlock()
		if err != nil {
			return err
		}
		p.planOpen = false
	}
	if p.plans != nil && !p.planOpen {
		p.mu.Lock()
		err := p.plans.begin(ctx)
		p.mu.Unlock()
		if err != nil {
			return err
		}
		p.planOpen = true
	}
	if p.activity == nil && p.ActivityInterval > 0 {
		p.activity = p.startActivity(ctx, p.ActivityInterval)
	}
	return nil
}

// End stops the activity sampling, waits for the statistics to settle,
// snapshots, and returns the figures since Begin divided by requests, with
// the plans the server logged in between.
func (p *Probe) End(ctx context.Context, requests int64) (*Figures, error) {
	if p.before == nil {
		return nil, fmt.Errorf("db probe: End without Begin")
	}
	activity := p.activity.finish()
	p.activity = nil
	if err := p.settle(ctx); err != nil {
		return nil, err
	}
	after, err := p.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	f := Delta(p.before, after, requests)
	f.StatementsAvailable = p.hasStmts
	f.Activity = activity
	f.PlansNote = p.planNote
	f.calls = shapeCalls(p.before, after)
	p.mu.Lock()
	found, err := FindIndexes(ctx, p.conn)
	p.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("db probe: %w", scrubErr(p.dsn, err))
	}
	f.Indexes, f.UnusedIndexes = IndexUsageOf(found, p.before, after, requests)
	f.IndexesPresent = true
	for _, st := range statuses(found) {
		if !st.State.Present() {
			f.IndexesPresent = false
			f.MissingIndexes = append(f.MissingIndexes, st.Spec.Name)
		}
	}
	if p.plans != nil && p.planOpen {
		p.mu.Lock()
		set, seen, err := p.plans.collect(ctx)
		p.mu.Unlock()
		if err != nil {
			return nil, err
		}
		f.Plans = set.summaries(f.calls)
		if len(f.Plans) == 0 && f.StatementsPerRequest > 0 {
			f.PlansNote = joinNotes(f.PlansNote, "no plan was logged during the scenario: auto_explain was switched off or sampled none of its statements")
		}
		if !seen {
			f.PlansNote = joinNotes(f.PlansNote, fmt.Sprintf("the server log did not show the end of the scenario within %s; "+
				"plans logged later are missing", p.plans.wait))
		}
		f.indexNote = markPlannerProbes(f.Indexes, f.Plans)
	}
	f.Parallel = parallelOf(p.before, after, f, p.hasWorkers, p.plans)
	p.before = after
	return f, nil
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}

// settle waits until every other backend connected to the database has
// been idle for SettleIdle (or has gone), at most SettleMax.
func (p *Probe) settle(ctx context.Context) error {
	if p.cfg.flush != nil {
		p.cfg.flush()
	}
	deadline := time.Now().Add(p.SettleMax)
	said := false
	for {
		var busy bool
		p.mu.Lock()
		err := p.conn.QueryRow(ctx, probeTag+` SELECT coalesce(bool_or(state <> 'idle' OR state_change > now() - $1::interval), false)
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
			fmt.Sprintf("%d milliseconds", p.SettleIdle.Milliseconds())).Scan(&busy)
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("db probe: %w", scrubErr(p.dsn, err))
		}
		if !busy || time.Now().After(deadline) {
			return nil
		}
		if w := p.cfg.settleLog; w != nil && !said {
			said = true
			fmt.Fprintf(w, "waiting for PostgreSQL statistics (up to %s: the service's connections flush them once idle for %s)\n",
				roughSeconds(p.SettleMax), roughSeconds(p.SettleIdle))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(settlePoll):
		}
	}
}

// roughSeconds writes d in whole seconds for a sentence: "12 s".
func roughSeconds(d time.Duration) string {
	return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
}

// Snapshot reads the statistics now.
func (p *Probe) Snapshot(ctx context.Context) (*Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &Snapshot{Statements: map[string]StatementStat{}}
	err := p.conn.QueryRow(ctx, probeTag+` SELECT coalesce(sum(seq_scan), 0)::bigint, coalesce(sum(idx_scan), 0)::bigint,
  coalesce(sum(seq_tup_read), 0)::bigint + coalesce(sum(idx_tup_fetch), 0)::bigint
FROM pg_stat_user_tables`).Scan(&s.SeqScans, &s.IdxScans, &s.RowsRead)
	if err != nil {
		return nil, fmt.Errorf("db probe: read pg_stat_user_tables: %w", scrubErr(p.dsn, err))
	}
	err = p.conn.QueryRow(ctx, probeTag+` SELECT coalesce(temp_files, 0), coalesce(temp_bytes, 0)
FROM pg_stat_database WHERE datname = current_database()`).Scan(&s.TempFiles, &s.TempBytes)
	if err != nil {
		return nil, fmt.Errorf("db probe: read pg_stat_database: %w", scrubErr(p.dsn, err))
	}
	rows, err := p.conn.Query(ctx, probeTag+` SELECT indexrelid, idx_scan, idx_tup_read, idx_tup_fetch FROM pg_stat_user_indexes
WHERE relid = ANY (ARRAY[to_regclass($1), to_regclass($2)]::oid[])`, TableContentTracking, TableContentTrackingDetails)
	if err != nil {
		return nil, fmt.Errorf("db probe: read pg_stat_user_indexes: %w", scrubErr(p.dsn, err))
	}
	s.Indexes = map[uint32]IndexStat{}
	var oid uint32
	var st IndexStat
	if _, err := pgx.ForEachRow(rows, []any{&oid, &st.Scans, &st.TupRead, &st.TupFetch}, func() error {
		s.Indexes[oid] = st
		return nil
	}); err != nil {
		return nil, fmt.Errorf("db probe: read pg_stat_user_indexes: %w", scrubErr(p.dsn, err))
	}
	if !p.hasStmts {
		return s, nil
	}
	workers := "0"
	if p.hasWorkers {
		workers = "parallel_workers_launched"
	}
	rows, err = p.conn.Query(ctx, probeTag+` SELECT userid::text || '/' || coalesce(queryid::text, md5(query)), query, calls, `+p.timeCol+`, rows, `+workers+`
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '%perfgate-probe%'`)
	if err != nil {
		return nil, fmt.Errorf("db probe: read pg_stat_statements: %w", scrubErr(p.dsn, err))
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var st StatementStat
		if err := rows.Scan(&key, &st.Query, &st.Calls, &st.TotalTime, &st.Rows, &st.Workers); err != nil {
			return nil, fmt.Errorf("db probe: read pg_stat_statements: %w", err)
		}
		// One query can appear as top-level and nested: add them up.
		prev := s.Statements[key]
		st.Calls += prev.Calls
		st.TotalTime += prev.TotalTime
		st.Rows += prev.Rows
		st.Workers += prev.Workers
		s.Statements[key] = st
	}
	return s, rows.Err()
}

// Delta computes the per-request figures between two snapshots. Counters
// that went backwards (an entry evicted from pg_stat_statements, or
// statistics reset by someone else) count as zero rather than negative.
func Delta(before, after *Snapshot, requests int64) *Figures {
	f := &Figures{Requests: requests}
	per := func(v int64) float64 {
		if requests <= 0 || v < 0 {
			return 0
		}
		return float64(v) / float64(requests)
	}
	var calls int64
	var total float64 // milliseconds
	var slow []SlowStatement
	for key, a := range after.Statements {
		b := before.Statements[key]
		dc := a.Calls - b.Calls
		if dc <= 0 {
			continue
		}
		calls += dc
		dt := a.TotalTime - b.TotalTime
		total += max(dt, 0)
		slow = append(slow, SlowStatement{
			Query:    strings.Join(strings.Fields(a.Query), " "),
			Calls:    dc,
			MeanTime: time.Duration(dt / float64(dc) * float64(time.Millisecond)),
			Rows:     a.Rows - b.Rows,
		})
	}
	slices.SortFunc(slow, func(x, y SlowStatement) int {
		return cmp.Or(cmp.Compare(y.MeanTime, x.MeanTime), cmp.Compare(x.Query, y.Query))
	})
	if len(slow) > SlowestStatements {
		slow = slow[:SlowestStatements]
	}
	f.Slowest = slow
	f.StatementsPerRequest = per(calls)
	if requests > 0 {
		f.TimePerRequest = time.Duration(total / float64(requests) * float64(time.Millisecond))
	}
	f.SeqScansPerRequest = per(after.SeqScans - before.SeqScans)
	f.IndexScansPerRequest = per(after.IdxScans - before.IdxScans)
	f.RowsReadPerRequest = per(after.RowsRead - before.RowsRead)
	f.TempFiles = max(after.TempFiles-before.TempFiles, 0)
	f.TempBytes = max(after.TempBytes-before.TempBytes, 0)
	return f
}
