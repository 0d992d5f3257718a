package pgenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"golang.org/x/sync/errgroup"
)

// SeedOptions choose what Seed generates.
type SeedOptions struct {
	Seed    int64  // 0 means DefaultSeed (1)
	Profile string // "tiny" | "demo" | "claim"; "" means "tiny"
	// Users, Courses, Contents (per user and course) and Events (mean detail
	// events per content): a value > 0 overrides the profile's count.
	Users, Courses, Contents, Events int
	// Force adds rows to tables that already hold some. Seed never deletes.
	Force bool
	// Fixtures, when set, is where Seed writes the fixtures file naming
	// what it loaded (fixtures.Write), once the rows are committed.
	Fixtures string
}

// SeedReport says what Seed loaded.
type SeedReport struct {
	Fixtures fixtures.Fixtures
	Rows     map[string]int64 // rows loaded per table
	Elapsed  time.Duration
}

// Total returns the rows loaded in both tables.
func (r *SeedReport) Total() int64 {
	var n int64
	for _, v := range r.Rows {
		n += v
	}
	return n
}

// RowsPerSecond returns the load rate over both tables.
func (r *SeedReport) RowsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Total()) / r.Elapsed.Seconds()
}

// ErrNotEmpty is returned (wrapped) when Seed is refused because the tables
// already hold rows and SeedOptions.Force is false.
var ErrNotEmpty = errors.New("tables already hold rows")

// Seed creates the schema if it is missing, then loads deterministic
// synthetic data into the database at dsn with COPY: the same options give
// the same rows, IDs included. Both tables are loaded at once on two
// connections, each in a transaction that commits only when both loads
// succeeded, so a failed seed leaves nothing behind. A database whose tables
// already hold rows is refused unless opts.Force. The fixtures file is
// written when opts.Fixtures names one.
func Seed(ctx context.Context, dsn string, opts SeedOptions) (*SeedReport, error) {
	profile, seed, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	conns := make([]*pgx.Conn, 2)
	for i := range conns {
		if conns[i], err = connect(ctx, dsn); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		defer conns[i].Close(context.WithoutCancel(ctx))
	}
	if err := createSchema(ctx, conns[0]); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if !opts.Force {
		if err := refuseNonEmpty(ctx, conns[0], dsn); err != nil {
			return nil, err
		}
	}

	started := time.Now()
	pl := newPlan(profile, seed)
	txs := make([]pgx.Tx, 2)
	for i, c := range conns {
		if txs[i], err = c.Begin(ctx); err != nil {
			return nil, fmt.Errorf("seed: %w", scrubErr(dsn, err))
		}
		defer txs[i].Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	}
	tracking := make(chan []trackingRow, 4)
	details := make(chan []detailRow, 4)
	var nTracking, nDetails int64
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return pl.generate(gctx, tracking, details) })
	g.Go(func() error {
		var err error
		nTracking, err = copyBinary(gctx, txs[0], TableContentTracking, trackingColumns,
			&copyReader[trackingRow]{ctx: gctx, ch: tracking, encode: (*trackingRow).appendCopy})
		return copyErr(TableContentTracking, err)
	})
	g.Go(func() error {
		var err error
		nDetails, err = copyBinary(gctx, txs[1], TableContentTrackingDetails, detailColumns,
			&copyReader[detailRow]{ctx: gctx, ch: details, encode: (*detailRow).appendCopy})
		return copyErr(TableContentTrackingDetails, err)
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("seed: %w", scrubErr(dsn, err))
	}
	// Provenance, in the same transaction as the rows: a later seed with
	// --force overwrites it, as its rows are the latest.
	if _, err := txs[0].Exec(ctx, "COMMENT ON TABLE "+pgx.Identifier{TableContentTracking}.Sanitize()+" IS "+
		quoteLiteral(SeedComment(profile.Name, seed))); err != nil {
		return nil, fmt.Errorf("seed: record provenance: %w", scrubErr(dsn, err))
	}
	for i, tx := range txs {
		if err := tx.Commit(ctx); err != nil {
			return nil, fmt.Errorf("seed: commit %s: %w", []string{TableContentTracking, TableContentTrackingDetails}[i], scrubErr(dsn, err))
		}
	}
	// A database the service has run on for a while has statistics;
	// without them the planner plans blind and a run measures that. The
	// loading sessions publish their row counts first (PostgreSQL 15
	// flushes them lazily): counted after the ANALYZE, the same rows would
	// read as changed since it, and the tables as stale.
	for _, c := range conns {
		if _, err := c.Exec(ctx, probeTag+" SELECT pg_stat_force_next_flush()"); err != nil {
			return nil, fmt.Errorf("seed: %w", scrubErr(dsn, err))
		}
		if _, err := c.Exec(ctx, probeTag+" SELECT 1"); err != nil { // the flush happens as this ends
			return nil, fmt.Errorf("seed: %w", scrubErr(dsn, err))
		}
	}
	if err := Analyze(ctx, dsn); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	rep := &SeedReport{
		Fixtures: pl.fixtures(),
		Rows:     map[string]int64{TableContentTracking: nTracking, TableContentTrackingDetails: nDetails},
		Elapsed:  time.Since(started),
	}
	if opts.Fixtures != "" {
		if err := fixtures.Write(opts.Fixtures, &rep.Fixtures); err != nil {
			return nil, exit.Unavailable(err)
		}
	}
	return rep, nil
}

