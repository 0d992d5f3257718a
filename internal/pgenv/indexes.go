package pgenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/perfgate/perfgate/internal/exit"
)

// IndexSpec is one of the seven indexes of the deployment checklist's
// migration (add_performance_indexes.sql).
type IndexSpec struct {
	Table   string
	Name    string
	Columns []string
}

// Indexes are the seven indexes with the migration's names, in the
// checklist's order: four on content_tracking, three on
// content_tracking_details. sql/indexes_apply.sql is the same migration for
// people who apply it by hand (a test holds the two in step).
var Indexes = []IndexSpec{
	{TableContentTracking, "idx_content_tracking_user_course_tenant", []string{"userId", "courseId", "tenantId"}},
	{TableContentTracking, "idx_content_tracking_user_tenant", []string{"userId", "tenantId"}},
	{TableContentTracking, "idx_content_tracking_course_tenant", []string{"courseId", "tenantId"}},
	{TableContentTracking, "idx_content_tracking_created_on", []string{"createdOn"}},
	{TableContentTrackingDetails, "idx_content_tracking_details_tracking_id", []string{"contentTrackingId"}},
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

// FoundIndex is one index on perfgate's two tables as the catalog
// describes it.
type FoundIndex struct {
	OID     uint32   // pg_index.indexrelid; pg_stat_user_indexes.indexrelid joins on it
	Schema  string   // the schema of the index, which is its table's
	Table   string   // content_tracking or content_tracking_details
	Name    string   // the index's own name
	Columns []string // key columns in index order; an expression appears as its text
	Method  string   // access method: btree, hash, gin, ...
	Partial bool     // has a WHERE clause
	Valid   bool     // pg_index.indisvalid: false while a concurrent build runs or after one failed
	Def     string   // pg_get_indexdef
	// Spec is the name of the IndexSpec this index is equivalent to: on the
	// spec's table, a plain (not partial) btree with exactly the spec's
	// columns in the spec's order, whatever its own name; "" for none.
	Spec string
}

// QualifiedName returns "schema"."name", quoted for SQL.
func (f FoundIndex) QualifiedName() string { return quoteIdent(f.Schema) + "." + quoteIdent(f.Name) }

// findIndexesSQL lists every index on the content_tracking and
// content_tracking_details tables that the search path resolves (the
// tables the service's unqualified queries read), with their key columns
// from pg_attribute (an expression from pg_get_indexdef). It carries the
// probe's tag so that a probe running it is not counted.
const findIndexesSQL = probeTag + `
SELECT x.indexrelid, n.nspname::text, t.relname::text, i.relname::text,
       ARRAY(SELECT CASE WHEN x.indkey[k] = 0 THEN pg_get_indexdef(x.indexrelid, k + 1, true)
                         ELSE (SELECT a.attname::text FROM pg_attribute a
                               WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[k]) END
             FROM generate_series(0, x.indnkeyatts - 1) AS k ORDER BY k),
       am.amname::text, x.indpred IS NOT NULL, x.indisvalid, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE x.indrelid = ANY (ARRAY[to_regclass($1), to_regclass($2)]::oid[])
ORDER BY t.relname, i.relname`

// FindIndexes returns every index on perfgate's two tables, as resolved
// through the connection's search path, with the IndexSpec each one is
// equivalent to by table and columns (FoundIndex.Spec). It is the one
// place where an index is matched to the seven: VerifyIndexes,
// ChangeIndexes and anything attributing pg_stat_user_indexes rows (by
// FoundIndex.OID) use it. Missing tables give no rows, not an error.
func FindIndexes(ctx context.Context, q Querier) ([]FoundIndex, error) {
	rows, err := q.Query(ctx, findIndexesSQL, TableContentTracking, TableContentTrackingDetails)
	if err != nil {
		return nil, fmt.Errorf("find indexes: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (FoundIndex, error) {
		var f FoundIndex
		err := row.Scan(&f.OID, &f.Schema, &f.Table, &f.Name, &f.Columns, &f.Method, &f.Partial, &f.Valid, &f.Def)
		f.Spec = specOf(f)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("find indexes: %w", err)
	}
	return found, nil
}

// specOf returns the name of the spec f is equivalent to, or "".
func specOf(f FoundIndex) string {
	if f.Method != "btree" || f.Partial {
		return ""
	}
	for _, s := range Indexes {
		if s.Table == f.Table && slices.Equal(s.Columns, f.Columns) {
			return s.Name
		}
	}
	return ""
}

// tableSchemas returns the schema of each of perfgate's two tables as the
// search path resolves it; a table it does not resolve is absent.
func tableSchemas(ctx context.Context, q Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, probeTag+`
SELECT c.relname::text, n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = ANY (ARRAY[to_regclass($1), to_regclass($2)]::oid[])`, TableContentTracking, TableContentTrackingDetails)
	if err != nil {
		return nil, fmt.Errorf("find tables: %w", err)
	}
	out := map[string]string{}
	var table, schema string
	_, err = pgx.ForEachRow(rows, []any{&table, &schema}, func() error {
		out[table] = schema
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find tables: %w", err)
	}
	return out, nil
}

// IndexState is what the catalog says about one of the seven indexes.
type IndexState int

// The states of an index; only IndexOK and IndexEquivalent count as present.
const (
	IndexMissing      IndexState = iota // no index on the spec's table and columns
	IndexOK                             // the migration's index: its name, table and columns, valid
	IndexEquivalent                     // a valid index on the spec's table and columns under another name
	IndexInvalid                        // only an INVALID one (an interrupted concurrent build)
	IndexWrongColumns                   // an index with the spec's name on other columns (or the other table)
)

// Present reports whether the state counts as the index being there: the
// planner can use it for the endpoint's queries.
func (s IndexState) Present() bool { return s == IndexOK || s == IndexEquivalent }

// IndexStatus is one of the seven indexes and what stands for it in the
// database.
type IndexStatus struct {
	Spec  IndexSpec
	State IndexState
	// Index is the index the state is about: the one that provides the
	// spec (IndexOK, IndexEquivalent), the INVALID one, or the one with the
	// spec's name on other columns; nil when IndexMissing.
	Index *FoundIndex
	// NameTaken is an index with the spec's name on other columns while an
	// equivalent index under another name provides the spec; usually nil.
	NameTaken *FoundIndex
}

// Status is the STATUS column of the verification table: ok, present as
// NAME, invalid, wrong columns or missing.
func (s IndexStatus) Status() string {
	switch s.State {
	case IndexOK:
		return "ok"
	case IndexEquivalent:
		return "present as " + s.Index.Name
	case IndexInvalid:
		return "invalid"
	case IndexWrongColumns:
		return "wrong columns"
	}
	return "missing"
}

// statusOf decides what stands for spec among found. The migration's own
// index wins; otherwise any valid equivalent; otherwise an index with the
// spec's name is reported for what it is (INVALID, or on wrong columns).
func statusOf(spec IndexSpec, found []FoundIndex) IndexStatus {
	st := IndexStatus{Spec: spec}
	var named, equivalent, invalid *FoundIndex
	for i := range found {
		f := &found[i]
		if f.Name == spec.Name && (named == nil || f.Table == spec.Table) {
			named = f
		}
		if f.Spec == spec.Name && f.Name != spec.Name {
			if f.Valid && equivalent == nil {
				equivalent = f
			} else if !f.Valid && invalid == nil {
				invalid = f
			}
		}
	}
	switch {
	case named != nil && named.Spec == spec.Name && named.Valid:
		st.State, st.Index = IndexOK, named
	case equivalent != nil:
		st.State, st.Index = IndexEquivalent, equivalent
		if named != nil && named.Spec != spec.Name {
			st.NameTaken = named
		}
	case named != nil && named.Spec == spec.Name:
		st.State, st.Index = IndexInvalid, named
	case named != nil:
		st.State, st.Index = IndexWrongColumns, named
	case invalid != nil:
		st.State, st.Index = IndexInvalid, invalid
	}
	return st
}

// IndexReport lists which of the seven indexes are present.
type IndexReport struct {
	Present, Missing []string      // spec names; Missing includes INVALID and wrong-columns ones
	Indexes          []IndexStatus // the seven, in checklist order
	Found            []FoundIndex  // every index on the two tables
	MissingTables    []string      // of the two tables, those the search path does not resolve
	schemas          map[string]string
}

// OK reports whether all seven indexes are present and valid.
func (r IndexReport) OK() bool { return len(r.Missing) == 0 && len(r.Present) == len(Indexes) }

// VerifyIndexes reads the catalog (FindIndexes) on the tables the search
// path resolves and says, for each of the seven, what stands for it: the
// migration's index, an equivalent one under another name (present), an
// INVALID one or one with its name on other columns (missing), or nothing.
func VerifyIndexes(ctx context.Context, dsn string) (IndexReport, error) {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return IndexReport{}, fmt.Errorf("verify indexes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rep, err := verifyIndexes(ctx, conn)
	if err != nil {
		return rep, fmt.Errorf("verify indexes: %w", scrubErr(dsn, err))
	}
	return rep, nil
}

func verifyIndexes(ctx context.Context, q Querier) (IndexReport, error) {
	var rep IndexReport
	var err error
	if rep.schemas, err = tableSchemas(ctx, q); err != nil {
		return rep, err
	}
	for _, t := range []string{TableContentTracking, TableContentTrackingDetails} {
		if _, ok := rep.schemas[t]; !ok {
			rep.MissingTables = append(rep.MissingTables, t)
		}
	}
	if rep.Found, err = FindIndexes(ctx, q); err != nil {
		return rep, err
	}
	rep.Indexes = statuses(rep.Found)
	for _, st := range rep.Indexes {
		if st.State.Present() {
			rep.Present = append(rep.Present, st.Spec.Name)
		} else {
			rep.Missing = append(rep.Missing, st.Spec.Name)
		}
	}
	return rep, nil
}

func statuses(found []FoundIndex) []IndexStatus {
	out := make([]IndexStatus, len(Indexes))
	for i, spec := range Indexes {
		out[i] = statusOf(spec, found)
	}
	return out
}

// WriteTable prints the report as the checklist's verification query shows
// it (schemaname, tablename, indexname, indexdef) with a status column, a
// per-table count against the expected 4 + 3, and a note for each index
// that is present under another name, INVALID, or on wrong columns.
func (r IndexReport) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSCHEMANAME\tTABLENAME\tINDEXNAME\tINDEXDEF")
	want := map[string]int{}
	have := map[string]int{}
	var notes []string
	for _, st := range r.Indexes {
		want[st.Spec.Table]++
		schema, def := "-", "-"
		if st.Index != nil {
			schema, def = st.Index.Schema, st.Index.Def
		}
		if st.State.Present() {
			have[st.Spec.Table]++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", st.Status(), schema, st.Spec.Table, st.Spec.Name, def)
		if n := st.note(); n != "" {
			notes = append(notes, n)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s: %d/%d, %s: %d/%d\n",
		TableContentTracking, have[TableContentTracking], want[TableContentTracking],
		TableContentTrackingDetails, have[TableContentTrackingDetails], want[TableContentTrackingDetails])
	for _, t := range r.MissingTables {
		notes = append(notes, fmt.Sprintf("the search path resolves no table %s: create the schema (perfgate db seed) or set search_path in the DSN", t))
	}
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, "note: "+n); err != nil {
			return err
		}
	}
	return nil
}

// note explains a status that is not plainly ok or missing.
func (s IndexStatus) note() string {
	switch {
	case s.State == IndexEquivalent && s.NameTaken != nil:
		return fmt.Sprintf("%s is present as %s, on the same table and columns; %s is on %s %s, not the migration's %s",
			s.Spec.Name, s.Index.QualifiedName(), s.NameTaken.QualifiedName(), s.NameTaken.Table, columnList(s.NameTaken.Columns), columnList(s.Spec.Columns))
	case s.State == IndexEquivalent:
		return fmt.Sprintf("%s is present as %s, on the same table and columns under another name", s.Spec.Name, s.Index.QualifiedName())
	case s.State == IndexInvalid:
		return fmt.Sprintf("%s is INVALID (an interrupted concurrent build) and counts as missing; perfgate db indexes apply rebuilds it", s.Index.QualifiedName())
	case s.State == IndexWrongColumns:
		return fmt.Sprintf("%s is on %s %s, not the migration's %s %s: it does not serve the endpoint's queries and counts as missing; drop or rename it, then run perfgate db indexes apply",
			s.Index.QualifiedName(), s.Index.Table, columnList(s.Index.Columns), s.Spec.Table, columnList(s.Spec.Columns))
	}
	return ""
}

// columnList renders columns as SQL does: ("userId", "tenantId").
func columnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// IndexAction is what ChangeIndexes does: apply or roll back the migration.
type IndexAction string

// The two actions of ChangeIndexes, and ManageIndexes' third.
const (
	IndexesApply    IndexAction = "apply"
	IndexesRollback IndexAction = "rollback"
	// IndexesVerify changes nothing: ManageIndexes only verifies.
	IndexesVerify IndexAction = "verify"
)

// ErrIndexConflict is returned (wrapped) when apply finds an index with one
// of the migration's names on other columns: perfgate does not replace an
// index it cannot tell it built, and builds nothing in that case.
var ErrIndexConflict = errors.New("an index has the migration's name on other columns")

// What ChangeIndexes did with one index (IndexChange.Did).
const (
	DidCreate  = "created" // apply built the migration's index
	DidRebuild = "rebuilt" // apply dropped the migration's INVALID index and built it again
	DidKeep    = "kept"    // apply found it present (its own name or an equivalent): nothing built
	DidDrop    = "dropped" // rollback dropped the migration's index
	DidLeave   = "left"    // rollback left an index that is not the migration's: an equivalent under another name, or the name on other columns
	DidAbsent  = "absent"  // rollback found nothing to drop
)

// IndexChange is what ChangeIndexes did about one index.
type IndexChange struct {
	Spec   IndexSpec
	Did    string      // one of the Did… constants
	Index  *FoundIndex // the index dropped, kept or left; nil when created or absent
	Schema string      // where the index is (or was built)
	Reason string      // why, when it is not plain
}

// IndexChanges is what one ChangeIndexes call did, one entry per index
// acted on or considered.
type IndexChanges struct {
	Action  IndexAction
	Changes []IndexChange
}

// Count returns how many changes have Did == did.
func (c IndexChanges) Count(did string) int {
	n := 0
	for _, ch := range c.Changes {
		if ch.Did == did {
			n++
		}
	}
	return n
}

// WriteText writes one line per change: what was done to which index.
func (c IndexChanges) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ch := range c.Changes {
		name := ch.Spec.Name
		if ch.Index != nil {
			name = ch.Index.QualifiedName()
		} else if ch.Schema != "" {
			name = quoteIdent(ch.Schema) + "." + quoteIdent(ch.Spec.Name)
		}
		line := fmt.Sprintf("%s\t%s", ch.Did, name)
		switch {
		case ch.Did == DidCreate || ch.Did == DidRebuild:
			line += fmt.Sprintf(" on %s %s", ch.Spec.Table, columnList(ch.Spec.Columns))
		case ch.Index != nil && ch.Index.Name != ch.Spec.Name:
			line += " for " + ch.Spec.Name
		}
		if ch.Reason != "" {
			line += ": " + ch.Reason
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// Summary says in one sentence what the call did, counting only what
// happened: a rollback on a database without the indexes says it dropped
// none.
func (c IndexChanges) Summary() string {
	plural := func(n int) string {
		if n == 1 {
			return "1 index"
		}
		return fmt.Sprintf("%d indexes", n)
	}
	if c.Action == IndexesApply {
		built := c.Count(DidCreate) + c.Count(DidRebuild)
		s := fmt.Sprintf("created %s", plural(c.Count(DidCreate)))
		if n := c.Count(DidRebuild); n > 0 {
			s += fmt.Sprintf(", rebuilt %d INVALID", n)
		}
		if n := c.Count(DidKeep); n > 0 {
			s += fmt.Sprintf(", kept %d already present", n)
		}
		if built == 0 {
			s = fmt.Sprintf("nothing to build: all %d present", len(Indexes))
		}
		return s + "; analyzed both tables"
	}
	dropped, left := c.Count(DidDrop), c.Count(DidLeave)
	var s string
	switch {
	case dropped == 0 && left == 0:
		s = fmt.Sprintf("dropped no index: none of the %d was present", len(Indexes))
	case dropped == 0:
		s = "dropped no index"
	case dropped == len(Indexes):
		s = fmt.Sprintf("dropped the %d indexes", dropped)
	default:
		s = fmt.Sprintf("dropped %d of the %d indexes", dropped, len(Indexes))
	}
	if left > 0 {
		s += fmt.Sprintf("; left %s that perfgate did not build in place (see above)", plural(left))
		for _, ch := range c.Changes {
			if ch.Did == DidLeave && ch.Index.Spec != "" && ch.Index.Valid {
				s += `: the database is NOT in the "before" state`
				break
			}
		}
	}
	return s
}

// ApplyIndexes builds the seven indexes; see ChangeIndexes.
func ApplyIndexes(ctx context.Context, dsn string) error {
	_, err := ChangeIndexes(ctx, dsn, IndexesApply)
	return err
}

// RollbackIndexes drops the migration's seven indexes; see ChangeIndexes.
func RollbackIndexes(ctx context.Context, dsn string) error {
	_, err := ChangeIndexes(ctx, dsn, IndexesRollback)
	return err
}

// ChangeIndexes applies or rolls back the migration on the tables the
// search path resolves, from what the catalog says (FindIndexes), one
// statement at a time since CONCURRENTLY cannot run in a transaction, and
// returns what it did.
//
// Apply builds each index that is missing with CREATE INDEX CONCURRENTLY
// on the schema-qualified table, then ANALYZEs both tables. An index
// present under another name (same table and columns) is kept and no
// duplicate is built. The migration's index left INVALID by an interrupted
// build is dropped and built again. An index with one of the migration's
// names on other columns makes apply refuse before it builds anything
// (ErrIndexConflict): perfgate does not replace an index it cannot tell it
// built; drop or rename it and apply again.
//
// Rollback drops exactly the migration's indexes: one of the seven names,
// on that name's table and columns, with DROP INDEX CONCURRENTLY IF EXISTS
// "schema"."name" for the index found on that table, never by bare name
// through the search path, so an index of that name on another table or
// in another schema is never touched. Any other index on the two tables is
// left in place and reported (DidLeave): an equivalent one under another
// name (the "before" state is then not reached, and VerifyIndexes reports
// it as present) or one with a migration name on other columns.
func ChangeIndexes(ctx context.Context, dsn string, action IndexAction) (IndexChanges, error) {
	changes := IndexChanges{Action: action}
	if action != IndexesApply && action != IndexesRollback {
		return changes, fmt.Errorf("indexes: unknown action %q", action)
	}
	conn, err := connect(ctx, dsn)
	if err != nil {
		return changes, fmt.Errorf("%s indexes: %w", action, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if action == IndexesApply {
		err = applyIndexes(ctx, conn, &changes)
	} else {
		err = rollbackIndexes(ctx, conn, &changes)
	}
	if err != nil {
		return changes, fmt.Errorf("%s indexes: %w", action, scrubErr(dsn, err))
	}
	return changes, nil
}

// IndexesOutcome is what ManageIndexes did and found.
type IndexesOutcome struct {
	Action IndexAction
	// Changes is what apply or rollback did (nil for verify), and Elapsed
	// how long it took.
	Changes *IndexChanges
	Elapsed time.Duration
	// Report is the verification that follows.
	Report IndexReport
}

// OK reports whether the outcome passes: a verify passes when all seven
// indexes are present (IndexReport.OK); apply and rollback pass once done,
// whatever the report then shows.
func (o IndexesOutcome) OK() bool { return o.Action != IndexesVerify || o.Report.OK() }

// ManageIndexes is perfgate db indexes: apply or roll back the migration
// (ChangeIndexes) and verify the result (VerifyIndexes), or only verify.
// An unknown action, refused before the database is touched, and an index
// name taken on other columns (ErrIndexConflict) are usage errors (exit
// 2); a database that fails is exit 3. When the changes were made but the
// verification failed, the outcome still holds the changes.
func ManageIndexes(ctx context.Context, dsn string, action IndexAction) (IndexesOutcome, error) {
	out := IndexesOutcome{Action: action}
	switch action {
	case IndexesApply, IndexesRollback:
		start := time.Now()
		changes, err := ChangeIndexes(ctx, dsn, action)
		if errors.Is(err, ErrIndexConflict) {
			return out, exit.Usage(err)
		}
		if err != nil {
			return out, exit.Unavailable(err)
		}
		out.Changes, out.Elapsed = &changes, time.Since(start)
	case IndexesVerify:
	default:
		return out, exit.Usagef("db indexes %q: use apply, rollback or verify", action)
	}
	rep, err := VerifyIndexes(ctx, dsn)
	if err != nil {
		return out, exit.Unavailable(err)
	}
	out.Report = rep
	return out, nil
}

func applyIndexes(ctx context.Context, conn *pgx.Conn, changes *IndexChanges) error {
	rep, err := verifyIndexes(ctx, conn)
	if err != nil {
		return err
	}
	if len(rep.MissingTables) > 0 {
		return fmt.Errorf("the search path resolves no table %s: create the schema first (perfgate db seed) or set search_path in the DSN",
			strings.Join(rep.MissingTables, ", "))
	}
	tables := rep.schemas
	var conflicts []string
	for _, st := range rep.Indexes {
		if st.State == IndexWrongColumns {
			conflicts = append(conflicts, fmt.Sprintf("%s is on %s %s, not %s %s",
				st.Index.QualifiedName(), st.Index.Table, columnList(st.Index.Columns), st.Spec.Table, columnList(st.Spec.Columns)))
		}
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("%w: %s; nothing was built: drop or rename it (ALTER INDEX … RENAME TO …) and apply again",
			ErrIndexConflict, strings.Join(conflicts, "; "))
	}
	for _, st := range rep.Indexes {
		schema := tables[st.Spec.Table]
		ch := IndexChange{Spec: st.Spec, Schema: schema}
		switch st.State {
		case IndexOK:
			ch.Did, ch.Index = DidKeep, st.Index
			ch.Reason = "already present"
		case IndexEquivalent:
			ch.Did, ch.Index = DidKeep, st.Index
			ch.Reason = "same table and columns under another name; no duplicate built"
		case IndexInvalid:
			if st.Index.Name == st.Spec.Name {
				if err := execStmt(ctx, conn, "DROP INDEX CONCURRENTLY IF EXISTS "+st.Index.QualifiedName()); err != nil {
					return err
				}
				ch.Did, ch.Reason = DidRebuild, "it was INVALID (an interrupted concurrent build)"
			} else {
				ch.Did, ch.Reason = DidCreate, st.Index.QualifiedName()+" on the same columns is INVALID and left in place"
			}
		default:
			ch.Did = DidCreate
		}
		if ch.Did == DidCreate || ch.Did == DidRebuild {
			if err := createIndex(ctx, conn, schema, st.Spec); err != nil {
				return err
			}
		}
		changes.Changes = append(changes.Changes, ch)
	}
	// The planner needs fresh statistics to pick the new indexes.
	for _, t := range []string{TableContentTracking, TableContentTrackingDetails} {
		if err := execStmt(ctx, conn, "ANALYZE "+quoteIdent(tables[t])+"."+quoteIdent(t)); err != nil {
			return err
		}
	}
	after, err := verifyIndexes(ctx, conn)
	if err != nil {
		return err
	}
	if !after.OK() {
		return fmt.Errorf("after building, still missing: %s", strings.Join(after.Missing, ", "))
	}
	return nil
}

// createIndex builds spec on schema's table. Without IF NOT EXISTS: the
// catalog said the name is free on this table, so a clash means another
// relation of the schema holds the name, and that must not pass silently.
func createIndex(ctx context.Context, conn *pgx.Conn, schema string, spec IndexSpec) error {
	stmt := fmt.Sprintf("CREATE INDEX CONCURRENTLY %s ON %s.%s %s",
		quoteIdent(spec.Name), quoteIdent(schema), quoteIdent(spec.Table), columnList(spec.Columns))
	err := execStmt(ctx, conn, stmt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P07" {
		return fmt.Errorf("%w: another relation of schema %s is named %s (an index on another table?); rename it, then apply again",
			err, schema, spec.Name)
	}
	return err
}

func rollbackIndexes(ctx context.Context, conn *pgx.Conn, changes *IndexChanges) error {
	found, err := FindIndexes(ctx, conn)
	if err != nil {
		return err
	}
	// Each index found is about one spec: the one whose name it has, else
	// the one it is equivalent to; it gets one line.
	specByName := map[string]IndexSpec{}
	for _, s := range Indexes {
		specByName[s.Name] = s
	}
	for _, spec := range Indexes {
		acted := false
		for i := range found {
			f := &found[i]
			_, named := specByName[f.Name]
			ch := IndexChange{Spec: spec, Index: f, Schema: f.Schema}
			switch {
			case f.Name == spec.Name && f.Spec == spec.Name:
				if err := execStmt(ctx, conn, "DROP INDEX CONCURRENTLY IF EXISTS "+f.QualifiedName()); err != nil {
					return err
				}
				ch.Did = DidDrop
				if !f.Valid {
					ch.Reason = "it was INVALID"
				}
			case f.Name == spec.Name:
				ch.Did = DidLeave
				ch.Reason = fmt.Sprintf("it has the migration's name but is on %s %s, not %s: not the migration's index",
					f.Table, columnList(f.Columns), columnList(spec.Columns))
				if f.Spec != "" {
					ch.Reason += fmt.Sprintf(" (it is on %s's columns: while it exists the \"before\" state is not reached)", f.Spec)
				}
			case f.Spec == spec.Name && !named:
				ch.Did = DidLeave
				ch.Reason = fmt.Sprintf(`same table and columns under another name, so perfgate did not build it and leaves it; `+
					`while it exists the "before" state is not reached (to drop it: DROP INDEX CONCURRENTLY %s)`, f.QualifiedName())
			default:
				continue
			}
			acted = true
			changes.Changes = append(changes.Changes, ch)
		}
		if !acted {
			changes.Changes = append(changes.Changes, IndexChange{Spec: spec, Did: DidAbsent, Reason: "nothing to drop"})
		}
	}
	return nil
}

func execStmt(ctx context.Context, conn *pgx.Conn, stmt string) error {
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}
