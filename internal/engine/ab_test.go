package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// The drifting machine of the A/B tests: a run of abPairs pairs of
// abBlockLen blocks at abRate sends abTotal requests, and the k-th request
// the machine serves, whichever version it goes to, takes abBase ×
// (1 + abDrift·k/abTotal): a machine that slows down by 80 % over the
// run, as a shared CI runner does when a neighbour starts. Drift by
// request count rather than by clock keeps the simulated part exact on a
// busy machine; what the real machine adds (scheduling, the -race
// detector) is drift of its own, which the pairs must cancel as well.
const (
	abRate     = 160
	abBlockLen = 250 * time.Millisecond
	abPairs    = 8
	abTotal    = 2 * abPairs * abRate / 4 // 2 blocks per pair, 40 requests per block
	abBase     = 25 * time.Millisecond
	abDrift    = 0.8
	abChange   = 1.10
)

// driftingVersions starts the two versions of the simulated service on
// one drifting machine; after's latency is change × before's.
func driftingVersions(t *testing.T, change float64) (before, after *httptest.Server) {
	t.Helper()
	var served atomic.Int64
	serve := func(factor float64) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				return
			}
			k := min(served.Add(1), abTotal)
			time.Sleep(time.Duration(float64(abBase) * factor * (1 + abDrift*float64(k)/abTotal)))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	return serve(1), serve(change)
}