// ReadSeedProvenance reads the comment Seed left on the content_tracking
// table the search path resolves. It returns nil, and no error, when the
// table has no comment or one perfgate did not write (a database seeded by
// something else, or not seeded).
func ReadSeedProvenance(ctx context.Context, q Querier) (*SeedMark, error) {
	var comment *string
	if err := q.QueryRow(ctx, `SELECT obj_description(to_regclass($1), 'pg_class')`, TableContentTracking).Scan(&comment); err != nil {
		return nil, fmt.Errorf("read seed provenance: %w", err)
	}
	if comment == nil {
		return nil, nil
	}
	m, ok := ParseSeedComment(*comment)
	if !ok {
		return nil, nil
	}
	return &m, nil
}

// quoteLiteral quotes s as an SQL string literal, for the statements that
// take no parameters (COMMENT).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// refuseNonEmpty returns an ErrNotEmpty error when either table holds rows.
func refuseNonEmpty(ctx context.Context, conn *pgx.Conn, dsn string) error {
	for _, table := range []string{TableContentTracking, TableContentTrackingDetails} {
		var any bool
		q := "SELECT EXISTS (SELECT 1 FROM " + pgx.Identifier{table}.Sanitize() + ")"
		if err := conn.QueryRow(ctx, q).Scan(&any); err != nil {
			return fmt.Errorf("seed: %w", scrubErr(dsn, err))
		}
		if any {
			// The user's to decide (exit 2): another database, or --force.
			return exit.Usage(fmt.Errorf("seed %s: %w (%s is not empty); nothing was changed: seed an empty database, or pass --force to add rows anyway (nothing is ever deleted)",
				RedactDSN(dsn), ErrNotEmpty, table))
		}
	}
	return nil
}

// copyErr explains the one COPY failure a user can cause: loading the same
// seed twice with --force collides on the primary keys.
func copyErr(table string, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("copy into %s: rows with the same IDs already exist (was this --seed loaded before? use another --seed): %w", table, err)
	}
	return fmt.Errorf("copy into %s: %w", table, err)
}

// copyBinary loads the rows r streams into table with COPY … FROM STDIN
// in PostgreSQL's binary format, inside tx.
func copyBinary(ctx context.Context, tx pgx.Tx, table string, columns []string, r io.Reader) (int64, error) {
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	sql := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(cols, ", ") + ") FROM STDIN (FORMAT binary)"
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, sql)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// copyHeader starts a binary COPY stream: signature, flags, no extension.
var copyHeader = []byte("PGCOPY\n\377\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyReader streams batches of rows arriving on a channel as one binary
// COPY stream. Rows encode themselves straight into its buffer: no
// per-value interface boxing or type lookup, which is most of what pgx's
// CopyFrom costs the client per row, on a machine whose cores the server
// needs for the same load.
type copyReader[T any] struct {
	ctx     context.Context
	ch      <-chan []T
	encode  func(*T, []byte) []byte
	buf     []byte
	off     int
	started bool
	done    bool
}

// Read implements io.Reader.
func (r *copyReader[T]) Read(p []byte) (int, error) {
	for r.off >= len(r.buf) {
		if r.done {
			return 0, io.EOF
		}
		r.buf, r.off = r.buf[:0], 0
		if !r.started {
			r.buf = append(r.buf, copyHeader...)
			r.started = true
		}
		select {
		case batch, ok := <-r.ch:
			if !ok {
				r.buf = append(r.buf, 0xff, 0xff) // the trailer: field count -1
				r.done = true
				break
			}
			for i := range batch {
				r.buf = r.encode(&batch[i], r.buf)
			}
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}
