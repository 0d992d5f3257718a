package compare

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var testStart = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// sample draws n seeded latencies uniformly within ±spread of median m.
func sample(seed uint64, n int, m time.Duration, spread float64) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 42))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = m + time.Duration((rng.Float64()*2-1)*spread*float64(m))
	}
	return out
}

// synth is a synthetic run: each scenario's summary computed from its
// latencies, the latencies kept for the injected loader.
type synth struct {
	run *model.Run
	lat map[string][]time.Duration
}

type synthScenario struct {
	name     string
	lat      []time.Duration
	codes    map[string]int64
	success  float64
	criteria []model.Criterion
	stmts    *float64
}

func newSynth(label string, scs ...synthScenario) synth {
	s := synth{run: &model.Run{Schema: model.SchemaRun, Tool: model.Tool{Name: "perfgate", Version: "test"},
		Target: "http://127.0.0.1:3000", Label: label, Start: testStart, End: testStart.Add(time.Minute), Pass: true},
		lat: map[string][]time.Duration{}}
	for _, sc := range scs {
		sorted := slices.Sorted(slices.Values(sc.lat))
		at := func(q float64) time.Duration { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
		pass := true
		for _, c := range sc.criteria {
			pass = pass && c.Pass
		}
		rs := &model.Scenario{Name: sc.name, Method: "POST", Requests: int64(len(sc.lat)), Success: sc.success,
			StatusCodes: sc.codes, Criteria: sc.criteria, Pass: pass, Raw: sc.name + ".parquet",
			Latency: model.Latency{Min: sorted[0], P50: at(0.5), P90: at(0.9), P95: at(0.95), P99: at(0.99), Max: sorted[len(sorted)-1]}}
		if sc.stmts != nil {
			rs.DB = &model.DB{StatementsPerRequest: *sc.stmts, StatementsAvailable: true, IndexesPresent: *sc.stmts <= 1}
		}
		s.run.Pass = s.run.Pass && pass
		s.run.Scenarios = append(s.run.Scenarios, rs)
		s.lat[sc.name] = sc.lat
	}
	return s
}

func (s synth) input(dir string) Input { return Input{Run: s.run, Dir: dir} }

// loader serves latencies from the synthetic runs by directory name.
func loader(runs map[string]synth) LatencyLoader {
	return func(dir string, sc *model.Scenario) ([]time.Duration, error) {
		l, ok := runs[dir].lat[sc.Name]
		if !ok {
			return nil, errors.New("open " + filepath.Join(dir, sc.Raw) + ": no such file or directory")
		}
		return l, nil
	}
}

// exact is n (odd) latencies evenly spread within ±spread of m, shuffled
// with a seed: the median is exactly m.
func exact(seed uint64, n int, m time.Duration, spread float64) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = m + time.Duration(spread*float64(m)*(2*float64(i)/float64(n-1)-1))
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func f(v float64) *float64 { return &v }

func ok200(n int64) map[string]int64 { return map[string]int64{"200": n} }

func crit(name string, pass bool) model.Criterion {
	return model.Criterion{Name: name, Want: "x", Observed: "y", Pass: pass}
}

// checklistRuns is the claim's story: scenario 1 from ~48.7 s to ~1.6 s,
// scenario 4 from 200 (the naive endpoint accepted userId: []) to 400.
func checklistRuns(afterMedian time.Duration) (synth, synth) {
	before := newSynth("before",
		synthScenario{name: "single-user-single-course", lat: exact(1, 31, 48700*time.Millisecond, 0.05), codes: ok200(31), success: 1,
			criteria: []model.Criterion{crit("status", true), crit("p95", false)}, stmts: f(112)},
		synthScenario{name: "empty-user-list", lat: sample(2, 30, 4*time.Millisecond, 0.2), codes: ok200(30), success: 0,
			criteria: []model.Criterion{crit("status", false)}, stmts: f(0)},
	)
	after := newSynth("after",
		synthScenario{name: "single-user-single-course", lat: exact(3, 31, afterMedian, 0.05), codes: ok200(31), success: 1,
			criteria: []model.Criterion{crit("status", true), crit("p95", afterMedian < 2*time.Second)}, stmts: f(1)},
		synthScenario{name: "empty-user-list", lat: sample(4, 30, 3*time.Millisecond, 0.2), codes: map[string]int64{"400": 30}, success: 1,
			criteria: []model.Criterion{crit("status", true)}, stmts: f(0)},
	)
	return before, after
}

func TestCompareClaim(t *testing.T) {
	claim := &Claim{Before: 50 * time.Second, After: 2 * time.Second}
	tests := []struct {
		name        string
		afterMedian time.Duration
		claim       *Claim
		pct         string
		wantPass    bool
		wantClaim   string
		wantFailure string
	}{
		{name: "reproduced", afterMedian: 1600 * time.Millisecond, claim: claim, wantPass: true,
			wantClaim: "claim reproduced: 48.7 s → 1.6 s (-96.7 %), claimed 50 s → 2 s (-96 %) at p50 of single-user-single-course; the measured before is 2.6 % below the claimed 50 s"},
		{name: "after too slow", afterMedian: 2400 * time.Millisecond, claim: claim,
			wantClaim:   "claim not reproduced: 48.7 s → 2.4 s (-95.1 %), claimed 50 s → 2 s (-96 %) at p50 of single-user-single-course: after 2.4 s is above the claimed 2 s; the improvement 95.1 % is below the claimed 96 %; the measured before is 2.6 % below the claimed 50 s",
			wantFailure: "after 2.4 s is above the claimed 2 s"},
		{name: "improvement too small", afterMedian: 1600 * time.Millisecond, claim: &Claim{Before: time.Minute, After: 1700 * time.Millisecond}, pct: "p50",
			wantClaim: "claim not reproduced: 48.7 s → 1.6 s (-96.7 %), claimed 60 s → 1.7 s (-97.2 %) at p50 of single-user-single-course: the improvement 96.7 % is below the claimed 97.2 %; the measured before is 18.8 % below the claimed 60 s"},
		{name: "no claim", afterMedian: 1600 * time.Millisecond, wantPass: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := checklistRuns(tt.afterMedian)
			runs := map[string]synth{"b": before, "a": after}
			res, err := Compare(before.input("b"), after.input("a"), Options{Claim: tt.claim, ClaimPercentile: tt.pct, Latencies: loader(runs)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Pass != tt.wantPass {
				t.Errorf("Pass = %v, want %v; failures: %q", res.Pass, tt.wantPass, res.Failures)
			}
			if tt.claim == nil {
				if res.Claim != nil {
					t.Errorf("Claim = %+v without --claim", res.Claim)
				}
				return
			}
			if res.Claim.Text != tt.wantClaim {
				t.Errorf("claim text\n got: %s\nwant: %s", res.Claim.Text, tt.wantClaim)
			}
			if tt.wantFailure != "" && !strings.Contains(strings.Join(res.Failures, "\n"), tt.wantFailure) {
				t.Errorf("failures %q lack %q", res.Failures, tt.wantFailure)
			}
			// Scenario 4: 200 → 400 is a behaviour change, not an error-rate rise.
			s4 := res.Scenarios[1]
			if !s4.StatusChanged || s4.ErrorsRose {
				t.Errorf("empty-user-list: StatusChanged=%v ErrorsRose=%v, want true, false", s4.StatusChanged, s4.ErrorsRose)
			}
		})
	}
}

func TestCompareSignificance(t *testing.T) {
	base := sample(10, 200, 100*time.Millisecond, 0.2)
	tests := []struct {
		name            string
		after           []time.Duration
		wantSignificant bool
		wantRegressed   bool
		wantDelta       string
	}{
		{name: "significant improvement", after: sample(11, 200, 60*time.Millisecond, 0.2), wantSignificant: true, wantDelta: "-4"},
		{name: "not significant", after: sample(12, 200, 100*time.Millisecond, 0.2), wantDelta: "~"},
		{name: "regression", after: sample(13, 200, 130*time.Millisecond, 0.2), wantSignificant: true, wantRegressed: true, wantDelta: "+3"},
		{name: "small significant regression within allowance", after: sample(14, 5000, 104*time.Millisecond, 0.2), wantSignificant: true, wantDelta: "+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bl := base
			if len(tt.after) == 5000 {
				bl = sample(15, 5000, 100*time.Millisecond, 0.2)
			}
			before := newSynth("before", synthScenario{name: "s", lat: bl, codes: ok200(int64(len(bl))), success: 1})
			after := newSynth("after", synthScenario{name: "s", lat: tt.after, codes: ok200(int64(len(tt.after))), success: 1})
			res, err := Compare(before.input("b"), after.input("a"), Options{Latencies: loader(map[string]synth{"b": before, "a": after})})
			if err != nil {
				t.Fatal(err)
			}
			d := res.Scenarios[0]
			if d.Significance == nil {
				t.Fatal("significance unknown with raw results")
			}
			if d.Significance.Significant != tt.wantSignificant {
				t.Errorf("Significant = %v (%s), want %v", d.Significance.Significant, d.Significance, tt.wantSignificant)
			}
			if d.Regressed != tt.wantRegressed || res.Pass == tt.wantRegressed {
				t.Errorf("Regressed = %v, Pass = %v, want regressed %v", d.Regressed, res.Pass, tt.wantRegressed)
			}
			if got := delta(d.row("p50"), d.Significance); !strings.HasPrefix(got, tt.wantDelta) {
				t.Errorf("p50 change = %q, want prefix %q", got, tt.wantDelta)
			}
		})
	}
}

func TestCompareGate(t *testing.T) {
	lat := sample(20, 50, 100*time.Millisecond, 0.1)
	tests := []struct {
		name          string
		before, after synthScenario
		wantFailures  []string
	}{
		{name: "criterion newly failing",
			before:       synthScenario{name: "s", lat: lat, codes: ok200(50), success: 1, criteria: []model.Criterion{crit("checks", true)}},
			after:        synthScenario{name: "s", lat: lat, codes: ok200(50), success: 1, criteria: []model.Criterion{crit("checks", false)}},
			wantFailures: []string{"scenario s: criterion checks passed before and fails after"}},
		{name: "error rate rises",
			before:       synthScenario{name: "s", lat: lat, codes: ok200(50), success: 1},
			after:        synthScenario{name: "s", lat: lat, codes: ok200(50), success: 0.96},
			wantFailures: []string{"scenario s: error rate rose from 0% to 4%"}},
		{name: "status change that fails its criteria still counts",
			before:       synthScenario{name: "s", lat: lat, codes: ok200(50), success: 1},
			after:        synthScenario{name: "s", lat: lat, codes: map[string]int64{"500": 50}, success: 0, criteria: []model.Criterion{crit("status", false)}},
			wantFailures: []string{"scenario s: error rate rose from 0% to 100%"}},
		{name: "unchanged", before: synthScenario{name: "s", lat: lat, codes: ok200(50), success: 1},
			after: synthScenario{name: "s", lat: lat, codes: ok200(50), success: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := newSynth("b", tt.before), newSynth("a", tt.after)
			res, err := Compare(before.input("b"), after.input("a"), Options{Latencies: loader(map[string]synth{"b": before, "a": after})})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFailures, res.Failures); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			if res.Pass != (len(tt.wantFailures) == 0) {
				t.Errorf("Pass = %v with failures %q", res.Pass, res.Failures)
			}
		})
	}
}

