package pgenv_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

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
		{"content_tracking", "createdOn", "timestamp with time zone", false, "now()"},
		{"content_tracking", "lastAccessOn", "timestamp with time zone", true, ""},
		{"content_tracking", "updatedOn", "timestamp with time zone", false, "now()"},
		{"content_tracking", "tenantId", "uuid", true, ""},
		{"content_tracking", "resumeData", "double precision", true, ""},
		{"content_tracking_details", "id", "uuid", false, "gen_random_uuid()"},
		{"content_tracking_details", "contentTrackingId", "uuid", false, ""},
		{"content_tracking_details", "userId", "uuid", false, ""},
		{"content_tracking_details", "eid", "character varying", false, ""},
		{"content_tracking_details", "mode", "character varying", true, ""},
		{"content_tracking_details", "pageid", "character varying", true, ""},
		{"content_tracking_details", "type", "character varying", true, ""},
		{"content_tracking_details", "subtype", "character varying", true, ""},
		{"content_tracking_details", "edata", "jsonb", true, ""},
		{"content_tracking_details", "summary", "jsonb", true, ""},
		{"content_tracking_details", "duration", "numeric", true, ""},
		{"content_tracking_details", "progress", "numeric", true, ""},
		{"content_tracking_details", "createdOn", "timestamp with time zone", false, "now()"},
		{"content_tracking_details", "updatedOn", "timestamp with time zone", false, "now()"},
	}
	ctx := context.Background()
	conn := open(t, pgtest.NewDB(t))
	rows, err := conn.Query(ctx, `
SELECT table_name, column_name, data_type, is_nullable = 'YES', coalesce(column_default, '')
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name IN ('content_tracking', 'content_tracking_details')
ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	var got []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.Table, &c.Name, &c.Type, &c.Nullable, &c.Default); err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("columns (-entities +database):\n%s", diff)
	}
	// Primary keys only: the seven indexes are the "after" state.
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE tablename IN ('content_tracking','content_tracking_details')`); n != 2 {
		t.Errorf("fresh schema has %d indexes, want the 2 primary keys", n)
	}
}
