package pgenv_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

func TestIndexesApplyVerifyRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	if _, err := pgenv.Seed(ctx, dsn, small); err != nil {
		t.Fatal(err)
	}
	verify := func(stage string) pgenv.IndexReport {
		t.Helper()
		rep, err := pgenv.VerifyIndexes(ctx, dsn)
		if err != nil {
			t.Fatalf("%s: VerifyIndexes: %v", stage, err)
		}
		return rep
	}
	rep := verify("fresh schema")
	if rep.OK() || len(rep.Present) != 0 {
		t.Errorf("fresh schema: present %v, want none", rep.Present)
	}
	if diff := cmp.Diff(pgenv.IndexNames(), rep.Missing); diff != "" {
		t.Errorf("fresh schema: missing (-want +got):\n%s", diff)
	}

	for i := 0; i < 2; i++ { // apply is idempotent
		if err := pgenv.ApplyIndexes(ctx, dsn); err != nil {
			t.Fatalf("ApplyIndexes #%d: %v", i+1, err)
		}
	}
	rep = verify("after apply")
	if !rep.OK() {
		t.Errorf("after apply: missing %v", rep.Missing)
	}
	if diff := cmp.Diff(pgenv.IndexNames(), rep.Present); diff != "" {
		t.Errorf("after apply: present (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "content_tracking: 4/4, content_tracking_details: 3/3") {
		t.Errorf("table does not count 4 + 3:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), `CREATE INDEX idx_content_tracking_user_course_tenant ON public.content_tracking USING btree ("userId", "courseId", "tenantId")`) {
		t.Errorf("table lacks the index definition:\n%s", buf.String())
	}
	conn := open(t, dsn)
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('content_tracking','content_tracking_details') AND last_analyze IS NOT NULL`); n != 2 {
		t.Errorf("apply analyzed %d of the 2 tables", n)
	}

	if err := pgenv.RollbackIndexes(ctx, dsn); err != nil {
		t.Fatalf("RollbackIndexes: %v", err)
	}
	rep = verify("after rollback")
	if len(rep.Present) != 0 {
		t.Errorf("after rollback: still present %v", rep.Present)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM pg_indexes WHERE tablename IN ('content_tracking','content_tracking_details')`); n != 2 {
		t.Errorf("after rollback %d indexes remain, want the 2 primary keys", n)
	}
}

func TestIndexesInvalidCountsAsMissingAndIsRebuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	conn := open(t, dsn)
	// Simulate an interrupted concurrent build.
	for _, q := range []string{
		`CREATE INDEX idx_content_tracking_details_eid ON content_tracking_details (eid)`,
		`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'idx_content_tracking_details_eid'::regclass`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := pgenv.VerifyIndexes(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Indexes[6]; !got.Exists || got.Valid || rep.OK() {
		t.Errorf("invalid index reported as %+v, OK=%v", got, rep.OK())
	}
	var buf bytes.Buffer
	_ = rep.WriteTable(&buf)
	if !strings.Contains(buf.String(), "invalid") {
		t.Errorf("table does not flag the invalid index:\n%s", buf.String())
	}
	if err := pgenv.ApplyIndexes(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	if rep, _ = pgenv.VerifyIndexes(ctx, dsn); !rep.OK() {
		t.Errorf("apply did not rebuild the invalid index: missing %v", rep.Missing)
	}
}

func TestIndexSQLFilesMatchIndexNames(t *testing.T) {
	for _, name := range []string{"indexes_apply.sql", "indexes_rollback.sql"} {
		src, err := pgenv.SQL(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, ix := range pgenv.IndexNames() {
			if strings.Count(src, ix+"\n")+strings.Count(src, ix+";") != 1 {
				t.Errorf("%s does not name %s exactly once", name, ix)
			}
		}
	}
}
