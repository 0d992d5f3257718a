package pgenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
}

// SeedReport says what Seed loaded.
type SeedReport struct {
	Fixtures Fixtures
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
// already hold rows is refused unless opts.Force.
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
		nTracking, err = txs[0].CopyFrom(gctx, pgx.Identifier{TableContentTracking}, trackingColumns,
			&chanSource[trackingRow]{ctx: gctx, ch: tracking, values: (*trackingRow).values})
		return copyErr(TableContentTracking, err)
	})
	g.Go(func() error {
		var err error
		nDetails, err = txs[1].CopyFrom(gctx, pgx.Identifier{TableContentTrackingDetails}, detailColumns,
			&chanSource[detailRow]{ctx: gctx, ch: details, values: (*detailRow).values})
		return copyErr(TableContentTrackingDetails, err)
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("seed: %w", scrubErr(dsn, err))
	}
	for i, tx := range txs {
		if err := tx.Commit(ctx); err != nil {
			return nil, fmt.Errorf("seed: commit %s: %w", []string{TableContentTracking, TableContentTrackingDetails}[i], scrubErr(dsn, err))
		}
	}
	return &SeedReport{
		Fixtures: pl.fixtures(),
		Rows:     map[string]int64{TableContentTracking: nTracking, TableContentTrackingDetails: nDetails},
		Elapsed:  time.Since(started),
	}, nil
}

// refuseNonEmpty returns an ErrNotEmpty error when either table holds rows.
func refuseNonEmpty(ctx context.Context, conn *pgx.Conn, dsn string) error {
	for _, table := range []string{TableContentTracking, TableContentTrackingDetails} {
		var any bool
		q := "SELECT EXISTS (SELECT 1 FROM " + pgx.Identifier{table}.Sanitize() + ")"
		if err := conn.QueryRow(ctx, q).Scan(&any); err != nil {
			return fmt.Errorf("seed: %w", scrubErr(dsn, err))
		}
		if any {
			return fmt.Errorf("seed %s: %w (%s is not empty); nothing was changed: seed an empty database, or pass --force to add rows anyway (nothing is ever deleted)",
				RedactDSN(dsn), ErrNotEmpty, table)
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

// chanSource feeds pgx.CopyFrom from batches arriving on a channel.
type chanSource[T any] struct {
	ctx    context.Context
	ch     <-chan []T
	values func(*T, []any) []any
	batch  []T
	i      int
	row    []any
	err    error
}

func (s *chanSource[T]) Next() bool {
	s.i++
	for s.i >= len(s.batch) {
		select {
		case b, ok := <-s.ch:
			if !ok {
				return false
			}
			s.batch, s.i = b, 0
		case <-s.ctx.Done():
			s.err = s.ctx.Err()
			return false
		}
	}
	return true
}

// Values reuses one slice: CopyFrom encodes a row before asking for the next.
func (s *chanSource[T]) Values() ([]any, error) {
	s.row = s.values(&s.batch[s.i], s.row)
	return s.row, nil
}

func (s *chanSource[T]) Err() error { return s.err }