// abScenarioFile writes the scenario both versions are measured with.
func abScenarioFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "drift.yaml")
	if err := os.WriteFile(path, []byte("name: drift\nrequest:\n  method: GET\n  path: /x\nload:\n  rate: 160/s\n  duration: 2s\nexpect:\n  status: 200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAB runs perfgate ab on the two versions and returns its result and
// the two run directories.
func runAB(t *testing.T, file string, before, after *httptest.Server) (*ABResult, string, string) {
	t.Helper()
	pairs, err := PlanAB([]string{file}, Overrides{}, before.URL, after.URL)
	if err != nil {
		t.Fatal(err)
	}
	bd, ad := filepath.Join(t.TempDir(), "before"), filepath.Join(t.TempDir(), "after")
	for _, d := range []string{bd, ad} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	res, err := AB(context.Background(), pairs, ABOptions{Rounds: abPairs, Block: abBlockLen, BeforeDir: bd, AfterDir: ad,
		Before: before.URL, After: after.URL, MinEffect: time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	for dir, run := range map[string]*model.Run{bd: res.Before, ad: res.After} {
		if err := model.WriteRun(dir, run); err != nil {
			t.Fatal(err)
		}
	}
	return res, bd, ad
}

// row returns the paired row of percentile name.
func row(t *testing.T, s *model.ABScenario, name string) model.ABRow {
	t.Helper()
	for _, r := range s.Rows {
		if r.Percentile == name {
			return r
		}
	}
	t.Fatalf("no row %s in %+v", name, s.Rows)
	return model.ABRow{}
}

// TestABCancelsDrift is issue 15 item 4's proof on a real attack: on a
// machine whose latency drifts by 80 % over the run, two identical
// versions measured one after the other compare as a regression; measured
// by perfgate ab they do not; and a real 10 % slowdown of the after
// version is still found, near 10 %.
func TestABCancelsDrift(t *testing.T) {
	file := abScenarioFile(t)

	t.Run("sequential runs report a false difference", func(t *testing.T) {
		before, after := driftingVersions(t, 1)
		var dirs [2]string
		for i, srv := range []*httptest.Server{before, after} {
			ps, err := Plan([]string{file}, Overrides{}, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			dirs[i] = t.TempDir()
			run, err := Run(context.Background(), ps, RunOptions{Dir: dirs[i], Target: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if err := model.WriteRun(dirs[i], run); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := compare.Load(dirs[0])
		a, _ := compare.Load(dirs[1])
		res, err := compare.Compare(b, a, compare.Options{Latencies: compare.RawLatencies(load.ReadLatencies)})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("sequential: p50 %s → %s; compare's gate: %q", b.Run.Scenarios[0].Latency.P50, a.Run.Scenarios[0].Latency.P50, res.Failures)
		if res.Pass {
			t.Errorf("compare of identical versions run one after the other passed: the drift went unseen, so this test proves nothing")
		}
	})

	t.Run("ab reports no difference", func(t *testing.T) {
		before, after := driftingVersions(t, 1)
		res, bd, ad := runAB(t, file, before, after)
		s := res.AB.Scenarios[0]
		p50 := row(t, s, "p50")
		t.Logf("ab, identical: p50 after/before %.3f [%.3f, %.3f] over %d pairs; gate %s", p50.Paired.Ratio.Value, p50.Paired.Ratio.Lo, p50.Paired.Ratio.Hi, p50.Paired.Pairs, s.Gate)
		if !res.AB.Pass || s.Regressed || s.Gate != "p90" {
			t.Errorf("ab of identical versions: pass %v, regressed %v, gate %q; failures %q", res.AB.Pass, s.Regressed, s.Gate, res.AB.Failures)
		}
		if p50.Paired.Pairs != abPairs || p50.Paired.Outcome == metrics.Slower || p50.Paired.Ratio.Value > 1.05 || p50.Paired.Ratio.Value < 0.95 {
			t.Errorf("p50 %+v: want about 1 over %d pairs", p50.Paired, abPairs)
		}
		if p95 := row(t, s, "p95"); p95.Note == "" || !strings.Contains(p95.Note, "too few for p95") {
			t.Errorf("p95 of 40-request blocks: note %q, want too few", p95.Note)
		}
		if len(s.Blocks) != 2*abPairs || s.Blocks[0].Side != SideBefore || s.Blocks[1].Side != SideAfter ||
			s.Blocks[2].Side != SideAfter || s.Blocks[3].Side != SideBefore {
			t.Errorf("blocks %+v: want %d in ABBA order", s.Blocks, 2*abPairs)
		}
		// Both versions' runs are normal run directories that compare reads.
		b, err := compare.Load(bd)
		if err != nil {
			t.Fatal(err)
		}
		a, err := compare.Load(ad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := compare.Compare(b, a, compare.Options{Latencies: compare.RawLatencies(load.ReadLatencies)}); err != nil {
			t.Fatal(err)
		}
		// Compare is the same comparison, of the runs in memory.
		both, err := res.Compare(bd, ad, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		if len(both.Scenarios) != 1 || both.Before.Label != res.Before.Label || both.After.Label != res.After.Label {
			t.Errorf("comparison of the two runs: %d scenarios, labels %q and %q", len(both.Scenarios), both.Before.Label, both.After.Label)
		}
		sb := res.Before.Scenarios[0]
		if sb.Requests < abPairs*30 || sb.UnderDelivered || sb.AchievedRate < 0.95*abRate || sb.Duration != abPairs*abBlockLen {
			t.Errorf("before's run: %d requests at %.1f/s over %s, under-delivered %v; want its blocks' figures", sb.Requests, sb.AchievedRate, sb.Duration, sb.UnderDelivered)
		}
	})

	t.Run("ab finds a real 10 % slowdown", func(t *testing.T) {
		before, after := driftingVersions(t, abChange)
		res, _, _ := runAB(t, file, before, after)
		p50 := row(t, res.AB.Scenarios[0], "p50")
		t.Logf("ab, after 10 %% slower: p50 after/before %.3f [%.3f, %.3f]", p50.Paired.Ratio.Value, p50.Paired.Ratio.Lo, p50.Paired.Ratio.Hi)
		if p50.Paired.Outcome != metrics.Slower || p50.Paired.Ratio.Value < 1.05 || p50.Paired.Ratio.Value > 1.15 {
			t.Errorf("p50 %+v: want slower by about 10 %%", p50.Paired)
		}
	})
}

// TestCreateABDir: the A/B run's directory holds the two versions' run
// directories, each locked until Close; one that cannot be created leaves
// nothing locked.
func TestCreateABDir(t *testing.T) {
	t.Chdir(t.TempDir())
	now := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	d, err := CreateABDir("", "pr", now)
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{d.Path, d.Before.Path, d.After.Path}
	want := []string{"reports/20261130T120000Z-ab-pr", "reports/20261130T120000Z-ab-pr/before", "reports/20261130T120000Z-ab-pr/after"}
	for i, dir := range dirs {
		if dir != want[i] {
			t.Errorf("directory %d: %s, want %s", i, dir, want[i])
		}
		if _, err := os.Stat(filepath.Join(dir, LockFile)); err != nil {
			t.Errorf("%s is not locked: %v", dir, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
			t.Errorf("%s stays locked after Close: %v", dir, err)
		}
	}
	if d, err := CreateABDir("", "", now); err != nil || d.Path != "reports/20261130T120000Z-ab" {
		t.Errorf("without a label: %v, %v", d, err)
	} else {
		d.Close()
	}

	// after/ is taken by a file of the user's.
	out := filepath.Join(t.TempDir(), "ab")
	if err := os.MkdirAll(filepath.Join(out, SideAfter), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, SideAfter, "notes.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateABDir(out, "", now); err == nil || !strings.Contains(err.Error(), "holds files perfgate did not write") {
		t.Fatalf("err %v, want after/ refused", err)
	}
	for _, dir := range []string{out, filepath.Join(out, SideBefore)} {
		if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
			t.Errorf("%s stays locked after a failed CreateABDir: %v", dir, err)
		}
	}
}

// TestPreflightAB: both versions must answer before either gets load.
func TestPreflightAB(t *testing.T) {
	file := abScenarioFile(t)
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(up.Close)
	down := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	downURL := down.URL
	down.Close()
	for _, tt := range []struct {
		name          string
		before, after string
		wantCode      int
	}{
		{"both up", up.URL, up.URL, exit.CodeOK},
		{"before down", downURL, up.URL, exit.CodeUnavailable},
		{"after down", up.URL, downURL, exit.CodeUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pairs, err := PlanAB([]string{file}, Overrides{}, tt.before, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if err := PreflightAB(context.Background(), pairs, nil); exit.Code(err) != tt.wantCode {
				t.Errorf("err %v (exit %d), want exit %d", err, exit.Code(err), tt.wantCode)
			}
		})
	}
}

// TestABValidate: the rounds and block a user asks for, and
// --max-regression, with every refusal's message (exit 2).
func TestABValidate(t *testing.T) {
	for _, tt := range []struct {
		rounds  int
		block   time.Duration
		wantErr string
	}{
		{rounds: 2, block: time.Second},
		{rounds: DefaultABRounds, block: DefaultABBlock},
		{rounds: 1, block: time.Second, wantErr: "--rounds 1: give at least 2 pairs of blocks (an interval needs two), 10 by default"},
		{rounds: 0, block: time.Second, wantErr: "--rounds 0: give at least 2 pairs of blocks (an interval needs two), 10 by default"},
		{rounds: 2, block: 0, wantErr: "--block must be a positive duration, such as 3s"},
		{rounds: 2, block: -time.Second, wantErr: "--block must be a positive duration, such as 3s"},
	} {
		err := ABOptions{Rounds: tt.rounds, Block: tt.block}.Validate()
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr || exit.Code(err) != exit.CodeUsage) {
			t.Errorf("rounds %d, block %s: error %v (exit %d), want %q", tt.rounds, tt.block, err, exit.Code(err), tt.wantErr)
		}
	}

}

// TestExecuteAB follows an A/B run from plan to written directory: the
// options checked and both versions tried before anything is created,
// both versions' runs written before the caller's Write, an interrupt.
func TestExecuteAB(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(file, []byte("name: s\nrequest:\n  method: GET\n  path: /x\nload:\n  rate: 50/s\nexpect:\n  status: 200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// onLoad is called on each request that is not a preflight.
	var onLoad atomic.Pointer[func()]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := onLoad.Load(); f != nil && r.Method != http.MethodHead {
			(*f)()
		}
	}))
	t.Cleanup(srv.Close)
	pairs, err := PlanAB([]string{file}, Overrides{}, srv.URL, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	options := func(out string) ExecuteABOptions {
		return ExecuteABOptions{Out: out, AB: ABOptions{Rounds: 2, Block: 200 * time.Millisecond, Before: srv.URL, After: srv.URL}}
	}
	// written lists the files of both versions' runs Write finds.
	written := func(d *ABDir) []string {
		var found []string
		for _, dir := range []string{d.Before.Path, d.After.Path} {
			if _, err := os.Stat(filepath.Join(dir, model.SummaryFile)); err == nil {
				found = append(found, filepath.Join(dir, model.SummaryFile))
			}
		}
		return found
	}

	t.Run("written", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "ab")
		o := options(out)
		var found []string
		o.Write = func(d *ABDir, res *ABResult) error {
			if d.Path != out || len(res.AB.Scenarios) != 1 {
				t.Errorf("write into %s of %d scenarios, want %s and one", d.Path, len(res.AB.Scenarios), out)
			}
			found = written(d)
			return nil
		}
		res, err := ExecuteAB(context.Background(), pairs, o)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{filepath.Join(out, SideBefore, model.SummaryFile), filepath.Join(out, SideAfter, model.SummaryFile)}
		if !slices.Equal(found, want) {
			t.Errorf("Write found %q, want both versions' runs written first: %q", found, want)
		}
		b, err := model.ReadRun(filepath.Join(out, SideBefore))
		if err != nil || b.Label != SideBefore || b.Incomplete != "" || len(res.AB.Scenarios[0].Blocks) != 4 {
			t.Errorf("before's run %+v, %v; %d blocks", b, err, len(res.AB.Scenarios[0].Blocks))
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := func() { cancel() }
		onLoad.Store(&f)
		defer onLoad.Store(nil)
		out := filepath.Join(t.TempDir(), "ab")
		o := options(out)
		writes := 0
		o.Write = func(*ABDir, *ABResult) error { writes++; return nil }
		res, err := ExecuteAB(ctx, pairs, o)
		if exit.Code(err) != exit.CodeUnavailable || err.Error() != "interrupted: the blocks measured so far are in "+out {
			t.Errorf("error %v (exit %d), want exit 3 saying where the blocks are", err, exit.Code(err))
		}
		if res == nil || !res.AB.Interrupted || res.AB.Pass || writes != 1 {
			t.Fatalf("result %+v, %d writes; want the interrupted run, written", res, writes)
		}
		if b, err := model.ReadRun(filepath.Join(out, SideBefore)); err != nil || !b.Interrupted {
			t.Errorf("before's run %+v, %v; want it written, interrupted", b, err)
		}
	})

	t.Run("refused before anything is created", func(t *testing.T) {
		dead := deadURL()
		deadPairs, err := PlanAB([]string{file}, Overrides{}, srv.URL, dead)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name     string
			pairs    []ABPair
			rounds   int
			wantCode int
		}{
			{"one round", pairs, 1, exit.CodeUsage},
			{"after unreachable", deadPairs, 2, exit.CodeUnavailable},
		} {
			out := filepath.Join(t.TempDir(), "ab")
			o := options(out)
			o.AB.Rounds = tt.rounds
			if res, err := ExecuteAB(context.Background(), tt.pairs, o); exit.Code(err) != tt.wantCode || res != nil {
				t.Errorf("%s: result %+v, error %v (exit %d); want exit %d", tt.name, res, err, exit.Code(err), tt.wantCode)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s: %s created: %v", tt.name, out, err)
			}
		}
	})

	t.Run("error of Write", func(t *testing.T) {
		boom := errors.New("boom")
		o := options(filepath.Join(t.TempDir(), "ab"))
		o.Write = func(*ABDir, *ABResult) error { return boom }
		if res, err := ExecuteAB(context.Background(), pairs, o); !errors.Is(err, boom) || res != nil {
			t.Errorf("result %+v, error %v; want %v", res, err, boom)
		}
	})
}
