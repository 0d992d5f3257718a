package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// shardRun builds shard index of count that planned scenarios a and late
// and wrote scs.
func shardRun(index, count int, fingerprint string, scs ...*model.Scenario) ShardRun {
	start := time.Date(2025, 3, 14, 9, 0, index, 0, time.UTC)
	m := &model.ShardMarker{Schema: model.SchemaShard, Index: index, Count: count, Fingerprint: fingerprint, Target: "http://t", Label: "dist"}
	for _, name := range []string{"a", "late"} { // as planned: a shard may stop before late
		m.Scenarios = append(m.Scenarios, model.ShardScenario{Name: name, Rate: "40/s", RequestedRate: 40, Duration: time.Second})
	}
	return ShardRun{
		Dir:    "shard-" + string(rune('0'+index)),
		Run:    &model.Run{Schema: model.SchemaRun, Start: start, End: start.Add(time.Minute), Shard: &model.Shard{Index: index, Count: count}, Scenarios: scs},
		Marker: m,
	}
}

func TestMerge(t *testing.T) {
	exp := &model.Expect{Status: 200, Checks: []string{"one entry"}}
	part := func(requests int64, passed, failed int64, db *model.DB, interrupted bool) *model.Scenario {
		var failures []string
		for range failed {
			failures = append(failures, "got false: {}")
		}
		return &model.Scenario{Name: "a", Rate: "40/2s", Requests: requests, Raw: "a.parquet", Expect: exp, DB: db, Interrupted: interrupted,
			Checks: []model.Check{{Name: "one entry", JQ: ".x", Passed: passed, Failed: failed, Failures: failures}}}
	}
	probe := &model.DB{StatementsPerRequest: 2, SeqScansPerRequest: 0.5, IndexScansPerRequest: 4, RowsReadPerRequest: 10, StatementsAvailable: true, IndexesPresent: true}

	// Shard 1 was interrupted before "late"; shard 0 ran it.
	s0 := shardRun(0, 2, "f", part(20, 18, 2, probe, false), &model.Scenario{Name: "late", Expect: exp, Requests: 5})
	s1 := shardRun(1, 2, "f", part(30, 28, 2, nil, true))
	s1.Run.Interrupted = true
	got, err := checkShards([]ShardRun{s1, s0})
	if err != nil {
		t.Fatal(err)
	}
	if got.Shard != nil || !got.Interrupted || got.Label != "dist" || !got.Start.Equal(s0.Run.Start) || !got.End.Equal(s1.Run.End) {
		t.Errorf("run: shard %v interrupted %v label %q start %v end %v", got.Shard, got.Interrupted, got.Label, got.Start, got.End)
	}
	a := got.Scenarios[0]
	if a.Rate != "40/s" || a.RequestedRate != 40 || a.Duration != time.Second || !a.Interrupted {
		t.Errorf("a: rate %s (%v) duration %s interrupted %v", a.Rate, a.RequestedRate, a.Duration, a.Interrupted)
	}
	wantChecks := []model.Check{{Name: "one entry", JQ: ".x", Passed: 46, Failed: 4, Failures: []string{"got false: {}", "got false: {}", "got false: {}"}}}
	if diff := cmp.Diff(wantChecks, a.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	// Shard 0's probe saw both shards' statements over its own 20 requests.
	wantDB := &model.DB{StatementsPerRequest: 0.8, SeqScansPerRequest: 0.2, IndexScansPerRequest: 1.6, RowsReadPerRequest: 4, StatementsAvailable: true, IndexesPresent: true}
	if diff := cmp.Diff(wantDB, a.DB); diff != "" {
		t.Errorf("db (-want +got):\n%s", diff)
	}
	if probe.StatementsPerRequest != 2 {
		t.Error("Merge changed a shard's figures")
	}
	if len(got.Scenarios) != 2 || !got.Scenarios[1].Interrupted {
		t.Errorf("scenario late: %+v", got.Scenarios)
	}
	warnings := strings.Join(got.Warnings, "\n")
	for _, w := range []string{"late: shard 1 never ran it", "a: database figures are shard 0's probe"} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
}

func TestMergeRefusals(t *testing.T) {
	a := func() *model.Scenario { return &model.Scenario{Name: "a", Expect: &model.Expect{Status: 200}} }
	noExpect := shardRun(1, 2, "f", &model.Scenario{Name: "a"})
	tests := []struct {
		name   string
		shards []ShardRun
		want   string
	}{
		{"fingerprint", []ShardRun{shardRun(0, 2, "f", a()), shardRun(1, 2, "g", a())}, "ran different requests or criteria (scenario fingerprints f and g)"},
		{"no marker", []ShardRun{shardRun(0, 2, "f", a()), {Dir: "plain", Run: &model.Run{}}}, "plain is not a shard of a distributed run (no shard.json)"},
		{"altered", []ShardRun{{Dir: "x", Run: &model.Run{Shard: &model.Shard{Index: 1, Count: 2}}, Marker: &model.ShardMarker{Index: 0, Count: 2}}}, "shard.json says shard 0 of 2 but summary.json says 1 of 2"},
		{"old summary", []ShardRun{shardRun(0, 2, "f", a()), noExpect}, "scenario a has no saved criteria"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkShards(tt.shards)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestApplyFigures(t *testing.T) {
	first := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		sc   model.Scenario
		s    metrics.Summary
		want model.Scenario
	}{
		{
			name: "under delivered",
			sc:   model.Scenario{RequestedRate: 40, Duration: time.Second, Expect: &model.Expect{Status: 200}},
			s:    metrics.Summary{Requests: 20, Rate: 19, Wall: 2 * time.Second, Codes: map[uint16]int64{200: 15, 0: 5}, First: first},
			want: model.Scenario{RequestedRate: 40, Duration: time.Second, Expect: &model.Expect{Status: 200}, Requests: 20, AchievedRate: 19,
				Wall: 2 * time.Second, StatusCodes: map[string]int64{"200": 15, "0": 5}, Success: 0.75, Throughput: 7.5, UnderDelivered: true,
				Lag: &model.ScheduleLag{}, Corrected: &metrics.Latencies{}, Saturation: &model.Saturation{}},
		},
		{
			name: "one request",
			sc:   model.Scenario{RequestedRate: 0.5, Duration: 2 * time.Second, Expect: &model.Expect{Status: 400}},
			s:    metrics.Summary{Requests: 1, Wall: time.Second, Codes: map[uint16]int64{400: 1}},
			want: model.Scenario{RequestedRate: 0.5, Duration: 2 * time.Second, Expect: &model.Expect{Status: 400}, Requests: 1, AchievedRate: 0.5,
				Wall: time.Second, StatusCodes: map[string]int64{"400": 1}, Success: 1, Throughput: 1,
				Lag: &model.ScheduleLag{}, Corrected: &metrics.Latencies{}, Saturation: &model.Saturation{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ApplyFigures(&tt.sc, tt.s, nil)
			if diff := cmp.Diff(tt.want, tt.sc, cmpopts.IgnoreFields(model.Scenario{}, "Percentiles")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestApplyFiguresIntervals: every reported percentile gets its interval
// from the sorted latencies, and timed-out requests are counted and make
// the percentiles that fall on them lower bounds.
func TestApplyFiguresIntervals(t *testing.T) {
	var sorted []time.Duration
	for i := range 90 {
		sorted = append(sorted, time.Duration(100+i)*time.Millisecond)
	}
	for range 10 {
		sorted = append(sorted, 30*time.Second)
	}
	timeout := `Post "http://127.0.0.1:3000/x": timeout: no complete response within 30s`
	s := metrics.Summary{Requests: 100, Codes: map[uint16]int64{200: 90, 0: 10}, Latency: metrics.Summarize(slices.Clone(sorted)),
		Errors: []metrics.ErrorCount{{Error: timeout, Count: 10}}}
	sc := model.Scenario{Expect: &model.Expect{Status: 200}}
	ApplyFigures(&sc, s, sorted)
	if sc.Timeouts != 10 {
		t.Errorf("Timeouts = %d, want 10", sc.Timeouts)
	}
	var names []string
	for _, p := range sc.Percentiles {
		names = append(names, metrics.PercentileName(p.P))
	}
	if diff := cmp.Diff([]string{"p50", "p90", "p95", "p99", "max"}, names); diff != "" {
		t.Fatalf("percentiles (-want +got):\n%s", diff)
	}
	p50, _ := sc.Percentile("p50")
	p95, _ := sc.Percentile("p95")
	p99, _ := sc.Percentile("p99")
	if p50.Value != sc.Latency.P50 || p50.Bound != metrics.Exact || p50.N != 100 || p50.TooFew() || !(p50.Lo < p50.Value && p50.Value < p50.Hi) {
		t.Errorf("p50 = %+v, want the summary's p50 inside its own interval, judgeable", p50)
	}
	if p95.Bound != metrics.AtLeast || p95.Censored != 10 || !p95.HiOpen {
		t.Errorf("p95 = %+v, want a lower bound open above (it falls on the timeouts)", p95)
	}
	if !p99.TooFew() || p99.MinN != 368 {
		t.Errorf("p99 = %+v, want too few (needs 368)", p99)
	}
}

// TestMergeShards merges two shards run against a local service into a
// new run directory named after the shards' label, and refuses runs that
// are not shards before it creates anything.
func TestMergeShards(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(file, []byte("name: s\nrequest:\n  method: GET\n  path: /x\nload:\n  rate: 40/s\n  duration: 500ms\nexpect:\n  status: 200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	var sent int64
	for i := range 2 {
		ps, err := Plan([]string{file}, Overrides{}, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		shard, err := ParseShard(fmt.Sprintf("%d/2", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		ps, marker := shard.Divide(ps, srv.URL, "dist")
		dir := t.TempDir()
		if err := model.WriteShardMarker(dir, marker); err != nil {
			t.Fatal(err)
		}
		run, err := Run(context.Background(), ps, RunOptions{Dir: dir, Target: srv.URL, Label: "dist", Shard: shard})
		if err != nil {
			t.Fatal(err)
		}
		if err := model.WriteRun(dir, run); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
		sent += run.Scenarios[0].Requests
	}
	t.Chdir(t.TempDir())
	now := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	var wrote []string
	write := func(dir string, run *model.Run) error {
		wrote = append(wrote, dir)
		// The union's raw results are there when the run is written, and
		// the directory is still locked.
		for _, f := range []string{"s" + load.RawExt, LockFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("at Write: %v", err)
			}
		}
		return model.WriteRun(dir, run)
	}
	merged, err := MergeShards(context.Background(), dirs, MergeOptions{Now: now, Write: write})
	if err != nil {
		t.Fatal(err)
	}
	const dir = "reports/20261130T120000Z-dist"
	if !slices.Equal(wrote, []string{dir}) || merged.Label != "dist" || merged.Shard != nil || !merged.Pass {
		t.Errorf("merged into %q: label %q, shard %v, pass %v", wrote, merged.Label, merged.Shard, merged.Pass)
	}
	if sc := merged.Scenarios[0]; sc.Requests != sent {
		t.Errorf("merged %d requests, the shards sent %d", sc.Requests, sent)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("the merged run stays locked: %v", err)
	}

	// A shard that was interrupted: the merge is written, and says where.
	interrupted, err := model.ReadRun(dirs[1])
	if err != nil {
		t.Fatal(err)
	}
	interrupted.Interrupted = true
	if err := model.WriteRun(dirs[1], interrupted); err != nil {
		t.Fatal(err)
	}
	wrote = nil
	out := filepath.Join(t.TempDir(), "merged")
	merged, err = MergeShards(context.Background(), dirs, MergeOptions{Out: out, Write: write})
	if exit.Code(err) != exit.CodeUnavailable || err.Error() != "a shard was interrupted: the merged figures in "+out+" cover what was gathered" {
		t.Errorf("error %v (exit %d), want exit 3 saying where the merged figures are", err, exit.Code(err))
	}
	if merged == nil || !merged.Interrupted || merged.Pass || !slices.Equal(wrote, []string{out}) {
		t.Errorf("merged %+v into %q; want the interrupted merge, written into %s", merged, wrote, out)
	}

	plain := t.TempDir()
	if err := model.WriteRun(plain, &model.Run{Schema: model.SchemaRun}); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "refused")
	if _, err := MergeShards(context.Background(), []string{dirs[0], plain}, MergeOptions{Out: out, Write: write}); exit.Code(err) != exit.CodeUsage ||
		!strings.Contains(err.Error(), "is not a shard of a distributed run") {
		t.Errorf("a run that is not a shard: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused merge created %s: %v", out, err)
	}
}

// TestShardDirs: which RUN arguments of a report are shards to merge, and
// which one run is rendered again.
func TestShardDirs(t *testing.T) {
	root := t.TempDir()
	mk := func(path string, files ...string) string {
		t.Helper()
		dir := filepath.Join(root, path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	run := mk("run", model.SummaryFile)
	parent := mk("dist")
	s0 := mk("dist/shard-0", model.SummaryFile, model.ShardFile)
	s1 := mk("dist/shard-1", model.SummaryFile, model.ShardFile)
	mk("dist/notes")
	empty := mk("empty")
	summary := filepath.Join(run, model.SummaryFile)
	missing := filepath.Join(root, "missing")
	for _, tt := range []struct {
		name      string
		args      []string
		wantDirs  []string
		wantMerge bool
	}{
		{"one run", []string{run}, []string{run}, false},
		{"a summary.json", []string{summary}, []string{summary}, false},
		{"one shard alone", []string{s0}, []string{s0}, false},
		{"a directory without shards", []string{empty}, []string{empty}, false},
		{"a path that is not there", []string{missing}, []string{missing}, false},
		{"several runs", []string{s0, s1}, []string{s0, s1}, true},
		{"a parent of shards", []string{parent}, []string{s0, s1}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dirs, merge := ShardDirs(tt.args)
			if d := cmp.Diff(tt.wantDirs, dirs); d != "" || merge != tt.wantMerge {
				t.Errorf("merge %v, want %v; dirs (-want +got):\n%s", merge, tt.wantMerge, d)
			}
		})
	}
}
