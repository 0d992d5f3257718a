package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// testExplore is how many generated requests the test's diff sends: the
// default's 150 would take 10 s under the race detector for nothing the
// diff's own tests do not prove.
const testExplore = 30

// TestDemoTiny runs the whole demo at tiny scale and checks the files and
// the verdicts it produces.
func TestDemoTiny(t *testing.T) {
	// Most of its minute is waiting on one request at a time: the
	// package's other tests run meanwhile.
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	var out, errOut bytes.Buffer
	res, err := Run(context.Background(), Options{
		Paths:    []string{filepath.Join("..", "..", "scenarios")},
		Scale:    "tiny",
		Seed:     1,
		Dir:      dir,
		Duration: 500 * time.Millisecond,
		Explore:  testExplore,
		// Enough for a p50 everywhere (6 requests, whatever they cost), a
		// p99 of the after's scenarios (368 of a few milliseconds) and what
		// a short budget affords of the before's.
		SampleBudget: 10 * time.Second,
		// At tiny scale the original takes a few hundred milliseconds, and
		// under the race detector the in-process endpoint is slower: state
		// a claim of that size (90 %) rather than the checklist's 96 %.
		Claim: "1s:100ms",
		Log:   &errOut,
	}, &out)
	if err != nil || !res.OK {
		t.Fatalf("demo: %v (ok %v)\nstdout:\n%s\nstderr:\n%s", err, res != nil && res.OK, out.String(), errOut.String())
	}
	for _, f := range []string{
		"fixtures.json", "indexes.txt", "diff.txt", "diff.json", "compare.txt", "compare.md", "compare.json", "compare.html",
		"before/summary.json", "before/report.html", "before/junit.xml", "before/summary.md",
		"before/single-user-single-course.parquet", "after/summary.json", "after/report.html",
	} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	before, err := model.ReadRun(filepath.Join(dir, "before"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := model.ReadRun(filepath.Join(dir, "after"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.Pass {
		t.Errorf("the after run failed its criteria")
	}
	// Every run records where it measured, how plans were captured, and
	// keeps the raw plans beside its summary.
	for name, run := range map[string]*model.Run{"before": before, "after": after} {
		env := run.Environment
		if env == nil || env.Host.CPUs == 0 || env.Database == nil || env.Statistics == nil ||
			env.Plans == nil || env.Plans.Mode != model.PlanCapturePass || env.Service == nil || !env.Service.InPerfgate {
			t.Errorf("%s: environment %+v", name, env)
		}
		if _, err := model.ReadPlans(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Before: the original loop answers the invalid request with 200, and
	// costs one statement per content.
	b1 := findScenario(before, "single-user-single-course")
	if b1 == nil || b1.DB == nil || b1.DB.StatementsPerRequest < 100 {
		t.Errorf("before, scenario 1: %+v", b1)
	}
	if inv := findScenario(before, "invalid-input"); inv == nil || inv.Pass || inv.StatusCodes["200"] == 0 {
		t.Errorf("before, invalid-input should answer 200 and fail: %+v", inv)
	}
	a1 := findScenario(after, "single-user-single-course")
	if a1 == nil || a1.DB == nil || a1.DB.StatementsPerRequest != 1 || !a1.DB.IndexesPresent {
		t.Errorf("after, scenario 1: %+v", a1)
	}
	if a1.Latency.P50*10 > b1.Latency.P50 {
		t.Errorf("speed-up under 10×: p50 %v → %v", b1.Latency.P50, a1.Latency.P50)
	}
	var cmp struct {
		Claim struct {
			Holds   bool
			Outcome string
		} `json:"claim"`
		Headline  string
		Scenarios []struct {
			Name string
			Rows []struct {
				Percentile string
				Judged     bool
				Outcome    string
			}
		}
		Functional []struct{ Name, Status string } `json:"functional_verification"`
		Why        *struct {
			Scenarios []struct {
				PlanChanges []struct{ Table string } `json:"plan_changes"`
			} `json:"scenarios"`
		} `json:"why"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "compare.json"))
	if err := json.Unmarshal(data, &cmp); err != nil || !cmp.Claim.Holds {
		t.Errorf("compare.json: claim %s (%v)", cmp.Claim.Outcome, err)
	}
	// The demo collects enough requests for every row it shows.
	for _, sc := range cmp.Scenarios {
		for _, r := range sc.Rows {
			if r.Judged && r.Outcome == "inconclusive" {
				t.Errorf("compare.json: %s %s inconclusive", sc.Name, r.Percentile)
			}
		}
	}
	if before.Scenarios[1].Requests < DefaultMinRequests {
		t.Errorf("before, multi-user-multi-course: %d requests, want at least %d", before.Scenarios[1].Requests, DefaultMinRequests)
	}
	// The demo's own diff fills the comparison's functional verification:
	// format, data and edge cases verified; the logs are not read.
	var states []string
	for _, f := range cmp.Functional {
		states = append(states, f.Status)
	}
	if want := []string{"pass", "pass", "pass", "not measured"}; strings.Join(states, ",") != strings.Join(want, ",") {
		t.Errorf("compare.json functional verification %+v, want statuses %v", cmp.Functional, want)
	}
	// It explores like perfgate diff's defaults, and says how much.
	rep, err := diffreport.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Explored != testExplore || !rep.Pass || rep.Requests != rep.Explored+4 {
		t.Errorf("diff.json: %d explored of %d requests, pass %v; want %d explored besides the 4 scenarios, pass", rep.Explored, rep.Requests, rep.Pass, testExplore)
	}
	if cmp.Why == nil || len(cmp.Why.Scenarios) == 0 || len(cmp.Why.Scenarios[0].PlanChanges) == 0 {
		t.Errorf("compare.json: no plan change explains scenario 1: %+v", cmp.Why)
	}
	diff, _ := os.ReadFile(filepath.Join(dir, "diff.txt"))
	if !strings.Contains(string(diff), "explored), 0 differences") || !strings.Contains(string(diff), "expected status change 200 → 400") {
		t.Errorf("diff.txt:\n%s", diff)
	}
	// Nothing says the claim is reproduced before it is measured.
	if first, _, _ := strings.Cut(out.String(), "5. diff"); strings.Contains(first, "reproduced") {
		t.Errorf("the demo speaks of the claim's verdict before measuring it:\n%s", first)
	}
	for _, want := range []string{"claim reproduced", "Success criteria", "101 → 1", "behaviour change: 200 → 400 (expects 400)", "demo succeeded",
		"sampling single-user-single-course: ", "compare: " + cmp.Headline,
		fmt.Sprintf("%d requests compared, %d of them explored", testExplore+4, testExplore)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("final screen lacks %q:\n%s", want, out.String())
		}
	}
	if os.Getenv("PERFGATE_DEMO_OUT") != "" {
		t.Log(out.String())
		t.Logf("before %s → %s, after %s → %s", before.Start, before.End, after.Start, after.End)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr not quiet: %s", errOut.String())
	}
}

// TestRunUsage: bad options are usage errors that name the flag, before
// anything starts or is written.
func TestRunUsage(t *testing.T) {
	good := Options{Scale: DefaultScale, Duration: DefaultDuration, Claim: DefaultClaim}
	for _, tt := range []struct {
		name string
		o    func(*Options)
		want string
	}{
		{"no claim", func(o *Options) { o.Claim = "" }, `--claim: claim "": want BEFORE:AFTER, e.g. 50s:2s`},
		{"claim not an improvement", func(o *Options) { o.Claim = "1s:2s" }, `--claim: claim "1s:2s": after must be below before`},
		{"claim before the scale", func(o *Options) { o.Claim, o.Scale = "fast", "huge" }, "--claim: "},
		{"unknown scale", func(o *Options) { o.Scale = "huge" }, `--scale "huge": use one of tiny, demo, claim`},
		{"no duration", func(o *Options) { o.Duration = 0 }, "--duration must be positive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			o.Dir = filepath.Join(t.TempDir(), "demo")
			tt.o(&o)
			var out bytes.Buffer
			_, err := Run(context.Background(), o, &out)
			if exit.Code(err) != exit.CodeUsage || !strings.Contains(fmt.Sprint(err), tt.want) {
				t.Errorf("error %v (exit %d), want exit %d and %q", err, exit.Code(err), exit.CodeUsage, tt.want)
			}
			if _, serr := os.Stat(o.Dir); out.Len() != 0 || serr == nil {
				t.Errorf("a usage error started the demo: stdout %q, %s exists: %v", out.String(), o.Dir, serr == nil)
			}
		})
	}
}

// TestSampleSize: the demo collects what the largest percentile its
// budget affords needs, and never fewer than the minimum, whatever that
// costs (the claim's median at claim scale).
func TestSampleSize(t *testing.T) {
	o := Options{Duration: DefaultDuration, SampleBudget: DefaultSampleBudget, MinRequests: DefaultMinRequests}
	ms := time.Millisecond
	for _, tt := range []struct {
		lat     time.Duration
		n       int
		atLeast time.Duration
		atMost  time.Duration
		affords string
	}{
		{lat: 240 * time.Microsecond, n: 368, atLeast: DefaultDuration, atMost: DefaultDuration, affords: "p99"},
		{lat: 16 * ms, n: 368, atLeast: 9 * time.Second, atMost: 10 * time.Second, affords: "p99"},
		{lat: 189 * ms, n: 72, atLeast: 17 * time.Second, atMost: 18 * time.Second, affords: "p95"},
		{lat: 8 * ms, n: 368, atLeast: 4 * time.Second, atMost: 5 * time.Second, affords: "p99"},
		{lat: 573 * ms, n: 36, atLeast: 26 * time.Second, atMost: 27 * time.Second, affords: "p90"},
		{lat: 725 * ms, n: 6, atLeast: DefaultDuration, atMost: 6 * time.Second},
		{lat: 46 * time.Second, n: 6, atLeast: 5 * time.Minute, atMost: 6 * time.Minute},
	} {
		n, d, name := sampleSize(tt.lat, o)
		if n != tt.n || d < tt.atLeast || d > tt.atMost || name != tt.affords {
			t.Errorf("%v per request: %d requests in %v (%q), want %d in [%v, %v] (%q)", tt.lat, n, d, name, tt.n, tt.atLeast, tt.atMost, tt.affords)
		}
		// One request at a time, a request starts while d lasts: even 25 %
		// slower than timed (35 % for a fast one), n of them start.
		slower := 1.25
		if tt.lat < 100*ms {
			slower = 1.35
		}
		if started := int(math.Ceil(float64(d) / (slower * float64(tt.lat)))); started < n {
			t.Errorf("%v per request: %v starts %d requests %v× slower, want %d", tt.lat, d, started, slower, n)
		}
	}
}
