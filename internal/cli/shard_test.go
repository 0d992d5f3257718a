package cli

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
)

// check compares two floats to a relative 1e-12.
func check(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// union is what the test computes itself from the shards' raw results.
type union struct {
	latencies         []time.Duration
	lags              []time.Duration // send time minus intended send time
	codes             map[string]int64
	shards            map[uint16]int64
	first, last, end  time.Time
	bytesIn, bytesOut uint64
}

func readUnion(t *testing.T, paths ...string) union {
	t.Helper()
	u := union{codes: map[string]int64{}, shards: map[uint16]int64{}}
	for _, p := range paths {
		lat, err := load.ReadLatencies(p)
		if err != nil {
			t.Fatal(err)
		}
		u.latencies = append(u.latencies, lat...)
		err = load.ReadRaw(p, func(r *load.Result) error {
			u.codes[strconv.Itoa(int(r.Code))]++
			u.shards[r.Shard]++
			u.lags = append(u.lags, r.Timestamp.Sub(r.Intended))
			if u.first.IsZero() || r.Timestamp.Before(u.first) {
				u.first = r.Timestamp
			}
			if r.Timestamp.After(u.last) {
				u.last = r.Timestamp
			}
			if e := r.Timestamp.Add(r.Latency); e.After(u.end) {
				u.end = e
			}
			u.bytesIn += r.BytesIn
			u.bytesOut += r.BytesOut
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// rank is the nearest-rank percentile, written out here rather than taken
// from package metrics, so that the test checks the merge independently.
func rank(sorted []time.Duration, p int) time.Duration {
	k := (len(sorted)*p + 99) / 100 // ceil(n·p/100)
	return sorted[max(k, 1)-1]
}

func shardArgs(dir, spec string, extra ...string) []string {
	return append([]string{"run", "--out", dir, "--shard", spec, "--no-progress"}, extra...)
}

func execute(args ...string) (int, string) {
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), args, Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	return code, out.String() + errOut.String()
}

// TestShardsMergeToTheirUnion runs two shards at once against one target
// whose latencies vary by construction, merges them, and holds every
// figure of the merged summary to the union of their raw results.
func TestShardsMergeToTheirUnion(t *testing.T) {
	tg := newTarget(t)
	tg.delay.Store(int64(2 * time.Millisecond))
	tg.slowPct.Store(4) // every 4th request takes 20 ms
	dir := t.TempDir()
	sf := scenarioFile(t, dir, "ok", `  status: 200
  latency: { p50: 1s, max: 2s }
  checks:
    - name: one entry
      jq: '.data | length == 1'`)
	shards := []string{filepath.Join(dir, "shard-0"), filepath.Join(dir, "shard-1")}
	var wg sync.WaitGroup
	for i, d := range shards {
		wg.Go(func() {
			code, out := execute(shardArgs(d, strconv.Itoa(i)+"/2", "--target", tg.URL, "--label", "dist", sf)...)
			if code != exit.CodeOK {
				t.Errorf("shard %d: exit %d\n%s", i, code, out)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, d := range shards {
		m, err := model.ReadShardMarker(d)
		if err != nil {
			t.Fatal(err)
		}
		run, err := model.ReadRun(d)
		if err != nil {
			t.Fatal(err)
		}
		if m.Index != i || m.Count != 2 || m.Scenarios[0].Rate != "40/s" || run.Shard == nil || *run.Shard != (model.Shard{Index: i, Count: 2}) {
			t.Errorf("shard %d: marker %+v, summary shard %+v", i, m, run.Shard)
		}
		if sc := run.Scenarios[0]; sc.Rate != "40/2s" || sc.RequestedRate != 20 {
			t.Errorf("shard %d sent %s (%v/s), want 40/2s", i, sc.Rate, sc.RequestedRate)
		}
	}

	merged := filepath.Join(dir, "merged")
	code, out := execute("report", shards[0], shards[1], "--out", merged, "--format", "text,json,html")
	if code != exit.CodeOK {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "ok") || !strings.Contains(out, "run directory: "+merged) {
		t.Errorf("no text table:\n%s", out)
	}
	run, err := model.ReadRun(merged)
	if err != nil {
		t.Fatal(err)
	}
	got := run.Scenarios[0]
	u := readUnion(t, filepath.Join(shards[0], "ok.parquet"), filepath.Join(shards[1], "ok.parquet"))
	slices.Sort(u.latencies)
	slices.Sort(u.lags)
	n := int64(len(u.latencies))
	var sum time.Duration
	for _, l := range u.latencies {
		sum += l
	}
	wall := u.end.Sub(u.first)
	rate := float64(n-1) / u.last.Sub(u.first).Seconds()
	want := model.Scenario{
		Requests:     n,
		Wall:         wall,
		AchievedRate: rate,
		Throughput:   float64(u.codes["200"]) / wall.Seconds(),
		Success:      float64(u.codes["200"]) / float64(n),
		StatusCodes:  u.codes,
		BytesIn:      u.bytesIn,
		BytesOut:     u.bytesOut,
		Latency: model.Latency{
			Min: u.latencies[0], Max: u.latencies[n-1],
			Mean: time.Duration(math.Round(float64(sum) / float64(n))),
			P50:  rank(u.latencies, 50), P90: rank(u.latencies, 90), P95: rank(u.latencies, 95), P99: rank(u.latencies, 99),
		},
		// The delivery rule as documented: fewer than 99 % of the 40
		// scheduled requests, less one of slack, or a schedule lag beyond
		// 100 ms at p90 (under 100 requests).
		UnderDelivered: float64(n) < 0.99*40-1 || rank(u.lags, 90) > 100*time.Millisecond,
		Rate:           "40/s",
		RequestedRate:  40,
	}
	gotFigures := model.Scenario{
		Requests: got.Requests, Wall: got.Wall, AchievedRate: got.AchievedRate, Throughput: got.Throughput,
		Success: got.Success, StatusCodes: got.StatusCodes, BytesIn: got.BytesIn, BytesOut: got.BytesOut,
		Latency: got.Latency, UnderDelivered: got.UnderDelivered, Rate: got.Rate, RequestedRate: got.RequestedRate,
	}
	if diff := cmp.Diff(want, gotFigures); diff != "" {
		t.Errorf("merged figures differ from the union's (-union +merged):\n%s", diff)
	}
	if n < 36 || n > 44 || u.shards[0] == 0 || u.shards[1] == 0 {
		t.Errorf("union: %d requests, by shard %v; want ~40 from both", n, u.shards)
	}
	if u.latencies[n-1] < 15*time.Millisecond || got.Latency.P50 > 15*time.Millisecond {
		t.Errorf("latencies %v: the target's slow requests are not in the union", got.Latency)
	}
	if run.Shard != nil || !run.Pass || len(got.Criteria) != 6 || got.Checks[0].Passed != n {
		t.Errorf("merged run: shard %v pass %v criteria %+v checks %+v", run.Shard, run.Pass, got.Criteria, got.Checks)
	}
	// The merged raw results are the union, row for row, shard column kept.
	mu := readUnion(t, filepath.Join(merged, "ok.parquet"))
	if diff := cmp.Diff(u.shards, mu.shards); diff != "" {
		t.Errorf("merged raw rows by shard (-shards +merged):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(merged, report.HTMLFile)); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(merged, model.ShardFile)); err == nil {
		t.Error("the merged run directory has a shard marker")
	}
}

// TestOneShardMergeIsTheRun holds the merge to run's own arithmetic: the
// merge of a single shard (found through its parent directory) has the
// figures and verdicts the shard wrote itself.
func TestOneShardMergeIsTheRun(t *testing.T) {
	tg := newTarget(t)
	tg.delay.Store(int64(time.Millisecond))
	tg.slowPct.Store(3)
	dir := t.TempDir()
	sf := scenarioFile(t, dir, "ok", `  status: 200
  latency: { p95: 5ms }`)
	parent := filepath.Join(dir, "runs")
	shard := filepath.Join(parent, "shard-0")
	if code, out := execute(shardArgs(shard, "0/1", "--target", tg.URL, sf)...); code != exit.CodeFailed {
		t.Fatalf("shard: exit %d, want 1 (p95 fails)\n%s", code, out)
	}
	merged := filepath.Join(dir, "merged")
	if code, out := execute("report", parent, "--out", merged, "--format", "json"); code != exit.CodeFailed {
		t.Fatalf("report: exit %d, want 1 like run\n%s", code, out)
	}
	a, err := model.ReadRun(shard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.ReadRun(merged)
	if err != nil {
		t.Fatal(err)
	}
	a.Shard = nil
	if diff := cmp.Diff(a.Scenarios, b.Scenarios); diff != "" {
		t.Errorf("merge of one shard differs from the shard (-shard +merged):\n%s", diff)
	}
}

// writeShard writes a shard's run directory without raw results: enough
// for the merge's refusals, which come before any raw result is read.
func writeShard(t *testing.T, dir string, index, count int, scenarios []string, rate string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	run := &model.Run{Schema: model.SchemaRun, Target: "http://127.0.0.1:3000", Start: start, End: start.Add(time.Minute),
		Shard: &model.Shard{Index: index, Count: count}}
	m := &model.ShardMarker{Schema: model.SchemaShard, Index: index, Count: count, Fingerprint: "f" + strings.Join(scenarios, "") + rate}
	for _, name := range scenarios {
		run.Scenarios = append(run.Scenarios, &model.Scenario{Name: name, Raw: name + ".parquet", Expect: &model.Expect{Status: 200}})
		m.Scenarios = append(m.Scenarios, model.ShardScenario{Name: name, Rate: rate, Duration: time.Second})
	}
	if err := model.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	if err := model.WriteShardMarker(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReportMergeRefusals(t *testing.T) {
	dir := t.TempDir()
	ab := []string{"a", "b"}
	s0 := writeShard(t, filepath.Join(dir, "s0"), 0, 2, ab, "10/s")
	s1 := writeShard(t, filepath.Join(dir, "s1"), 1, 2, ab, "10/s")
	other := writeShard(t, filepath.Join(dir, "other"), 1, 2, []string{"a", "c"}, "10/s")
	faster := writeShard(t, filepath.Join(dir, "faster"), 1, 2, ab, "20/s")
	of3 := writeShard(t, filepath.Join(dir, "of3"), 1, 3, ab, "10/s")
	plain := writeTestRun(t, "plain", spread(21, time.Second), "200", true)
	tests := []struct {
		name string
		runs []string
		want string
	}{
		{"different scenario sets", []string{s0, other}, "ran scenarios [a b] but " + other + " ran [a c]"},
		{"different rates", []string{s0, faster}, "scenario a: " + s0 + " asked for 10/s for 1s but " + faster + " for 20/s for 1s"},
		{"missing shard", []string{writeShard(t, filepath.Join(dir, "first3"), 0, 3, ab, "10/s"), of3}, "shard 2 of 3 missing"},
		{"missing shards", []string{writeShard(t, filepath.Join(dir, "lone"), 1, 4, ab, "10/s"), writeShard(t, filepath.Join(dir, "lone3"), 3, 4, ab, "10/s")}, "shards 0, 2 of 4 missing"},
		{"duplicate index", []string{s0, s1, s1}, s1 + " and " + s1 + " are both shard 1 of 2"},
		{"shard counts", []string{s0, of3}, "is shard 0 of 2 but " + of3 + " is shard 1 of 3"},
		{"not a shard", []string{s0, plain}, plain + " is not a shard of a distributed run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged")
			args := append([]string{"report", "--out", out}, tt.runs...)
			code, text := execute(args...)
			if code != exit.CodeUsage || !strings.Contains(text, tt.want) {
				t.Errorf("exit %d, want 2 with %q; output:\n%s", code, tt.want, text)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a refused merge created its output directory")
			}
		})
	}
}

// TestRunShardFlag covers what run does with --shard besides the load: the
// exit 2 on a bad value, and the database probe left to shard 0.
func TestRunShardFlag(t *testing.T) {
	tg := newTarget(t)
	dir := t.TempDir()
	sf := scenarioFile(t, dir, "ok", "  status: 200")
	t.Run("bad value", func(t *testing.T) {
		code, out := execute(shardArgs(filepath.Join(dir, "bad"), "2/2", "--target", tg.URL, sf)...)
		if code != exit.CodeUsage || !strings.Contains(out, "shards are numbered 0 to 1") {
			t.Errorf("exit %d, want 2; output:\n%s", code, out)
		}
	})
	t.Run("probe left to shard 0", func(t *testing.T) {
		t.Setenv("JOB_COMPLETION_INDEX", "1")
		d := filepath.Join(dir, "s1")
		// The DSN is never opened: shard 1 drops it before probing.
		code, out := execute(shardArgs(d, "auto/2", "--target", tg.URL, "--rate", "10/s", "--duration", "200ms",
			"--db-probe", "postgres://nobody@127.0.0.1:1/none", sf)...)
		if code != exit.CodeOK || !strings.Contains(out, "--db-probe ignored on shard 1 of 2") {
			t.Fatalf("exit %d; output:\n%s", code, out)
		}
		run, err := model.ReadRun(d)
		if err != nil {
			t.Fatal(err)
		}
		if run.Shard == nil || run.Shard.Index != 1 || len(run.Warnings) != 1 || run.Scenarios[0].Rate != "10/2s" {
			t.Errorf("summary: shard %+v warnings %q rate %s", run.Shard, run.Warnings, run.Scenarios[0].Rate)
		}
	})
}
