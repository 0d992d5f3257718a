package pgenv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/sysinfo"
)

// PlanSettings are the server settings that change query plans, recorded
// in every fingerprint.
var PlanSettings = []string{
	"shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit", "max_parallel_workers_per_gather",
}

// DefaultDataTolerance is the relative difference in a table's rows or
// size beyond which two runs did not measure the same data.
const DefaultDataTolerance = 0.10

// Fingerprint is the database side of a run's environment: what could make
// the same statements run at another speed.
type Fingerprint struct {
	Version    string `json:"version"` // server_version, e.g. "15.18 (Debian 15.18-0+deb12u1)"
	VersionNum int    `json:"version_num"`
	// Settings are PlanSettings as SHOW prints them, the enable_* planner
	// switches that are off, and auto_explain's sampling and ANALYZE
	// settings when it is loaded (they add to every statement's time).
	Settings map[string]string `json:"settings"`
	Tables   []TableSize       `json:"tables"`
	Indexes  []IndexDef        `json:"indexes"`
	// Seed is how perfgate generated the data; nil when the table carries
	// no perfgate seed comment (the data is not perfgate's).
	Seed *SeedMark `json:"seed,omitempty"`
}

// TableSize is one of the service's tables. Rows is the statistics'
// estimate (n_live_tup, else reltuples), not count(*): counting would read
// the whole table into the cache just before the run.
type TableSize struct {
	Name   string `json:"name"`
	Exists bool   `json:"exists"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"` // pg_table_size: the table without its indexes
}

// IndexDef is one index of the service's tables.
type IndexDef struct {
	Table      string `json:"table"`
	Name       string `json:"name"`
	Definition string `json:"definition"` // pg_get_indexdef
	Valid      bool   `json:"valid"`
}

// SeedMark is the profile and seed perfgate generated the data with.
type SeedMark struct {
	Profile string `json:"profile"`
	Seed    int64  `json:"seed"`
}

// seedCommentPrefix starts the comment perfgate's seeder puts on
// content_tracking.
const seedCommentPrefix = "perfgate seed:"

// SeedComment is the comment the seeder puts on content_tracking, the one
// ParseSeedComment reads: "perfgate seed: profile=<name> seed=<n>".
func SeedComment(profile string, seed int64) string {
	return fmt.Sprintf("%s profile=%s seed=%d", seedCommentPrefix, profile, seed)
}

// ParseSeedComment reads a SeedComment; ok is false for any other text.
func ParseSeedComment(comment string) (SeedMark, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(comment), seedCommentPrefix)
	if !ok {
		return SeedMark{}, false
	}
	var m SeedMark
	var haveSeed bool
	// Later fields (key=value) are allowed; other words are not perfgate's.
	for _, kv := range strings.Fields(rest) {
		k, v, isKV := strings.Cut(kv, "=")
		if !isKV {
			return SeedMark{}, false
		}
		switch k {
		case "profile":
			m.Profile = v
		case "seed":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return SeedMark{}, false
			}
			m.Seed, haveSeed = n, true
		}
	}
	if m.Profile == "" || !haveSeed {
		return SeedMark{}, false
	}
	return m, true
}

// ReadFingerprint reads the fingerprint of the database at dsn.
func ReadFingerprint(ctx context.Context, dsn string) (*Fingerprint, error) {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("database fingerprint: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return readFingerprint(ctx, conn, dsn)
}

// Fingerprint reads the probed database's fingerprint; call it at the
// start of a run.
func (p *Probe) Fingerprint(ctx context.Context) (*Fingerprint, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return readFingerprint(ctx, p.conn, p.dsn)
}

func readFingerprint(ctx context.Context, conn *pgx.Conn, dsn string) (*Fingerprint, error) {
	fail := func(what string, err error) (*Fingerprint, error) {
		return nil, fmt.Errorf("database fingerprint: %s: %w", what, scrubErr(dsn, err))
	}
	f := &Fingerprint{Settings: map[string]string{}}
	if err := conn.QueryRow(ctx, probeTag+` SELECT current_setting('server_version'), current_setting('server_version_num')::int`).
		Scan(&f.Version, &f.VersionNum); err != nil {
		return fail("version", err)
	}
	for _, name := range PlanSettings {
		var v string
		// SHOW prints the setting with its unit ("128MB"), as people write it.
		if err := conn.QueryRow(ctx, probeTag+` SELECT current_setting($1)`, name).Scan(&v); err != nil {
			return fail(name, err)
		}
		f.Settings[name] = v
	}
	rows, err := conn.Query(ctx, probeTag+` SELECT name, setting FROM pg_settings
WHERE (name LIKE 'enable\_%' AND setting = 'off')
   OR name IN ('auto_explain.log_min_duration', 'auto_explain.log_analyze', 'auto_explain.log_timing',
               'auto_explain.log_buffers', 'auto_explain.sample_rate')`)
	if err != nil {
		return fail("settings", err)
	}
	extra, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Name, Setting string }])
	if err != nil {
		return fail("settings", err)
	}
	for _, s := range extra {
		f.Settings[s.Name] = s.Setting
	}
	for _, table := range []string{TableContentTracking, TableContentTrackingDetails} {
		t := TableSize{Name: table}
		var comment *string
		err := conn.QueryRow(ctx, probeTag+` SELECT coalesce(s.n_live_tup, greatest(c.reltuples, 0)::bigint), pg_table_size(c.oid),
  obj_description(c.oid, 'pg_class')
FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.oid = to_regclass($1)`, table).Scan(&t.Rows, &t.Bytes, &comment)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fail(table, err)
		default:
			t.Exists = true
			if m, ok := ParseSeedComment(derefOr(comment)); ok && table == TableContentTracking {
				f.Seed = &m
			}
		}
		f.Tables = append(f.Tables, t)
	}
	rows, err = conn.Query(ctx, probeTag+` SELECT c.relname::text, i.relname::text, pg_get_indexdef(x.indexrelid), x.indisvalid
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE x.indrelid IN (to_regclass($1), to_regclass($2))
ORDER BY 1, 2`, TableContentTracking, TableContentTrackingDetails)
	if err != nil {
		return fail("indexes", err)
	}
	f.Indexes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[IndexDef])
	if err != nil {
		return fail("indexes", err)
	}
	return f, nil
}

func derefOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// indexName matches the name in pg_get_indexdef's "CREATE [UNIQUE] INDEX
// name ON ...", so that indexes compare by what they index.
var indexName = regexp.MustCompile(`^(CREATE (?:UNIQUE )?INDEX )\S+ (ON )`)

// DiffFingerprints lists every difference between two databases'
// fingerprints and flags those that could explain a change in results:
// another PostgreSQL major version, a different plan setting, a table's
// rows or size differing by more than DefaultDataTolerance, other data
// (seed), and an index present on one side only (indexes compare by
// table and definition; a renamed index is listed, not flagged). A nil
// fingerprint (not recorded) differs from a recorded one as a whole.
func DiffFingerprints(before, after *Fingerprint) []sysinfo.Difference {
	switch {
	case before == nil && after == nil:
		return nil
	case before == nil || after == nil:
		rec := func(f *Fingerprint) string {
			if f == nil {
				return "not recorded"
			}
			return "recorded"
		}
		return []sysinfo.Difference{{What: "database fingerprint", Before: rec(before), After: rec(after)}}
	}
	var out []sysinfo.Difference
	add := func(what, b, a string, explains bool, why string) {
		if b == a {
			return
		}
		d := sysinfo.Difference{What: what, Before: b, After: a}
		if explains {
			d.Explains, d.Why = true, why
		}
		out = append(out, d)
	}
	add("db version", before.Version, after.Version, before.VersionNum/10000 != after.VersionNum/10000,
		"another PostgreSQL major version plans and executes differently")
	names := slices.Sorted(maps.Keys(before.Settings))
	for n := range after.Settings {
		if _, ok := before.Settings[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		add("db setting "+n, before.Settings[n], after.Settings[n], true, "a setting that changes plans or their cost")
	}
	for _, bt := range before.Tables {
		at := TableSize{Name: bt.Name}
		for _, t := range after.Tables {
			if t.Name == bt.Name {
				at = t
			}
		}
		if bt.Exists != at.Exists {
			add("db table "+bt.Name, existText(bt.Exists), existText(at.Exists), true, "different data")
			continue
		}
		add("db table "+bt.Name+" rows", strconv.FormatInt(bt.Rows, 10), strconv.FormatInt(at.Rows, 10),
			apart(bt.Rows, at.Rows), fmt.Sprintf("the data differs by more than %.0f %%", DefaultDataTolerance*100))
		add("db table "+bt.Name+" size", sysinfo.BytesText(bt.Bytes), sysinfo.BytesText(at.Bytes),
			apart(bt.Bytes, at.Bytes), fmt.Sprintf("the data differs by more than %.0f %%", DefaultDataTolerance*100))
	}
	add("db seed", seedText(before.Seed), seedText(after.Seed), true, "different data")
	out = append(out, diffIndexes(before.Indexes, after.Indexes)...)
	return out
}

func existText(ok bool) string {
	if ok {
		return "exists"
	}
	return "missing"
}

func seedText(m *SeedMark) string {
	if m == nil {
		return "not perfgate data"
	}
	return fmt.Sprintf("profile=%s seed=%d", m.Profile, m.Seed)
}

// apart reports whether a and b differ by more than DefaultDataTolerance
// of the larger.
func apart(a, b int64) bool {
	hi := math.Max(float64(a), float64(b))
	return hi > 0 && math.Abs(float64(a-b)) > DefaultDataTolerance*hi
}

// diffIndexes compares indexes by table and definition without the name.
func diffIndexes(before, after []IndexDef) []sysinfo.Difference {
	key := func(ix IndexDef) string { return indexName.ReplaceAllString(ix.Definition, "${1}${2}") }
	byKey := func(list []IndexDef) map[string]IndexDef {
		m := map[string]IndexDef{}
		for _, ix := range list {
			m[key(ix)] = ix
		}
		return m
	}
	bm, am := byKey(before), byKey(after)
	var out []sysinfo.Difference
	for _, ix := range before {
		a, ok := am[key(ix)]
		switch {
		case !ok:
			out = append(out, sysinfo.Difference{What: "db index on " + ix.Table, Before: ix.Definition, After: "",
				Explains: true, Why: "an index present in one run only"})
		case a.Name != ix.Name:
			out = append(out, sysinfo.Difference{What: "db index name on " + ix.Table, Before: ix.Name, After: a.Name})
		case a.Valid != ix.Valid:
			out = append(out, sysinfo.Difference{What: "db index " + ix.Name + " valid", Before: strconv.FormatBool(ix.Valid),
				After: strconv.FormatBool(a.Valid), Explains: true, Why: "an invalid index is never used"})
		}
	}
	for _, ix := range after {
		if _, ok := bm[key(ix)]; !ok {
			out = append(out, sysinfo.Difference{What: "db index on " + ix.Table, Before: "", After: ix.Definition,
				Explains: true, Why: "an index present in one run only"})
		}
	}
	return out
}
