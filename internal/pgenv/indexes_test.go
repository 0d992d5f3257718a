package pgenv_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

func execAll(t *testing.T, conn *pgx.Conn, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func verify(t *testing.T, dsn, stage string) pgenv.IndexReport {
	t.Helper()
	rep, err := pgenv.VerifyIndexes(context.Background(), dsn)
	if err != nil {
		t.Fatalf("%s: VerifyIndexes: %v", stage, err)
	}
	return rep
}

func change(t *testing.T, dsn string, action pgenv.IndexAction) pgenv.IndexChanges {
	t.Helper()
	ch, err := pgenv.ChangeIndexes(context.Background(), dsn, action)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return ch
}

func table(t *testing.T, rep pgenv.IndexReport) string {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func text(t *testing.T, ch pgenv.IndexChanges) string {
	t.Helper()
	var buf bytes.Buffer
	if err := ch.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String() + ch.Summary()
}

// nonPrimary counts the indexes on the two tables besides their primary keys.
func nonPrimary(t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	return queryInt(t, conn, `SELECT count(*) FROM pg_indexes i
		WHERE i.tablename IN ('content_tracking', 'content_tracking_details')
		  AND NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = format('%I.%I', i.schemaname, i.indexname)::regclass AND x.indisprimary)`)
}

func states(rep pgenv.IndexReport) map[string]pgenv.IndexState {
	out := map[string]pgenv.IndexState{}
	for _, st := range rep.Indexes {
		out[st.Spec.Name] = st.State
	}
	return out
}

func TestIndexesApplyVerifyRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	if _, err := pgenv.Seed(ctx, dsn, small); err != nil {
		t.Fatal(err)
	}
	rep := verify(t, dsn, "fresh schema")
	if rep.OK() || len(rep.Present) != 0 {
		t.Errorf("fresh schema: present %v, want none", rep.Present)
	}
	if diff := cmp.Diff(pgenv.IndexNames(), rep.Missing); diff != "" {
		t.Errorf("fresh schema: missing (-want +got):\n%s", diff)
	}

	ch := change(t, dsn, pgenv.IndexesApply)
	if n := ch.Count(pgenv.DidCreate); n != 7 {
		t.Errorf("first apply created %d indexes, want 7:\n%s", n, text(t, ch))
	}
	ch = change(t, dsn, pgenv.IndexesApply) // idempotent
	if n := ch.Count(pgenv.DidKeep); n != 7 || !strings.Contains(ch.Summary(), "nothing to build") {
		t.Errorf("second apply kept %d, want 7:\n%s", n, text(t, ch))
	}
	rep = verify(t, dsn, "after apply")
	if !rep.OK() {
		t.Errorf("after apply: missing %v", rep.Missing)
	}
	if diff := cmp.Diff(pgenv.IndexNames(), rep.Present); diff != "" {
		t.Errorf("after apply: present (-want +got):\n%s", diff)
	}
	out := table(t, rep)
	if !strings.Contains(out, "content_tracking: 4/4, content_tracking_details: 3/3") {
		t.Errorf("table does not count 4 + 3:\n%s", out)
	}
	if !strings.Contains(out, `CREATE INDEX idx_content_tracking_user_course_tenant ON public.content_tracking USING btree ("userId", "courseId", "tenantId")`) {
		t.Errorf("table lacks the index definition:\n%s", out)
	}
	conn := open(t, dsn)
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('content_tracking','content_tracking_details') AND last_analyze IS NOT NULL`); n != 2 {
		t.Errorf("apply analyzed %d of the 2 tables", n)
	}

	ch = change(t, dsn, pgenv.IndexesRollback)
	if ch.Count(pgenv.DidDrop) != 7 || ch.Summary() != "dropped the 7 indexes" {
		t.Errorf("rollback:\n%s", text(t, ch))
	}
	if rep = verify(t, dsn, "after rollback"); len(rep.Present) != 0 {
		t.Errorf("after rollback: still present %v", rep.Present)
	}
	if n := nonPrimary(t, conn); n != 0 {
		t.Errorf("after rollback %d indexes besides the primary keys remain", n)
	}
	// A rollback with nothing to drop says so, and never that it dropped the seven.
	ch = change(t, dsn, pgenv.IndexesRollback)
	if ch.Count(pgenv.DidAbsent) != 7 || ch.Summary() != "dropped no index: none of the 7 was present" {
		t.Errorf("rollback without indexes:\n%s", text(t, ch))
	}
}

// TestIndexesServiceMigration applies the service's own migration, as it
// is written, and holds verify, rollback and apply to it: 7 of 7, then
// exactly seven after rollback and apply.
func TestIndexesServiceMigration(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	execAll(t, conn, pgtest.ServiceMigration...)
	rep := verify(t, dsn, "after the service's migration")
	if !rep.OK() || len(rep.Present) != 7 {
		t.Fatalf("the service's migration verifies as %d of 7 (missing %v):\n%s", len(rep.Present), rep.Missing, table(t, rep))
	}
	for name, st := range states(rep) {
		if st != pgenv.IndexOK {
			t.Errorf("%s: state %v, want ok (the migration's own name)", name, st)
		}
	}
	ch := change(t, dsn, pgenv.IndexesRollback)
	if ch.Count(pgenv.DidDrop) != 7 {
		t.Errorf("rollback of the service's migration:\n%s", text(t, ch))
	}
	if n := nonPrimary(t, conn); n != 0 {
		t.Errorf("after rollback: %d indexes remain besides the primary keys", n)
	}
	change(t, dsn, pgenv.IndexesApply)
	if n := nonPrimary(t, conn); n != 7 {
		t.Errorf("rollback then apply leaves %d indexes, want exactly 7", n)
	}
	// Apply on top of the service's migration builds nothing.
	execAll(t, conn, pgtest.ServiceMigration...)
	if ch := change(t, dsn, pgenv.IndexesApply); ch.Count(pgenv.DidKeep) != 7 {
		t.Errorf("apply over the migration:\n%s", text(t, ch))
	}
	if n := nonPrimary(t, conn); n != 7 {
		t.Errorf("apply over the migration leaves %d indexes, want 7", n)
	}
}

// TestIndexesEquivalentUnderAnotherName: an index on a spec's table and
// columns under another name is present, named as such, never duplicated
// by apply, and left (and reported) by rollback, so the database never
// looks index-free while it has the index.
func TestIndexesEquivalentUnderAnotherName(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	execAll(t, conn,
		`CREATE INDEX my_idx ON content_tracking ("createdOn")`,
		`CREATE INDEX legacy_details_ct ON content_tracking_details ("contentTrackingId")`,
		// Not equivalent: other order, partial, another method.
		`CREATE INDEX my_tenant_user ON content_tracking ("tenantId", "userId")`,
		`CREATE INDEX my_partial_eid ON content_tracking_details (eid) WHERE eid = 'END'`,
		`CREATE INDEX my_hash_user ON content_tracking_details USING hash ("userId")`,
	)
	rep := verify(t, dsn, "before apply")
	st := states(rep)
	if st["idx_content_tracking_created_on"] != pgenv.IndexEquivalent || st["idx_content_tracking_details_tracking_id"] != pgenv.IndexEquivalent {
		t.Errorf("equivalents not recognised: %v", st)
	}
	for _, name := range []string{"idx_content_tracking_user_tenant", "idx_content_tracking_details_eid", "idx_content_tracking_details_user_id"} {
		if st[name] != pgenv.IndexMissing {
			t.Errorf("%s: state %v, want missing (only a non-equivalent index is on its columns)", name, st[name])
		}
	}
	if diff := cmp.Diff([]string{"idx_content_tracking_created_on", "idx_content_tracking_details_tracking_id"}, rep.Present); diff != "" {
		t.Errorf("present (-want +got):\n%s", diff)
	}
	if out := table(t, rep); !strings.Contains(out, "present as my_idx") || !strings.Contains(out, `present as "public"."legacy_details_ct"`) {
		t.Errorf("table does not name the equivalents:\n%s", out)
	}

	ch := change(t, dsn, pgenv.IndexesApply)
	if ch.Count(pgenv.DidCreate) != 5 || ch.Count(pgenv.DidKeep) != 2 || !strings.Contains(text(t, ch), "no duplicate built") {
		t.Errorf("apply:\n%s", text(t, ch))
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE tablename = 'content_tracking' AND indexdef LIKE '%("createdOn")'`); n != 1 {
		t.Errorf("%d indexes on content_tracking (createdOn), want 1: apply built a duplicate", n)
	}
	if n := nonPrimary(t, conn); n != 10 {
		t.Errorf("%d indexes after apply, want the 5 built + the 5 of the test", n)
	}
	if rep = verify(t, dsn, "after apply"); !rep.OK() {
		t.Errorf("after apply: missing %v", rep.Missing)
	}

	ch = change(t, dsn, pgenv.IndexesRollback)
	out := text(t, ch)
	if ch.Count(pgenv.DidDrop) != 5 || ch.Count(pgenv.DidLeave) != 2 ||
		!strings.Contains(out, `DROP INDEX CONCURRENTLY "public"."my_idx"`) || !strings.Contains(out, `NOT in the "before" state`) {
		t.Errorf("rollback:\n%s", out)
	}
	rep = verify(t, dsn, "after rollback")
	if diff := cmp.Diff([]string{"idx_content_tracking_created_on", "idx_content_tracking_details_tracking_id"}, rep.Present); diff != "" {
		t.Errorf("after rollback the equivalents are not reported present (-want +got):\n%s", diff)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE indexname IN ('my_idx', 'legacy_details_ct', 'my_tenant_user', 'my_partial_eid', 'my_hash_user')`); n != 5 {
		t.Errorf("rollback dropped %d of the user's own indexes", 5-n)
	}
}

// TestIndexesWrongColumns (issue 16 item 20): an index with a migration
// name on other columns is not the index: verify says so, apply refuses
// before building anything, rollback leaves it.
func TestIndexesWrongColumns(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	execAll(t, conn, `CREATE INDEX idx_content_tracking_details_eid ON content_tracking_details (pageid)`)
	rep := verify(t, dsn, "wrong columns")
	if got := rep.Indexes[6]; got.State != pgenv.IndexWrongColumns || got.Index == nil || got.Index.Name != "idx_content_tracking_details_eid" {
		t.Errorf("wrong-columns index reported as %+v", got)
	}
	if !slices.Contains(rep.Missing, "idx_content_tracking_details_eid") || len(rep.Present) != 0 {
		t.Errorf("wrong-columns index counted as present: present %v", rep.Present)
	}
	if out := table(t, rep); !strings.Contains(out, "wrong columns") || !strings.Contains(out, `is on content_tracking_details ("pageid"), not the migration's content_tracking_details ("eid")`) {
		t.Errorf("table does not explain the wrong columns:\n%s", out)
	}
	_, err := pgenv.ChangeIndexes(context.Background(), dsn, pgenv.IndexesApply)
	if !errors.Is(err, pgenv.ErrIndexConflict) || !strings.Contains(err.Error(), `"public"."idx_content_tracking_details_eid" is on content_tracking_details ("pageid"), not content_tracking_details ("eid")`) {
		t.Errorf("apply: err = %v, want ErrIndexConflict naming the index and both column lists", err)
	}
	if n := nonPrimary(t, conn); n != 1 {
		t.Errorf("a refused apply left %d indexes, want the 1 it found", n)
	}
	ch := change(t, dsn, pgenv.IndexesRollback)
	if ch.Count(pgenv.DidLeave) != 1 || ch.Count(pgenv.DidDrop) != 0 || !strings.Contains(text(t, ch), "not the migration's index") ||
		strings.Contains(ch.Summary(), "NOT in the") {
		t.Errorf("rollback:\n%s", text(t, ch))
	}
	if n := nonPrimary(t, conn); n != 1 {
		t.Errorf("rollback dropped the index with the wrong columns")
	}

	// The name of one index on the columns of another: the second is
	// present under the first's name, the first has wrong columns; one
	// line in rollback for the one index.
	execAll(t, conn, `DROP INDEX idx_content_tracking_details_eid`,
		`CREATE INDEX idx_content_tracking_details_eid ON content_tracking_details ("userId")`)
	st := states(verify(t, dsn, "swapped"))
	if st["idx_content_tracking_details_eid"] != pgenv.IndexWrongColumns || st["idx_content_tracking_details_user_id"] != pgenv.IndexEquivalent {
		t.Errorf("swapped name: %v", st)
	}
	ch = change(t, dsn, pgenv.IndexesRollback)
	if ch.Count(pgenv.DidLeave) != 1 || !strings.Contains(ch.Summary(), `NOT in the "before" state`) {
		t.Errorf("rollback:\n%s", text(t, ch))
	}
}

