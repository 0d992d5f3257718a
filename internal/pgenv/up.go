package pgenv

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
)

// UpOptions are what BringUp needs: where the database comes from, what
// to seed, whether to apply the seven indexes, where to write the
// fixtures file, and where to say what happens.
type UpOptions struct {
	Provider Provider
	Seed     SeedOptions
	// Indexes applies the seven indexes after seeding (the "after" state).
	Indexes bool
	// Fixtures is the path of the fixtures file to write.
	Fixtures string
	// Log gets one line per step, with passwords redacted.
	Log io.Writer
}

// Up is a database brought up, schema made and seeded.
type Up struct {
	DB      Database
	Seeded  *SeedReport
	Started time.Time
}

// BringUp starts the provider's database, creates the service's schema,
// seeds it, writes the fixtures file and applies the indexes when asked:
// what `perfgate db up` does before it waits. The caller stops the
// database (Up.DB.Stop); a database started and then failed is stopped
// here. A refused seed is the user's to fix (exit 2); anything else means
// the database could not be provided (exit 3).
func BringUp(ctx context.Context, o UpOptions) (up *Up, err error) {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	started := time.Now()
	db, err := o.Provider.Start(ctx)
	if err != nil {
		return nil, exit.Unavailable(fmt.Errorf("db up: provider %s: %w", o.Provider.Name(), err))
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
	rep, err := Seed(ctx, dsn, o.Seed)
	if err != nil {
		return nil, err
	}
	if err := fixtures.Write(o.Fixtures, &rep.Fixtures); err != nil {
		return nil, exit.Unavailable(err)
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
	return &Up{DB: db, Seeded: rep, Started: started}, nil
}

// Line is the one-line summary of a seed, naming the fixtures file.
func (r *SeedReport) Line(fixturesPath string) string {
	return fmt.Sprintf("seeded %d rows (%s %d, %s %d) in %s: %.0f rows/s; profile %s, seed %d; fixtures %s",
		r.Total(), TableContentTracking, r.Rows[TableContentTracking],
		TableContentTrackingDetails, r.Rows[TableContentTrackingDetails],
		r.Elapsed.Round(time.Millisecond), r.RowsPerSecond(), r.Fixtures.Profile, r.Fixtures.Seed, fixturesPath)
}
