package pgenv_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestIndexUsageOf attributes pg_stat_user_indexes deltas: the seven in
// checklist order whatever stands for them (an equivalent under another
// name, an INVALID one, nothing), then the other indexes that were used;
// unused names the valid indexes no scan touched.
func TestIndexUsageOf(t *testing.T) {
	ct, ctd := pgenv.TableContentTracking, pgenv.TableContentTrackingDetails
	found := []pgenv.FoundIndex{
		{OID: 1, Table: ct, Name: "PK_content_tracking", Valid: true},
		{OID: 2, Table: ct, Name: "ct_by_user_course", Valid: true, Spec: "idx_content_tracking_user_course_tenant"},
		{OID: 3, Table: ct, Name: "idx_content_tracking_created_on", Valid: true, Spec: "idx_content_tracking_created_on"},
		{OID: 4, Table: ctd, Name: "idx_content_tracking_details_tracking_id", Valid: false, Spec: "idx_content_tracking_details_tracking_id"},
		{OID: 5, Table: ctd, Name: "ctd_by_eid_and_mode", Valid: true},
	}
	before := &pgenv.Snapshot{Indexes: map[uint32]pgenv.IndexStat{1: {Scans: 7}, 2: {Scans: 100, TupRead: 5000, TupFetch: 5000}, 5: {Scans: 3}}}
	after := &pgenv.Snapshot{Indexes: map[uint32]pgenv.IndexStat{1: {Scans: 7}, 2: {Scans: 110, TupRead: 6000, TupFetch: 5500},
		3: {}, 5: {Scans: 23, TupRead: 40, TupFetch: 20}}}
	usage, unused := pgenv.IndexUsageOf(found, before, after, 10)
	want := []pgenv.IndexUsage{
		{Table: ct, Name: "ct_by_user_course", Spec: "idx_content_tracking_user_course_tenant", Status: "present as ct_by_user_course", Present: true,
			Scans: 1, TuplesRead: 100, TuplesFetched: 50},
		{Table: ct, Spec: "idx_content_tracking_user_tenant", Status: "missing"},
		{Table: ct, Spec: "idx_content_tracking_course_tenant", Status: "missing"},
		{Table: ct, Name: "idx_content_tracking_created_on", Spec: "idx_content_tracking_created_on", Status: "ok", Present: true},
		{Table: ctd, Name: "idx_content_tracking_details_tracking_id", Spec: "idx_content_tracking_details_tracking_id", Status: "invalid"},
		{Table: ctd, Spec: "idx_content_tracking_details_user_id", Status: "missing"},
		{Table: ctd, Spec: "idx_content_tracking_details_eid", Status: "missing"},
		{Table: ctd, Name: "ctd_by_eid_and_mode", Present: true, Scans: 2, TuplesRead: 4, TuplesFetched: 2},
	}
	if d := cmp.Diff(want, usage); d != "" {
		t.Errorf("usage (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"PK_content_tracking", "idx_content_tracking_created_on"}, unused); d != "" {
		t.Errorf("unused (-want +got):\n%s", d)
	}
}

// TestProbeIndexUsage: the probe finds an index equivalent to one of the
// seven under another name, counts its scans per request from
// pg_stat_user_indexes, and names the indexes the scenario never used.
func TestProbeIndexUsage(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	detailRows(t, dsn, 2000)
	pgtest.Exec(t, dsn, `CREATE INDEX ctd_tracking ON content_tracking_details ("contentTrackingId")`)
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f := scenario(t, p, dsn, 2, func(c *pgx.Conn) {
		query(t, c, `SET enable_seqscan = off`)
		query(t, c, `SET enable_bitmapscan = off`)
		for _, id := range []string{"1", "2", "3", "4"} {
			query(t, c, detailsByTracking, id)
		}
	})
	var det *pgenv.IndexUsage
	for i := range f.Indexes {
		if f.Indexes[i].Spec == "idx_content_tracking_details_tracking_id" {
			det = &f.Indexes[i]
		}
	}
	if det == nil || det.Name != "ctd_tracking" || !det.Present || det.Scans != 2 || det.TuplesRead != 2 || det.TuplesFetched != 2 {
		t.Fatalf("the details index: %+v; want ctd_tracking with 2 scans and 2 rows per request (4 lookups of one row, 2 requests)", det)
	}
	if len(f.Indexes) != len(pgenv.Indexes) {
		t.Errorf("%d index rows, want the seven only (no other index was used): %+v", len(f.Indexes), f.Indexes)
	}
	if d := cmp.Diff([]string{"PK_content_tracking", "PK_content_tracking_details"}, f.UnusedIndexes); d != "" {
		t.Errorf("unused (-want +got):\n%s", d)
	}
	if f.IndexesPresent || len(f.MissingIndexes) != 6 {
		t.Errorf("present %v, missing %v: want six of the seven missing", f.IndexesPresent, f.MissingIndexes)
	}
}
