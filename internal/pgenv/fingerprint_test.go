package pgenv_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

func TestFingerprint(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	flushed(t, dsn, `INSERT INTO content_tracking_details ("contentTrackingId", "userId", eid, mode, pageid, type, subtype, edata, duration, summary, progress, "updatedOn")
SELECT md5(g::text)::uuid, md5(g::text)::uuid, 'START', 'play', 'p', 't', 's', '{}', 0, '{}', 0, now() FROM generate_series(1, 2000) g`,
		`COMMENT ON TABLE content_tracking IS '`+pgenv.SeedComment("tiny", 7)+`'`,
		`CREATE INDEX idx_details_tracking ON content_tracking_details ("contentTrackingId")`)
	before, err := pgenv.ReadFingerprint(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(before.Version, "1") || before.VersionNum < 100000 {
		t.Errorf("version %q %d", before.Version, before.VersionNum)
	}
	for _, s := range pgenv.PlanSettings {
		if before.Settings[s] == "" {
			t.Errorf("setting %s missing from %v", s, before.Settings)
		}
	}
	if before.Seed == nil || *before.Seed != (pgenv.SeedMark{Profile: "tiny", Seed: 7}) {
		t.Errorf("seed %+v, want tiny/7", before.Seed)
	}
	if len(before.Tables) != 2 || !before.Tables[1].Exists || before.Tables[1].Rows != 2000 || before.Tables[1].Bytes < 8192 {
		t.Errorf("tables %+v: want content_tracking_details with 2000 rows and some bytes", before.Tables)
	}
	var names []string
	for _, ix := range before.Indexes {
		names = append(names, ix.Name)
		if !ix.Valid || !strings.HasPrefix(ix.Definition, "CREATE ") {
			t.Errorf("index %+v", ix)
		}
	}
	if !slices.Equal(names, []string{"PK_content_tracking", "PK_content_tracking_details", "idx_details_tracking"}) {
		t.Errorf("indexes %v", names)
	}
	if d := pgenv.DiffFingerprints(before, before); len(d) != 0 {
		t.Errorf("a fingerprint differs from itself: %v", d)
	}

	// The "after": the index renamed (not a difference that explains
	// anything), another added, work_mem changed.
	db := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	flushed(t, dsn, `ALTER INDEX idx_details_tracking RENAME TO idx_content_tracking_details_tracking_id`,
		`CREATE INDEX idx_details_eid ON content_tracking_details (eid)`,
		`ALTER DATABASE `+db+` SET work_mem = '8MB'`)
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	after, err := p.Fingerprint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := pgenv.DiffFingerprints(before, after)
	want := []sysinfo.Difference{
		{What: "db setting work_mem", Before: "4MB", After: "8MB", Explains: true, Why: "a setting that changes plans or their cost"},
		{What: "db index name on content_tracking_details", Before: "idx_details_tracking", After: "idx_content_tracking_details_tracking_id"},
		{What: "db index on content_tracking_details", After: "CREATE INDEX idx_details_eid ON public.content_tracking_details USING btree (eid)",
			Explains: true, Why: "an index present in one run only"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DiffFingerprints (-want +got):\n%s", diff)
	}
}

func TestDiffFingerprintsData(t *testing.T) {
	base := &pgenv.Fingerprint{Version: "15.18", VersionNum: 150018, Settings: map[string]string{"jit": "on"},
		Tables: []pgenv.TableSize{{Name: "content_tracking_details", Exists: true, Rows: 1000, Bytes: 100 << 10}},
		Seed:   &pgenv.SeedMark{Profile: "tiny", Seed: 1}}
	near, far := *base, *base
	near.Tables = []pgenv.TableSize{{Name: "content_tracking_details", Exists: true, Rows: 1050, Bytes: 100 << 10}}
	near.Version, near.VersionNum = "15.19", 150019
	far.Tables = []pgenv.TableSize{{Name: "content_tracking_details", Exists: true, Rows: 3_500_000, Bytes: 400 << 20}}
	far.Seed = &pgenv.SeedMark{Profile: "claim", Seed: 1}
	far.Version, far.VersionNum = "16.4", 160004

	explained := func(ds []sysinfo.Difference) (out []string) {
		for _, d := range ds {
			if d.Explains {
				out = append(out, d.What)
			}
		}
		return out
	}
	if d := pgenv.DiffFingerprints(base, &near); len(d) != 2 || len(explained(d)) != 0 {
		t.Errorf("5 %% more rows and a minor version: %v; want listed, none explaining", d)
	}
	want := []string{"db version", "db table content_tracking_details rows", "db table content_tracking_details size", "db seed"}
	if got := explained(pgenv.DiffFingerprints(base, &far)); !slices.Equal(got, want) {
		t.Errorf("claim scale on PostgreSQL 16: explaining %v, want %v", got, want)
	}
	if d := pgenv.DiffFingerprints(base, nil); len(d) != 1 || d[0].After != "not recorded" {
		t.Errorf("against no fingerprint: %v", d)
	}
}

func TestParseSeedComment(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want pgenv.SeedMark
		ok   bool
	}{
		{pgenv.SeedComment("claim", 42), pgenv.SeedMark{Profile: "claim", Seed: 42}, true},
		{"perfgate seed: profile=custom seed=1 users=3", pgenv.SeedMark{Profile: "custom", Seed: 1}, true},
		{"perfgate seed: profile=tiny", pgenv.SeedMark{}, false},
		{"perfgate seed: profile=tiny seed=x", pgenv.SeedMark{}, false},
		{"tracking of contents", pgenv.SeedMark{}, false},
		{"", pgenv.SeedMark{}, false},
	} {
		got, ok := pgenv.ParseSeedComment(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseSeedComment(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
