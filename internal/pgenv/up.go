package pgenv

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
	"github.com/perfgate/perfgate/internal/exit"
)

// UpOptions are what db up brings up: where the database comes from, what
// to seed (SeedOptions.Fixtures: where the fixtures file goes), whether to
// apply the seven indexes, where it records itself, and where to say what
// happens.
type UpOptions struct {
	// Provider names where the database comes from (one of
	// ProviderNames; "" is auto), which ProviderConfig configures.
	Provider string
	ProviderConfig
	SeedOptions
	// Indexes applies the seven indexes after seeding (the "after" state).
	Indexes bool
	// StateFile, when set, is where Hold records the db up once its
	// database is ready (WriteState), for db down; it is removed when Hold
	// returns. A detached db up's background process sets it.
	StateFile string
	// Log gets one line per step, with passwords redacted.
	Log io.Writer
}

// Validate checks o before anything starts: the provider (NewProvider)
// and the seed (SeedOptions.Validate). Its errors are usage errors (exit 2).
func (o UpOptions) Validate() error {
	if _, err := NewProvider(o.Provider, o.ProviderConfig); err != nil {
		return err
	}
	return o.SeedOptions.Validate()
}

// Ephemeral reports whether o's database is started for the db up and
// removed after it: not an existing database at a DSN, which needs no
// process to keep it (and so no detached one).
func (o UpOptions) Ephemeral() bool {
	p, err := NewProvider(o.Provider, o.ProviderConfig)
	return err == nil && p.Name() != ProviderDSN
}

// Up is a database brought up, schema made and seeded.
type Up struct {
	DB     Database
	Seeded *SeedReport
	// Fixtures is the absolute path of the fixtures file written.
	Fixtures string
	Started  time.Time
}

// BringUp starts the provider's database, creates the service's schema,
// seeds it, writes the fixtures file (at its absolute path) and applies the
// indexes when asked: what db up does before it waits. The caller stops
// the database (Up.DB.Stop); a database started and then failed is stopped
// here. An unknown provider and a refused seed are the user's to fix
// (exit 2); anything else means the database could not be provided (exit 3).
func BringUp(ctx context.Context, o UpOptions) (up *Up, err error) {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	provider, err := NewProvider(o.Provider, o.ProviderConfig)
	if err != nil {
		return nil, err
	}
	if o.Fixtures, err = filepath.Abs(o.Fixtures); err != nil {
		return nil, exit.Usage(err)
	}
	started := time.Now()
	db, err := provider.Start(ctx)
	if err != nil {
		return nil, exit.Unavailable(fmt.Errorf("db up: provider %s: %w", provider.Name(), err))
	}
	defer func() {
		if err != nil {
			db.Stop()
		}
	}()
	dsn := db.DSN()
	fmt.Fprintf(log, "database up (provider %s) at %s in %s\n", ProviderOf(db), RedactDSN(dsn), time.Since(started).Round(time.Millisecond))
	if err := CreateSchema(ctx, dsn); err != nil {
		return nil, exit.Unavailable(err)
	}
	rep, err := Seed(ctx, dsn, o.SeedOptions)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(log, rep.Line(o.Fixtures))
	if o.Indexes {
		t := time.Now()
		if err := ApplyIndexes(ctx, dsn); err != nil {
			return nil, exit.Unavailable(err)
		}
		fmt.Fprintf(log, "applied the seven indexes in %s\n", time.Since(t).Round(time.Millisecond))
	} else {
		fmt.Fprintln(log, `indexes off: the "before" state (perfgate db indexes apply adds them)`)
	}
	return &Up{DB: db, Seeded: rep, Fixtures: o.Fixtures, Started: started}, nil
}

// Hold is db up in the foreground. It removes what killed db ups left
// behind (CleanLeftovers), brings the database up (BringUp) and calls ready
// with it. An existing database (the dsn provider) is then left as it is,
// and Hold returns. An ephemeral one is recorded in o.StateFile when set,
// and kept until ctx ends (Ctrl-C); then Hold stops and removes it.
func Hold(ctx context.Context, o UpOptions, ready func(*Up)) error {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	CleanLeftovers(log)
	up, err := BringUp(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if err := up.DB.Stop(); err != nil {
			fmt.Fprintf(log, "perfgate: stop database: %v\n", err)
		}
	}()
	if ready != nil {
		ready(up)
	}
	if !o.Ephemeral() {
		fmt.Fprintf(log, "ready in %s; the database at --dsn stays as it is\n", time.Since(up.Started).Round(time.Millisecond))
		return nil
	}
	if o.StateFile != "" {
		if err := WriteState(o.StateFile, up); err != nil {
			return exit.Unavailable(fmt.Errorf("db up: state file: %w", err))
		}
		defer detach.Remove(o.StateFile)
	}
	fmt.Fprintf(log, "ready in %s; Ctrl-C stops and removes the database\n", time.Since(up.Started).Round(time.Millisecond))
	<-ctx.Done()
	fmt.Fprintln(log, "stopping the database")
	return nil
}

// Line is the one-line summary of a seed, naming the fixtures file.
func (r *SeedReport) Line(fixturesPath string) string {
	return fmt.Sprintf("seeded %d rows (%s %d, %s %d) in %s: %.0f rows/s; profile %s, seed %d; fixtures %s",
		r.Total(), TableContentTracking, r.Rows[TableContentTracking],
		TableContentTrackingDetails, r.Rows[TableContentTrackingDetails],
		r.Elapsed.Round(time.Millisecond), r.RowsPerSecond(), r.Fixtures.Profile, r.Fixtures.Seed, fixturesPath)
}