// TestIndexesRollbackIsSchemaQualified (issue 16 item 6): a user's
// app.idx_content_tracking_created_on on app.orders, first in the search
// path, survives apply and rollback; it never counts as present.
func TestIndexesRollbackIsSchemaQualified(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	var db string
	if err := conn.QueryRow(context.Background(), `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	execAll(t, conn,
		`CREATE SCHEMA app`,
		`CREATE TABLE app.orders ("createdOn" timestamptz, eid text)`,
		`CREATE INDEX idx_content_tracking_created_on ON app.orders ("createdOn")`,
		`CREATE INDEX idx_content_tracking_details_eid ON app.orders (eid)`,
		`ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` SET search_path = app, public`,
	)
	userIndexes := `SELECT count(*) FROM pg_indexes WHERE schemaname = 'app' AND tablename = 'orders'`
	if rep := verify(t, dsn, "before apply"); len(rep.Present) != 0 {
		t.Errorf("app.orders' indexes count as present: %v", rep.Present)
	}
	change(t, dsn, pgenv.IndexesApply)
	if rep := verify(t, dsn, "after apply"); !rep.OK() {
		t.Errorf("after apply: missing %v", rep.Missing)
	}
	for range 2 {
		ch := change(t, dsn, pgenv.IndexesRollback)
		if n := queryInt(t, open(t, dsn), userIndexes); n != 2 {
			t.Fatalf("rollback dropped the user's indexes on app.orders (%d of 2 left):\n%s", n, text(t, ch))
		}
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'idx_%'`); n != 0 {
		t.Errorf("rollback left %d of perfgate's indexes", n)
	}
}

// TestIndexesApplyNameTakenInSchema: a name that another table's index
// holds in the same schema makes apply fail loudly instead of passing
// silently as IF NOT EXISTS would.
func TestIndexesApplyNameTakenInSchema(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	execAll(t, open(t, dsn),
		`CREATE TABLE orders ("createdOn" timestamptz)`,
		`CREATE INDEX idx_content_tracking_created_on ON orders ("createdOn")`)
	_, err := pgenv.ChangeIndexes(context.Background(), dsn, pgenv.IndexesApply)
	if err == nil || !strings.Contains(err.Error(), "another relation of schema public is named idx_content_tracking_created_on") {
		t.Errorf("apply: err = %v, want the name clash explained", err)
	}
}

func TestIndexesInvalidCountsAsMissingAndIsRebuilt(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	// Simulate an interrupted concurrent build.
	execAll(t, conn,
		`CREATE INDEX idx_content_tracking_details_eid ON content_tracking_details (eid)`,
		`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'idx_content_tracking_details_eid'::regclass`)
	rep := verify(t, dsn, "invalid")
	if got := rep.Indexes[6]; got.State != pgenv.IndexInvalid || got.Index == nil || got.Index.Valid || rep.OK() {
		t.Errorf("invalid index reported as %+v, OK=%v", got, rep.OK())
	}
	if out := table(t, rep); !strings.Contains(out, "invalid") {
		t.Errorf("table does not flag the invalid index:\n%s", out)
	}
	ch := change(t, dsn, pgenv.IndexesApply)
	if ch.Count(pgenv.DidRebuild) != 1 || ch.Count(pgenv.DidCreate) != 6 {
		t.Errorf("apply:\n%s", text(t, ch))
	}
	if rep = verify(t, dsn, "after apply"); !rep.OK() {
		t.Errorf("apply did not rebuild the invalid index: missing %v", rep.Missing)
	}
}

// TestFindIndexes holds the catalog lookup to what was built: every index
// on the two tables, its columns in order, its OID as the statistics views
// know it, and the spec it is equivalent to.
func TestFindIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	execAll(t, conn,
		`CREATE INDEX a_user_course_tenant ON content_tracking ("userId", "courseId", "tenantId")`,
		`CREATE INDEX b_course_user ON content_tracking ("courseId", "userId")`,
		`CREATE INDEX c_lower_eid ON content_tracking_details (lower(eid))`,
		`CREATE INDEX d_eid_include ON content_tracking_details (eid) INCLUDE ("userId")`)
	found, err := pgenv.FindIndexes(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Table, Name string
		Columns     []string
		Spec        string
	}
	var got []row
	for _, f := range found {
		got = append(got, row{f.Table, f.Name, f.Columns, f.Spec})
		if f.Schema != "public" || !f.Valid || f.Def == "" || f.Method != "btree" {
			t.Errorf("%s: %+v", f.Name, f)
		}
		if oid := queryInt(t, conn, `SELECT indexrelid::bigint FROM pg_stat_user_indexes WHERE schemaname = 'public' AND indexrelname = $1`, f.Name); oid != int64(f.OID) {
			t.Errorf("%s: OID %d, pg_stat_user_indexes says %d", f.Name, f.OID, oid)
		}
	}
	want := []row{
		{"content_tracking", "PK_content_tracking", []string{"contentTrackingId"}, ""},
		{"content_tracking", "a_user_course_tenant", []string{"userId", "courseId", "tenantId"}, "idx_content_tracking_user_course_tenant"},
		{"content_tracking", "b_course_user", []string{"courseId", "userId"}, ""},
		{"content_tracking_details", "PK_content_tracking_details", []string{"id"}, ""},
		{"content_tracking_details", "c_lower_eid", []string{"lower(eid::text)"}, ""},
		{"content_tracking_details", "d_eid_include", []string{"eid"}, "idx_content_tracking_details_eid"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FindIndexes (-want +got):\n%s", diff)
	}
	// Missing tables are no error: nothing to find.
	execAll(t, conn, `DROP TABLE content_tracking, content_tracking_details`)
	if found, err := pgenv.FindIndexes(ctx, conn); err != nil || len(found) != 0 {
		t.Errorf("without the tables: %v, %v", found, err)
	}
	rep := verify(t, dsn, "without tables")
	if len(rep.MissingTables) != 2 || !strings.Contains(table(t, rep), "the search path resolves no table content_tracking") {
		t.Errorf("missing tables not reported: %v\n%s", rep.MissingTables, table(t, rep))
	}
	if _, err := pgenv.ChangeIndexes(ctx, dsn, pgenv.IndexesApply); err == nil || !strings.Contains(err.Error(), "create the schema first") {
		t.Errorf("apply without tables: err = %v", err)
	}
}

var createRE = regexp.MustCompile(`(?m)^CREATE INDEX CONCURRENTLY IF NOT EXISTS "(\w+)" ON "(\w+)" \(([^)]*)\);$`)

// TestIndexSQLFilesMatchIndexes holds the by-hand migration files to
// Indexes: the same seven names, tables and columns.
func TestIndexSQLFilesMatchIndexes(t *testing.T) {
	src, err := pgenv.SQL("indexes_apply.sql")
	if err != nil {
		t.Fatal(err)
	}
	var got []pgenv.IndexSpec
	for _, m := range createRE.FindAllStringSubmatch(src, -1) {
		var cols []string
		for _, c := range strings.Split(m[3], ",") {
			cols = append(cols, strings.Trim(strings.TrimSpace(c), `"`))
		}
		got = append(got, pgenv.IndexSpec{Table: m[2], Name: m[1], Columns: cols})
	}
	if diff := cmp.Diff(pgenv.Indexes, got); diff != "" {
		t.Errorf("indexes_apply.sql (-Indexes +file):\n%s", diff)
	}
	src, err = pgenv.SQL("indexes_rollback.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range pgenv.IndexNames() {
		if strings.Count(src, "'"+ix+"'") != 1 {
			t.Errorf("indexes_rollback.sql does not name %s exactly once", ix)
		}
	}
}

