package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// writeTestRun writes a one-scenario run whose latencies are lat (the
// summary's figures computed from them) into a new dir, with its raw
// results file.
func writeTestRun(t *testing.T, label string, lat []time.Duration, code string, pass bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), label)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	status, err := strconv.Atoi(code)
	if err != nil {
		t.Fatal(err)
	}
	w, err := load.CreateRaw(filepath.Join(dir, "single-user-single-course.parquet"), load.ExpectStatus(status))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range lat {
		sent := start.Add(time.Duration(i) * time.Second)
		if err := w.Write(&load.Result{Seq: uint64(i), Intended: sent, Timestamp: sent, Latency: l, Code: uint16(status)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sc := &model.Scenario{Name: "single-user-single-course", Method: "POST", Requests: int64(len(lat)), Success: 1,
		StatusCodes: map[string]int64{code: int64(len(lat))}, Raw: "single-user-single-course.parquet", Pass: pass,
		Expect:   &model.Expect{Status: status},
		Criteria: []model.Criterion{{Name: "p95", Want: "< 2s", Observed: "x", Pass: pass}},
		Latency:  metrics.Summarize(slices.Clone(lat))}
	run := &model.Run{Schema: model.SchemaRun, Tool: model.Tool{Name: "perfgate", Version: "test"}, Target: "http://127.0.0.1:3000",
		Label: label, Start: start, End: start.Add(time.Minute), Pass: pass, Scenarios: []*model.Scenario{sc}}
	if err := model.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// enough is as many requests as a p99 needs on each side.
const enough = 401

// spread returns n ascending latencies evenly spread ±5 % around m.
func spread(n int, m time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = m + time.Duration(0.05*float64(m)*(2*float64(i)/float64(n-1)-1))
	}
	return out
}

func TestRunCompare(t *testing.T) {
	slow := spread(enough, 48700*time.Millisecond)
	fast := spread(enough, 1600*time.Millisecond)
	beforeDir := writeTestRun(t, "before", slow, "200", false)
	fastDir := writeTestRun(t, "after", fast, "200", true)
	slowerDir := writeTestRun(t, "slower", spread(enough, 2400*time.Millisecond), "200", false)
	slowerPassing := writeTestRun(t, "slower-passing", spread(enough, 2400*time.Millisecond), "200", true)
	tests := []struct {
		name     string
		opts     compareOptions
		wantCode int
		wantOut  []string
		wantFile string
	}{
		{name: "claim reproduced", opts: compareOptions{before: beforeDir, after: fastDir, Flags: compare.Flags{Claim: "50s:2s"}}, wantCode: exit.CodeOK,
			wantOut: []string{"PASS: claim reproduced; no regression beyond noise in 1 scenario",
				"claim reproduced: 48.7 s → 1.6 s (-96.7 %, speed-up 30.4× [", "claimed 50 s → 2 s", "p<0.001 n=401", "gate: PASS"}},
		{name: "claim not reproduced", opts: compareOptions{before: beforeDir, after: slowerDir, Flags: compare.Flags{Claim: "50s:2s"}}, wantCode: exit.CodeFailed,
			wantOut: []string{"claim not reproduced: 48.7 s → 2.4 s", "the after 2.4 s is above the claimed 2 s", "gate: FAIL"}},
		{name: "regression", opts: compareOptions{before: fastDir, after: slowerDir}, wantCode: exit.CodeFailed,
			wantOut: []string{"scenario single-user-single-course: p95 slower 1.67s → 2.51s (+50.00%", "beyond the allowed +10.00% and 2ms"}},
		{name: "regression within a large minimum effect", opts: compareOptions{before: fastDir, after: slowerPassing, Flags: compare.Flags{MinEffect: time.Second}}, wantCode: exit.CodeOK,
			wantOut: []string{"not more than the minimum effect 1s: no change"}},
		{name: "files", opts: compareOptions{before: beforeDir, after: fastDir, formats: "md,json,html"}, wantCode: exit.CodeOK, wantFile: "compare.html"},
		{name: "summary.json paths", opts: compareOptions{before: filepath.Join(beforeDir, "summary.json"), after: filepath.Join(fastDir, "summary.json")},
			wantCode: exit.CodeOK, wantOut: []string{"-96.71%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			opts := tt.opts
			opts.streams = Streams{Out: &out, ErrOut: &out}
			opts.ClaimPercentile = "p50"
			opts.MaxRegression = "10%"
			opts.ClaimTolerance = "50%"
			opts.Percentiles = []string{"p50", "p90", "p95", "p99", "max"}
			if opts.MinEffect == 0 {
				opts.MinEffect = 2 * time.Millisecond
			}
			if opts.formats == "" {
				opts.formats = "text"
			}
			opts.out = t.TempDir()
			err := runCompare(context.Background(), &opts)
			if got := exit.Code(err); got != tt.wantCode {
				t.Fatalf("exit code %d (err %v), want %d; output:\n%s", got, err, tt.wantCode, out.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.wantFile != "" {
				for _, f := range []string{"compare.md", "compare.json", "compare.html"} {
					if _, err := os.Stat(filepath.Join(opts.out, f)); err != nil {
						t.Error(err)
					}
				}
				if out.String() != "PASS: no regression beyond noise in 1 scenario\n" {
					t.Errorf("stdout without text format: %q, want the headline alone", out.String())
				}
				html, err := os.ReadFile(filepath.Join(opts.out, "compare.html"))
				if err != nil || !strings.Contains(string(html), "PASS: no regression beyond noise in 1 scenario") {
					t.Errorf("compare.html does not open with the headline the command printed (%v)", err)
				}
			}
		})
	}
}

// TestCompareCommand goes through argv: usage errors exit 2, and without
// Parquet files significance is reported unknown rather than failing.
func TestCompareCommand(t *testing.T) {
	before := writeTestRun(t, "before", spread(enough, 48700*time.Millisecond), "200", false)
	after := writeTestRun(t, "after", spread(enough, 1600*time.Millisecond), "200", true)
	noRaw := func(dir string) string {
		if err := os.Remove(filepath.Join(dir, "single-user-single-course.parquet")); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	rawless := noRaw(writeTestRun(t, "rawless", spread(enough, 48700*time.Millisecond), "200", false))
	few := writeTestRun(t, "few", spread(40, 1600*time.Millisecond), "200", true)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{name: "raw results read", args: []string{"compare", before, after}, wantCode: exit.CodeOK, wantOut: "p<0.001 n=401"},
		{name: "no raw files", args: []string{"compare", rawless, after}, wantCode: exit.CodeFailed, wantOut: "no interval, so no row can be judged"},
		{name: "no raw files, allowed", args: []string{"compare", rawless, after, "--allow-inconclusive"}, wantCode: exit.CodeOK, wantOut: "allowed by --allow-inconclusive"},
		{name: "too few for p99", args: []string{"compare", before, few}, wantCode: exit.CodeFailed,
			wantOut: "p95, p99 inconclusive: after n=40: too few for p95 (needs ≥ 72); run longer, or pass --allow-inconclusive"},
		{name: "too few, rows chosen", args: []string{"compare", before, few, "--percentiles", "p50,p90"}, wantCode: exit.CodeOK, wantOut: "gate: PASS"},
		{name: "bad percentile", args: []string{"compare", before, after, "--percentiles", "p75"}, wantCode: exit.CodeUsage, wantOut: `percentile "p75": want p50, p90, p95, p99 or max`},
		{name: "bad min effect", args: []string{"compare", before, after, "--min-effect", "-1ms"}, wantCode: exit.CodeUsage, wantOut: "--min-effect -1ms: must not be negative"},
		{name: "bad claim tolerance", args: []string{"compare", before, after, "--claim-tolerance", "x"}, wantCode: exit.CodeUsage, wantOut: "write e.g. 50%"},
		{name: "one run", args: []string{"compare", before}, wantCode: exit.CodeUsage, wantOut: "perfgate compare BEFORE AFTER [flags]: got 1 argument"},
		{name: "bad claim", args: []string{"compare", before, after, "--claim", "fast"}, wantCode: exit.CodeUsage, wantOut: "want BEFORE:AFTER"},
		{name: "bad format", args: []string{"compare", before, after, "--format", "pdf"}, wantCode: exit.CodeUsage, wantOut: "valid formats are text,md,json,html"},
		{name: "bad max regression", args: []string{"compare", before, after, "--max-regression", "lots"}, wantCode: exit.CodeUsage, wantOut: "write e.g. 10%"},
		{name: "missing run", args: []string{"compare", before, filepath.Join(before, "nope")}, wantCode: exit.CodeUsage, wantOut: "pass a run directory"},
		{name: "bad claim percentile", args: []string{"compare", before, after, "--claim", "50s:2s", "--claim-percentile", "max"}, wantCode: exit.CodeUsage, wantOut: "want p50, p90, p95 or p99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), tt.args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String()+errOut.String(), tt.wantOut) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.wantOut, out.String(), errOut.String())
			}
		})
	}
}

// TestCompareDiff: --diff fills the functional verification from diff's
// result and fails the gate on a difference or a request not comparable.
func TestCompareDiff(t *testing.T) {
	before := writeTestRun(t, "before", spread(enough, 48700*time.Millisecond), "200", false)
	after := writeTestRun(t, "after", spread(enough, 1600*time.Millisecond), "200", true)
	write := func(r *diffreport.Report) string {
		dir := t.TempDir()
		if err := diffreport.Write(dir, r); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	edges := []diffreport.EdgeCase{{Name: "no users", Requests: 9, Same: 9}, {Name: "no courses", Requests: 9, Same: 9}, {Name: "multiple users/courses", Requests: 9, Same: 9}}
	alike := write(&diffreport.Report{Requests: 10, Same: 10, ScenarioRequests: 1, Explored: 9, Pass: true, EdgeCases: edges})
	differ := write(&diffreport.Report{Requests: 10, Same: 6, Different: 3, NotComparable: 1, Differences: 4, ScenarioRequests: 1, Explored: 9, EdgeCases: edges,
		Kinds: []diffreport.Kind{{Kind: "missing", Differences: 4, Requests: 3}}})
	wrongSchema := t.TempDir()
	if err := os.WriteFile(filepath.Join(wrongSchema, diffreport.FileName), []byte(`{"schema":"perfgate.run/v1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{"without", nil, exit.CodeOK, []string{"➖ Data accuracy", "not measured: pass --diff DIR"}},
		{"alike", []string{"--diff", alike}, exit.CodeOK, []string{"✅ Response format matches original", "✅ Data accuracy", "✅ Edge cases", "gate: PASS"}},
		{"diff.json path", []string{"--diff", filepath.Join(alike, diffreport.FileName)}, exit.CodeOK, []string{"✅ Data accuracy"}},
		{"differences", []string{"--diff", differ}, exit.CodeFailed, []string{"❌ Data accuracy", "3 of 9 requests answered differently: 4 differences (missing 4)",
			"gate: FAIL", "- diff: 3 of 10 requests answered differently (4 differences), 1 not comparable"}},
		{"no result there", []string{"--diff", filepath.Join(alike, "nope")}, exit.CodeUsage, []string{"--diff: read diff result", "write one with perfgate diff --out DIR"}},
		{"another file", []string{"--diff", wrongSchema}, exit.CodeUsage, []string{`schema "perfgate.run/v1", want "perfgate.diff/v1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), append([]string{"compare", before, after}, tt.args...), Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out.String(), errOut.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String()+errOut.String(), w) {
					t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", w, out.String(), errOut.String())
				}
			}
		})
	}
}