func TestCompareMissingRawAndScenarios(t *testing.T) {
	before, after := checklistRuns(1600 * time.Millisecond)
	extra := newSynth("x", synthScenario{name: "only-after", lat: sample(30, 5, time.Millisecond, 0.1), codes: ok200(5), success: 1})
	after.run.Scenarios = append(after.run.Scenarios, extra.run.Scenarios[0])
	// Only the after run's raw results exist.
	res, err := Compare(before.input("b"), after.input("a"), Options{Latencies: loader(map[string]synth{"a": after})})
	if err != nil {
		t.Fatal(err)
	}
	if res.Scenarios[0].Significance != nil {
		t.Error("significance known without the before raw results")
	}
	want := []string{
		"scenario only-after is only in the after run: not compared",
		"scenario single-user-single-course: before raw results missing (open b/single-user-single-course.parquet: no such file or directory): significance unknown",
		"scenario empty-user-list: before raw results missing (open b/empty-user-list.parquet: no such file or directory): significance unknown",
	}
	if diff := cmp.Diff(want, res.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := Text(&buf, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "(no raw results)") || !strings.Contains(buf.String(), "-96.") {
		t.Errorf("text output does not mark unknown significance:\n%s", buf.String())
	}

	none := newSynth("n", synthScenario{name: "other", lat: sample(31, 5, time.Millisecond, 0.1), codes: ok200(5), success: 1})
	if _, err := Compare(before.input("b"), none.input("n"), Options{}); err == nil || !strings.Contains(err.Error(), "no scenario in common") {
		t.Errorf("Compare with disjoint runs: error = %v", err)
	}
	if _, err := Compare(before.input("b"), after.input("a"), Options{Claim: &Claim{Before: time.Minute, After: time.Second}, ClaimScenario: "nope"}); err == nil {
		t.Error("Compare accepted an unknown claim scenario")
	}
}

func TestParseClaim(t *testing.T) {
	tests := []struct {
		in      string
		want    Claim
		wantErr bool
	}{
		{in: "50s:2s", want: Claim{50 * time.Second, 2 * time.Second}},
		{in: "1m:1500ms", want: Claim{time.Minute, 1500 * time.Millisecond}},
		{in: "50s", wantErr: true},
		{in: "2s:50s", wantErr: true},
		{in: "50:2", wantErr: true},
		{in: "0s:0s", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseClaim(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseClaim(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseClaim(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	before, after := checklistRuns(1600 * time.Millisecond)
	res, err := Compare(before.input("b"), after.input("a"), Options{Claim: &Claim{50 * time.Second, 2 * time.Second},
		Latencies: loader(map[string]synth{"b": before, "a": after})})
	if err != nil {
		t.Fatal(err)
	}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"compare.txt":  func(b *bytes.Buffer) error { return Text(b, res) },
		"compare.md":   func(b *bytes.Buffer) error { return Markdown(b, res) },
		"compare.json": func(b *bytes.Buffer) error { return JSON(b, res) },
		"compare.html": func(b *bytes.Buffer) error { return HTML(b, res) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
			}
		})
	}
}
