package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/syncbuf"
)

// target is an httptest server with controllable latency, status and body.
type target struct {
	*httptest.Server
	hits    atomic.Int64
	delay   atomic.Int64 // nanoseconds
	status  atomic.Int64
	body    atomic.Value // string
	slowPct atomic.Int64 // every n-th request is 10× slower
}

func newTarget(t *testing.T) *target {
	t.Helper()
	tg := &target{}
	tg.status.Store(200)
	tg.body.Store(`{"success":true,"data":[{"userId":"u","course":[]}]}`)
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead { // preflight
			return
		}
		n := tg.hits.Add(1)
		d := time.Duration(tg.delay.Load())
		if k := tg.slowPct.Load(); k > 0 && n%k == 0 {
			d *= 10
		}
		time.Sleep(d)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(tg.status.Load()))
		fmt.Fprint(w, tg.body.Load().(string))
	}))
	t.Cleanup(tg.Close)
	return tg
}

// scenarioFile writes a scenario whose criteria the tests tune.
func scenarioFile(t *testing.T, dir, name, expect string) string {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	content := fmt.Sprintf(`name: %s
request:
  method: POST
  path: /content/course/status
  headers:
    tenantid: "{{ .Tenant }}"
  body: '{"userId": ["{{ .User 0 }}"]}'
load:
  rate: 40/s
  duration: 1s
expect:
%s
`, name, expect)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type result struct {
	code   int
	stdout string
	stderr string
	run    *model.Run
	dir    string
}

func execRun(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	dir := filepath.Join(t.TempDir(), "run")
	args = append([]string{"run", "--out", dir}, args...)
	code := Execute(ctx, args, Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	r := result{code: code, stdout: out.String(), stderr: errOut.String(), dir: dir}
	if run, err := model.ReadRun(dir); err == nil {
		r.run = run
	}
	return r
}

// TestRunInconclusive: a criterion on a percentile the run holds too few
// requests for is inconclusive: it fails the run unless
// --allow-inconclusive, which passes it marked as such.
func TestRunInconclusive(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "ok", `  status: 200
  latency: { p99: 1s }`)
	r := execRun(t, context.Background(), "--target", tg.URL, sf)
	if r.code != exit.CodeFailed || r.run == nil {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	c := r.run.Scenarios[0].Criteria[2]
	n := r.run.Scenarios[0].Requests
	want := fmt.Sprintf("p99 inconclusive: n=%d: too few for p99 (needs ≥ 368)", n)
	if c.Name != "p99" || c.Pass || !c.Inconclusive || c.Message != want {
		t.Errorf("criterion %+v, want %q", c, want)
	}
	for _, w := range []string{"INCONCLUSIVE", "INCONCLUSIVE ok: " + want} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	if p99, ok := r.run.Scenarios[0].Percentile("p99"); !ok || !p99.TooFew() || p99.N != int(n) {
		t.Errorf("summary.json p99 %+v: want its interval, too few", p99)
	}

	r = execRun(t, context.Background(), "--target", tg.URL, "--allow-inconclusive", sf)
	if r.code != exit.CodeOK || r.run == nil || !r.run.AllowInconclusive {
		t.Fatalf("--allow-inconclusive: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := r.run.Scenarios[0].Criteria[2]; !c.Pass || !c.Inconclusive {
		t.Errorf("allowed criterion %+v, want passing, marked inconclusive", c)
	}
}

func TestRunPass(t *testing.T) {
	tg := newTarget(t)
	tg.delay.Store(int64(2 * time.Millisecond))
	// 40 requests can judge a p50 (6 needed), not a p95 (72).
	sf := scenarioFile(t, t.TempDir(), "ok", `  status: 200
  latency: { p50: 1s }
  checks:
    - name: one entry
      jq: '.data | length == 1'`)
	r := execRun(t, context.Background(), "--target", tg.URL, "--label", "before", sf)
	if r.code != exit.CodeOK {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// Without a terminal: no bar, and the scenario's result when it ended
	// (the run is shorter than a progress line's interval).
	if !regexp.MustCompile(`^ok: PASS, \d+ requests, p95 \S+, success 100%\n$`).MatchString(r.stderr) {
		t.Errorf("stderr without a terminal: %q, want the scenario's result line", r.stderr)
	}
	if r.run == nil || !r.run.Pass || len(r.run.Scenarios) != 1 {
		t.Fatalf("summary: %+v", r.run)
	}
	sc := r.run.Scenarios[0]
	if sc.Requests < 38 || sc.Requests > 42 || sc.StatusCodes["200"] != sc.Requests {
		t.Errorf("requests %d, codes %v; want ~40 × 200", sc.Requests, sc.StatusCodes)
	}
	if int64(tg.hits.Load()) != sc.Requests {
		t.Errorf("target saw %d requests, summary says %d", tg.hits.Load(), sc.Requests)
	}
	if sc.Latency.P50 < 2*time.Millisecond || sc.Latency.Max > time.Second {
		t.Errorf("latency %+v", sc.Latency)
	}
	if sc.Checks[0].Passed != sc.Requests || sc.UnderDelivered {
		t.Errorf("checks %+v, under-delivered %v", sc.Checks, sc.UnderDelivered)
	}
	if !strings.Contains(r.stdout, "PASS: ok met its criteria") || !strings.Contains(r.stdout, "run directory: "+r.dir) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// The raw results are on disk, one row per request, equal to the summary.
	lat, err := load.ReadLatencies(filepath.Join(r.dir, sc.Raw))
	if err != nil || int64(len(lat)) != sc.Requests {
		t.Fatalf("raw latencies: %d, %v", len(lat), err)
	}
	var raw map[string]any
	data, _ := os.ReadFile(filepath.Join(r.dir, "summary.json"))
	if err := json.Unmarshal(data, &raw); err != nil || raw["schema"] != "perfgate.run/v1" {
		t.Errorf("summary.json schema: %v %v", raw["schema"], err)
	}
}

func TestRunLatencyGateFails(t *testing.T) {
	tg := newTarget(t)
	tg.delay.Store(int64(5 * time.Millisecond))
	tg.slowPct.Store(4) // a quarter of the requests take 50 ms: p95 is slow
	sf := scenarioFile(t, t.TempDir(), "slow", `  latency: { p50: 40ms, p95: 40ms }`)
	r := execRun(t, context.Background(), "--target", tg.URL, sf)
	if r.code != exit.CodeFailed {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "FAIL slow: p95 ") || strings.Contains(r.stdout, "FAIL slow: p50") {
		t.Errorf("stdout does not spell the p95 failure out alone:\n%s", r.stdout)
	}
	if r.run == nil || r.run.Pass {
		t.Fatalf("summary pass = true")
	}
}

func TestRunExpect400(t *testing.T) {
	tg := newTarget(t)
	tg.status.Store(400)
	tg.body.Store(`{"success":false,"message":"userId should not be empty"}`)
	dir := t.TempDir()
	sf := scenarioFile(t, dir, "invalid", `  status: 400
  checks:
    - name: fails
      jq: '.success == false'`)
	r := execRun(t, context.Background(), "--target", tg.URL, "--duration", "300ms", sf)
	if r.code != exit.CodeOK {
		t.Fatalf("exit %d; stdout:\n%s", r.code, r.stdout)
	}
	// The same target judged against 200 fails, and says why.
	sf = scenarioFile(t, dir, "want200", `  status: 200`)
	r = execRun(t, context.Background(), "--target", tg.URL, "--duration", "300ms", sf)
	if r.code != exit.CodeFailed || !strings.Contains(r.stdout, "status 400 on ") || !strings.Contains(r.stdout, "requests (want 200)") {
		t.Errorf("exit %d; stdout:\n%s", r.code, r.stdout)
	}
}

func TestRunFailingCheck(t *testing.T) {
	tg := newTarget(t)
	tg.body.Store(`{"success":true,"data":[]}`)
	sf := scenarioFile(t, t.TempDir(), "chk", `  checks:
    - name: one entry per requested user
      jq: '.data | length == 1'`)
	r := execRun(t, context.Background(), "--target", tg.URL, "--duration", "300ms", sf)
	if r.code != exit.CodeFailed {
		t.Fatalf("exit %d", r.code)
	}
	if !strings.Contains(r.stdout, `check "one entry per requested user" failed on `) || !strings.Contains(r.stdout, ": got false") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	ch := r.run.Scenarios[0].Checks[0]
	if ch.Passed != 0 || ch.Failed == 0 || len(ch.Failures) == 0 || !strings.Contains(ch.Failures[0], `{"success":true,"data":[]}`) {
		t.Errorf("check tally %+v", ch)
	}
}

func TestRunUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	sf := scenarioFile(t, t.TempDir(), "x", `  status: 200`)
	start := time.Now()
	r := execRun(t, context.Background(), "--target", "http://"+addr, sf)
	if r.code != exit.CodeUnavailable {
		t.Fatalf("exit %d, want 3; stderr %s", r.code, r.stderr)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v to report an unreachable target", time.Since(start))
	}
	if !strings.Contains(r.stderr, "http://"+addr) || !strings.Contains(r.stderr, "--target") || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if _, err := os.Stat(r.dir); err == nil {
		t.Errorf("a run directory was created for a run that sent nothing")
	}
}

func TestRunInterrupted(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "long", `  status: 200`)
	ctx, cancel := context.WithCancel(context.Background())
	// A request counts on arrival: the one in flight at the interrupt is
	// aborted and not a result, so wait for two more than the results
	// the test requires.
	go func() {
		for tg.hits.Load() < 12 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel() // Ctrl-C
	}()
	start := time.Now()
	r := execRun(t, ctx, "--target", tg.URL, "--duration", "1m", sf)
	if r.code != exit.CodeUnavailable {
		t.Fatalf("exit %d, want 3; stdout %s stderr %s", r.code, r.stdout, r.stderr)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("interrupt took %v", time.Since(start))
	}
	if r.run == nil || !r.run.Interrupted || r.run.Pass {
		t.Fatalf("summary after Ctrl-C: %+v", r.run)
	}
	sc := r.run.Scenarios[0]
	if !sc.Interrupted || sc.Requests < 10 {
		t.Errorf("scenario: interrupted %v, requests %d", sc.Interrupted, sc.Requests)
	}
	lat, err := load.ReadLatencies(filepath.Join(r.dir, sc.Raw))
	if err != nil || int64(len(lat)) != sc.Requests {
		t.Errorf("partial raw results: %d rows, %v; summary has %d", len(lat), err, sc.Requests)
	}
	if !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	sf := scenarioFile(t, dir, "x", `  status: 200`)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: b\nrequest:\n  path: /x\nexpect:\n  laetncy: {p95: 1s}\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad scenario", []string{bad}, `bad.yaml:5: unknown field "laetncy" in expect (did you mean "latency"?)`},
		{"bad rate", []string{"--rate", "fast", sf}, "--rate"},
		{"bad target", []string{"--target", "localhost:3000", sf}, "is not an http(s) URL"},
		{"bad format", []string{"--format", "pdf", sf}, `unknown format "pdf"`},
		{"unknown only", []string{"--only", "y", sf}, `no scenario named "y"`},
		{"bad expect", []string{"--expect", "p97=1s", sf}, "unknown criterion"},
		{"bad flag", []string{"--rat", "1/s", sf}, "unknown flag"},
		{"missing fixtures", []string{"--fixtures", filepath.Join(dir, "none.json"), sf}, "read fixtures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execRun(t, context.Background(), append([]string{"--target", "http://127.0.0.1:1"}, tt.args...)...)
			if tt.name == "bad target" {
				r = execRun(t, context.Background(), tt.args...)
			}
			if r.code != exit.CodeUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// TestRunOptions checks argv → options: flags, defaults and PERFGATE_ variables.
func TestRunOptions(t *testing.T) {
	t.Setenv("PERFGATE_MAX_WORKERS", "64")
	t.Setenv("PERFGATE_LABEL", "from-env")
	var o *runOptions
	streams := Streams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
	cmd := newRunCmd(streams, func(_ context.Context, opts *runOptions) error { o = opts; return nil })
	root := newRootCmd(streams, cmd)
	root.SetArgs([]string{"run", "--target", "http://h:1", "--rate", "5/s", "--duration", "30s", "--timeout", "2m",
		"--only", "a,b", "--skip", "c", "--set", "Prefix=/v1/tracking", "--label", "after", "--no-progress",
		"--expect", "p95=1s", "--db-probe", "postgres://x@h/db", "scen/"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if o == nil {
		t.Fatal("run did not execute")
	}
	if o.target != "http://h:1" || o.overrides.Rate != "5/s" || o.overrides.Duration != 30*time.Second || o.overrides.Timeout != 2*time.Minute ||
		strings.Join(o.overrides.Only, ",") != "a,b" || strings.Join(o.overrides.Skip, ",") != "c" || o.overrides.Sets[0] != "Prefix=/v1/tracking" ||
		o.exec.Run.Label != "after" || !o.noProgress || strings.Join(o.paths, ",") != "scen/" || o.overrides.Expect[0] != "p95=1s" || o.exec.DSN != "postgres://x@h/db" {
		t.Errorf("options from flags: %+v", o)
	}
	if o.maxWorkers != 64 {
		t.Errorf("PERFGATE_MAX_WORKERS=64 gave max-workers %d", o.maxWorkers)
	}
	if o.formats != "text,json" {
		t.Errorf("default formats %q", o.formats)
	}

	// Defaults, and the label from the environment.
	root = newRootCmd(streams, newRunCmd(streams, func(_ context.Context, opts *runOptions) error { o = opts; return nil }))
	root.SetArgs([]string{"run"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if o.target != engine.DefaultTarget || o.exec.Run.Label != "from-env" || len(o.paths) != 0 || o.overrides.Rate != "" {
		t.Errorf("defaults: %+v", o)
	}
}

// TestRunMaxBody: a body longer than --max-body fails the checks as
// truncated, not as "not JSON", and the flag raises the cap.
func TestRunMaxBody(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "big", `  status: 200
  checks:
    - name: one entry
      jq: '.data | length == 1'`)
	r := execRun(t, context.Background(), "--target", tg.URL, "--rate", "5/s", "--duration", "400ms", "--max-body", "16", sf)
	if r.code != exit.CodeFailed || r.run == nil {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	if f := r.run.Scenarios[0].Checks[0].Failures; len(f) == 0 || !strings.Contains(f[0], "body truncated") || !strings.Contains(f[0], "raise --max-body") {
		t.Errorf("failures %q, want the body called truncated", f)
	}
	if r := execRun(t, context.Background(), "--target", tg.URL, "--rate", "5/s", "--duration", "400ms", "--max-body", "1KiB", sf); r.code != exit.CodeOK {
		t.Errorf("with the cap raised: exit %d: %s", r.code, r.stdout)
	}
	if r := execRun(t, context.Background(), "--target", tg.URL, "--max-body", "lots", sf); r.code != exit.CodeUsage || !strings.Contains(r.stderr, "--max-body") {
		t.Errorf("bad --max-body: exit %d, %s", r.code, r.stderr)
	}
}

// TestRunPipedOutputAsItGoes: piped into a CI log, a run prints its header
// within a second, before any scenario ends, and each scenario's result as
// soon as it is judged, while the next one runs; the table at the end does
// not repeat the header.
func TestRunPipedOutputAsItGoes(t *testing.T) {
	tg := newTarget(t)
	dir := t.TempDir()
	a := scenarioFile(t, dir, "a", "  status: 200")
	b := scenarioFile(t, dir, "b", "  status: 200")
	var out, errOut syncbuf.Buffer
	start := time.Now()
	done := make(chan int)
	go func() {
		done <- Execute(context.Background(), []string{"run", "--out", filepath.Join(t.TempDir(), "run"), "--target", tg.URL,
			"--label", "ci", "--duration", "1500ms", a, b}, Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	}()
	header := fmt.Sprintf("perfgate run %q against %s\n\n", "ci", tg.URL)
	waitFor := func(what string, buf *syncbuf.Buffer, s string, within time.Duration) time.Duration {
		t.Helper()
		for !strings.Contains(buf.String(), s) {
			if time.Since(start) > within {
				t.Fatalf("no %s within %s: stdout %q, stderr %q", what, within, out.String(), errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitFor("header", &out, header, time.Second)
	at := waitFor("result of a", &errOut, "a: PASS, ", 10*time.Second)
	if strings.Contains(out.String(), "run directory") || strings.Contains(errOut.String(), "b: ") {
		t.Errorf("a's result came only after b ended (%s): stdout %q, stderr %q", at, out.String(), errOut.String())
	}
	if code := <-done; code != exit.CodeOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := out.String(); !strings.HasPrefix(got, header) || strings.Count(got, "perfgate run") != 1 {
		t.Errorf("stdout should open with the header, once:\n%s", got)
	}
	if !strings.Contains(errOut.String(), "b: PASS, ") {
		t.Errorf("stderr lacks b's result: %q", errOut.String())
	}
}
