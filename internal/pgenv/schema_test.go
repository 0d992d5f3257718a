package pgenv_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

type column struct {
	Table, Name, Type string
	Nullable          bool
	Default           string
}

// TestSchemaMatchesEntities compares information_schema.columns with the
// service's two TypeORM entities (DESIGN §5).
func TestSchemaMatchesEntities(t *testing.T) {
	t.Parallel()
	want := []column{
		{"content_tracking", "contentTrackingId", "uuid", false, "gen_random_uuid()"},
		{"content_tracking", "userId", "uuid", false, ""},
		{"content_tracking", "courseId", "character varying", false, ""},
		{"content_tracking", "contentId", "character varying", false, ""},
		{"content_tracking", "contentType", "character varying", false, ""},
		{"content_tracking", "contentMime", "character varying", false, ""},
		{"content_tracking", "unitId", "character varying", false, ""},
		{"content_tracking", "createdOn", "timestamp with time zone", false, "CURRENT_TIMESTAMP"},
		{"content_tracking", "lastAccessOn", "timestamp with time zone", true, ""},
		{"content_tracking", "updatedOn", "timestamp with time zone", false, ""},
		{"content_tracking", "tenantId", "uuid", true, ""},
		{"content_tracking_details", "id", "uuid", false, "gen_random_uuid()"},
		{"content_tracking_details", "contentTrackingId", "uuid", false, ""},
		{"content_tracking_details", "userId", "uuid", false, ""},
		{"content_tracking_details", "eid", "character varying", false, ""},
		{"content_tracking_details", "mode", "character varying", false, ""},
		{"content_tracking_details", "pageid", "character varying", false, ""},
		{"content_tracking_details", "type", "character varying", false, ""},
		{"content_tracking_details", "subtype", "character varying", false, ""},
		{"content_tracking_details", "edata", "jsonb", false, ""},
		{"content_tracking_details", "duration", "numeric", false, ""},
		{"content_tracking_details", "summary", "jsonb", false, ""},
		{"content_tracking_details", "progress", "numeric", false, ""},
		{"content_tracking_details", "createdOn", "timestamp with time zone", false, "CURRENT_TIMESTAMP"},
		{"content_tracking_details", "updatedOn", "timestamp with time zone", false, ""},
	}
	conn := open(t, pgtest.NewDB(t))
	if diff := cmp.Diff(want, columns(t, conn)); diff != "" {
		t.Errorf("columns (-entities +database):\n%s", diff)
	}
	// Primary keys only: the seven indexes are the "after" state.
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE tablename IN ('content_tracking','content_tracking_details')`); n != 2 {
		t.Errorf("fresh schema has %d indexes, want the 2 primary keys", n)
	}
}

func columns(t *testing.T, conn *pgx.Conn) []column {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
SELECT table_name, column_name, data_type, is_nullable = 'YES', coalesce(column_default, '')
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name IN ('content_tracking', 'content_tracking_details')
ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (column, error) {
		var c column
		err := row.Scan(&c.Table, &c.Name, &c.Type, &c.Nullable, &c.Default)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// serviceDB returns a database whose two tables were created by the
// service's DDL, not by perfgate.
func serviceDB(t *testing.T) string {
	t.Helper()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	execAll(t, conn, `DROP TABLE content_tracking, content_tracking_details`)
	execAll(t, conn, pgtest.ServiceDDL...)
	return dsn
}

// TestSchemaMatchesServiceDDL: schema.sql and the service's DDL give the
// same columns, types, nullability and defaults (the generated primary
// keys aside, whose function differs only by extension).
func TestSchemaMatchesServiceDDL(t *testing.T) {
	t.Parallel()
	ours := columns(t, open(t, pgtest.NewDB(t)))
	theirs := columns(t, open(t, serviceDB(t)))
	for _, cs := range [][]column{ours, theirs} {
		for i := range cs {
			if cs[i].Default == "gen_random_uuid()" || cs[i].Default == "uuid_generate_v4()" {
				cs[i].Default = "generated uuid"
			}
		}
	}
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("columns (-service +perfgate):\n%s", diff)
	}
}

// TestSeedIntoServiceTables is `perfgate db seed --dsn` into the service's
// own tables: every NOT NULL column gets a valid value, and the rows are
// those perfgate's schema gets.
func TestSeedIntoServiceTables(t *testing.T) {
	t.Parallel()
	dsn := serviceDB(t)
	rep, err := pgenv.Seed(context.Background(), dsn, small)
	if err != nil {
		t.Fatalf("seed into the service's tables: %v", err)
	}
	if rep.Rows["content_tracking_details"] == 0 {
		t.Fatal("nothing seeded")
	}
	dsn2, _ := seed(t, small)
	if a, b := checksum(t, dsn), checksum(t, dsn2); a != b {
		t.Errorf("the same seed gives other rows in the service's tables than in perfgate's: %s vs %s", a, b)
	}
}
