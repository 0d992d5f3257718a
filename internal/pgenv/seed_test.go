package pgenv_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// small keeps database tests fast while exercising every code path.
var small = pgenv.SeedOptions{Users: 4, Courses: 4, Contents: 30, Events: 3}

func seed(t *testing.T, opts pgenv.SeedOptions) (string, *pgenv.SeedReport) {
	t.Helper()
	dsn := pgtest.NewDB(t)
	rep, err := pgenv.Seed(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return dsn, rep
}

func queryInt(t *testing.T, conn *pgx.Conn, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func open(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// checksum hashes the full contents of both tables.
func checksum(t *testing.T, dsn string) string {
	t.Helper()
	conn := open(t, dsn)
	var a, b string
	ctx := context.Background()
	if err := conn.QueryRow(ctx, `SELECT md5(string_agg(t::text, E'\n' ORDER BY "contentTrackingId")) FROM content_tracking t`).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT md5(string_agg(t::text, E'\n' ORDER BY id)) FROM content_tracking_details t`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return a + b
}

func TestSeedDeterministic(t *testing.T) {
	t.Parallel()
	opts := small
	dsn1, rep1 := seed(t, opts)
	dsn2, rep2 := seed(t, opts)
	opts.Seed = 2
	dsn3, rep3 := seed(t, opts)
	if diff := cmp.Diff(rep1.Fixtures, rep2.Fixtures); diff != "" {
		t.Errorf("same seed, different fixtures (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(rep1.Rows, rep2.Rows); diff != "" {
		t.Errorf("same seed, different row counts (-first +second):\n%s", diff)
	}
	c1, c2, c3 := checksum(t, dsn1), checksum(t, dsn2), checksum(t, dsn3)
	if c1 != c2 {
		t.Errorf("same seed, different table contents: %s vs %s", c1, c2)
	}
	if c1 == c3 {
		t.Errorf("seeds 1 and 2 gave the same table contents %s", c1)
	}
	if rep3.Fixtures.Users[0] != pgenv.ChecklistUser || rep3.Fixtures.Courses[0] != pgenv.ChecklistCourse {
		t.Errorf("seed 2 lost the checklist's IDs: %v %v", rep3.Fixtures.Users[0], rep3.Fixtures.Courses[0])
	}
}

func TestSeedRefusesNonEmpty(t *testing.T) {
	t.Parallel()
	dsn, rep := seed(t, small)
	before := checksum(t, dsn)
	_, err := pgenv.Seed(context.Background(), dsn, small)
	if !errors.Is(err, pgenv.ErrNotEmpty) {
		t.Fatalf("second Seed: err = %v, want ErrNotEmpty", err)
	}
	if !strings.Contains(err.Error(), "--force") {
		t.Errorf("refusal does not mention --force: %v", err)
	}
	if after := checksum(t, dsn); after != before {
		t.Error("a refused seed changed the tables")
	}
	// --force with the same seed collides on IDs and must leave nothing behind.
	forced := small
	forced.Force = true
	if _, err := pgenv.Seed(context.Background(), dsn, forced); err == nil || !strings.Contains(err.Error(), "--seed") {
		t.Errorf("forced reseed with the same seed: err = %v, want an ID collision naming --seed", err)
	}
	if after := checksum(t, dsn); after != before {
		t.Error("a failed forced seed changed the tables")
	}
	// --force with another seed adds rows and deletes none.
	forced.Seed = 7
	rep2, err := pgenv.Seed(context.Background(), dsn, forced)
	if err != nil {
		t.Fatalf("forced seed: %v", err)
	}
	conn := open(t, dsn)
	for table, n := range rep.Rows {
		got := queryInt(t, conn, "SELECT count(*) FROM "+table)
		if want := n + rep2.Rows[table]; got != want {
			t.Errorf("%s holds %d rows after forced seed, want %d", table, got, want)
		}
	}
}

func pgtestDSN(t *testing.T) string { return pgtest.NewDB(t) }