// TestIndexSQLFilesByHand runs the two files through psql as a person
// would: apply verifies 7 of 7; rollback drops them and leaves another
// schema's index of the same name alone.
func TestIndexSQLFilesByHand(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	execAll(t, conn,
		`CREATE SCHEMA app`,
		`CREATE TABLE app.orders ("createdOn" timestamptz)`,
		`CREATE INDEX idx_content_tracking_created_on ON app.orders ("createdOn")`)
	psql := filepath.Join(pgtest.Cluster(t).BinDir(), "psql")
	run := func(name string) {
		t.Helper()
		src, err := pgenv.SQL(name)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", "SET search_path = app, public", "-f", "-")
		cmd.Stdin = strings.NewReader(src)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("psql -f %s: %v\n%s", name, err, out)
		}
	}
	run("indexes_apply.sql")
	if rep := verify(t, dsn, "after indexes_apply.sql"); !rep.OK() {
		t.Errorf("indexes_apply.sql: missing %v", rep.Missing)
	}
	run("indexes_rollback.sql")
	if n := nonPrimary(t, conn); n != 0 {
		t.Errorf("indexes_rollback.sql left %d indexes", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE schemaname = 'app'`); n != 1 {
		t.Errorf("indexes_rollback.sql dropped app.orders' index")
	}
}

// TestManageIndexes: db indexes' three actions, each followed by the
// verification, and what passes.
func TestManageIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	steps := []struct {
		action      pgenv.IndexAction
		did         string // the Did… every change has; "" for verify
		wantPresent int
		wantOK      bool
	}{
		{pgenv.IndexesVerify, "", 0, false},
		{pgenv.IndexesApply, pgenv.DidCreate, 7, true},
		{pgenv.IndexesVerify, "", 7, true},
		// A rollback passes though the report then misses all seven.
		{pgenv.IndexesRollback, pgenv.DidDrop, 0, true},
	}
	for _, s := range steps {
		res, err := pgenv.ManageIndexes(ctx, dsn, s.action)
		if err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
		if res.Action != s.action || len(res.Report.Present) != s.wantPresent || res.OK() != s.wantOK {
			t.Errorf("%s: action %s, %d present, OK %v; want %d present, OK %v", s.action, res.Action, len(res.Report.Present), res.OK(), s.wantPresent, s.wantOK)
		}
		switch {
		case s.did == "" && res.Changes != nil:
			t.Errorf("%s: changes %+v, want none", s.action, res.Changes)
		case s.did != "" && (res.Changes == nil || res.Changes.Count(s.did) != len(pgenv.Indexes) || res.Elapsed <= 0):
			t.Errorf("%s: changes %+v in %s, want %d %s", s.action, res.Changes, res.Elapsed, len(pgenv.Indexes), s.did)
		}
	}
}

func TestManageIndexesRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// An unknown action is refused before the database is touched.
	res, err := pgenv.ManageIndexes(ctx, "postgres://u:S3cret@127.0.0.1:1/db?connect_timeout=2", "drop")
	if want := `db indexes "drop": use apply, rollback or verify`; err == nil || err.Error() != want || exit.Code(err) != exit.CodeUsage {
		t.Errorf("unknown action: %v (exit %d), want %q (exit 2)", err, exit.Code(err), want)
	}
	if res.Changes != nil {
		t.Errorf("unknown action: changes %+v", res.Changes)
	}
	for _, action := range []pgenv.IndexAction{pgenv.IndexesApply, pgenv.IndexesRollback, pgenv.IndexesVerify} {
		_, err := pgenv.ManageIndexes(ctx, "postgres://u:S3cret@127.0.0.1:1/db?connect_timeout=2", action)
		if exit.Code(err) != exit.CodeUnavailable || strings.Contains(err.Error(), "S3cret") {
			t.Errorf("%s on a database that is down: %v (exit %d), want exit 3 without the password", action, err, exit.Code(err))
		}
	}
	// An index name taken on other columns is the user's to fix.
	dsn := pgtest.NewDB(t)
	execAll(t, open(t, dsn), `CREATE INDEX idx_content_tracking_details_eid ON content_tracking_details (pageid)`)
	if _, err := pgenv.ManageIndexes(ctx, dsn, pgenv.IndexesApply); !errors.Is(err, pgenv.ErrIndexConflict) || exit.Code(err) != exit.CodeUsage {
		t.Errorf("apply over a conflicting index: %v (exit %d), want ErrIndexConflict (exit 2)", err, exit.Code(err))
	}
}
