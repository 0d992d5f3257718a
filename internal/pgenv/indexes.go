package pgenv

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// IndexSpec is one of the seven indexes of the deployment checklist.
type IndexSpec struct {
	Table   string
	Name    string
	Columns []string
}

// Indexes are the seven indexes, in the checklist's order: four on
// content_tracking, three on content_tracking_details.
var Indexes = []IndexSpec{
	{TableContentTracking, "idx_content_tracking_user_course_tenant", []string{"userId", "courseId", "tenantId"}},
	{TableContentTracking, "idx_content_tracking_user_tenant", []string{"userId", "tenantId"}},
	{TableContentTracking, "idx_content_tracking_course_tenant", []string{"courseId", "tenantId"}},
	{TableContentTracking, "idx_content_tracking_created_on", []string{"createdOn"}},
	{TableContentTrackingDetails, "idx_content_tracking_details_content_tracking_id", []string{"contentTrackingId"}},
	{TableContentTrackingDetails, "idx_content_tracking_details_user_id", []string{"userId"}},
	{TableContentTrackingDetails, "idx_content_tracking_details_eid", []string{"eid"}},
}

// IndexNames returns the names of the seven indexes, in checklist order.
func IndexNames() []string {
	names := make([]string, len(Indexes))
	for i, ix := range Indexes {
		names[i] = ix.Name
	}
	return names
}

// ApplyIndexes creates the seven indexes with CREATE INDEX CONCURRENTLY IF
// NOT EXISTS (sql/indexes_apply.sql), one statement at a time since
// CONCURRENTLY cannot run in a transaction, then ANALYZEs both tables. An
// index left INVALID by an interrupted earlier build is dropped and built
// again, since IF NOT EXISTS would keep it.
func ApplyIndexes(ctx context.Context, dsn string) error {
	rep, err := VerifyIndexes(ctx, dsn)
	if err != nil {
		return fmt.Errorf("apply indexes: %w", err)
	}
	var pre []string
	for _, st := range rep.Indexes {
		if st.Exists && !st.Valid {
			pre = append(pre, "DROP INDEX CONCURRENTLY IF EXISTS "+quoteIdent(st.Name))
		}
	}
	if err := runFile(ctx, dsn, "indexes_apply.sql", pre...); err != nil {
		return fmt.Errorf("apply indexes: %w", err)
	}
	return nil
}

// RollbackIndexes drops the seven indexes with DROP INDEX CONCURRENTLY IF
// EXISTS (sql/indexes_rollback.sql): back to the "before" state.
func RollbackIndexes(ctx context.Context, dsn string) error {
	if err := runFile(ctx, dsn, "indexes_rollback.sql"); err != nil {
		return fmt.Errorf("rollback indexes: %w", err)
	}
	return nil
}

// runFile runs pre and then the statements of an embedded SQL file, each
// on its own (outside any transaction block).
func runFile(ctx context.Context, dsn, name string, pre ...string) error {
	src, err := SQL(name)
	if err != nil {
		return err
	}
	conn, err := connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, stmt := range append(pre, statements(src)...) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %s: %w", name, firstLine(stmt), scrubErr(dsn, err))
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// IndexStatus is what the database says about one of the seven indexes.
type IndexStatus struct {
	Schema string // empty when the index does not exist
	Table  string
	Name   string
	Def    string // pg_indexes.indexdef
	Exists bool
	Valid  bool // false for an index left INVALID by a failed concurrent build
}

// IndexReport lists which of the seven indexes are present (and valid).
type IndexReport struct {
	Present, Missing []string
	Indexes          []IndexStatus // the seven, in checklist order
}

// OK reports whether all seven indexes are present and valid.
func (r IndexReport) OK() bool { return len(r.Missing) == 0 && len(r.Present) == len(Indexes) }

// VerifyIndexes looks the seven indexes up in pg_indexes, like the
// checklist's verification query, on the tables visible in the search path.
// An INVALID index counts as missing.
func VerifyIndexes(ctx context.Context, dsn string) (IndexReport, error) {
	var rep IndexReport
	conn, err := connect(ctx, dsn)
	if err != nil {
		return rep, fmt.Errorf("verify indexes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `
SELECT i.schemaname, i.tablename, i.indexname, i.indexdef, x.indisvalid
FROM pg_indexes i
JOIN pg_class c ON c.relname = i.indexname
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
JOIN pg_index x ON x.indexrelid = c.oid
WHERE i.tablename IN ('content_tracking', 'content_tracking_details')
  AND i.indexname LIKE 'idx_%'
  AND i.schemaname = ANY (current_schemas(false))
ORDER BY i.tablename, i.indexname`)
	if err != nil {
		return rep, fmt.Errorf("verify indexes: %w", scrubErr(dsn, err))
	}
	found := map[string]IndexStatus{}
	for rows.Next() {
		var st IndexStatus
		if err := rows.Scan(&st.Schema, &st.Table, &st.Name, &st.Def, &st.Valid); err != nil {
			return rep, fmt.Errorf("verify indexes: %w", err)
		}
		st.Exists = true
		if _, dup := found[st.Name]; !dup {
			found[st.Name] = st
		}
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify indexes: %w", scrubErr(dsn, err))
	}
	for _, ix := range Indexes {
		st, ok := found[ix.Name]
		if !ok {
			st = IndexStatus{Table: ix.Table, Name: ix.Name}
		}
		rep.Indexes = append(rep.Indexes, st)
		if st.Exists && st.Valid {
			rep.Present = append(rep.Present, ix.Name)
		} else {
			rep.Missing = append(rep.Missing, ix.Name)
		}
	}
	return rep, nil
}

// WriteTable prints the report as the checklist's verification query shows
// it (schemaname, tablename, indexname, indexdef), with a status column and
// a per-table count against the expected 4 + 3.
func (r IndexReport) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSCHEMANAME\tTABLENAME\tINDEXNAME\tINDEXDEF")
	want := map[string]int{}
	have := map[string]int{}
	for _, st := range r.Indexes {
		want[st.Table]++
		status, schema, def := "missing", "-", "-"
		if st.Exists {
			schema, def = st.Schema, st.Def
			status = "ok"
			if !st.Valid {
				status = "invalid"
			} else {
				have[st.Table]++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", status, schema, st.Table, st.Name, def)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s: %d/%d, %s: %d/%d\n",
		TableContentTracking, have[TableContentTracking], want[TableContentTracking],
		TableContentTrackingDetails, have[TableContentTrackingDetails], want[TableContentTrackingDetails])
	return err
}
