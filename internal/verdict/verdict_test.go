package verdict

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

func summary(codes map[uint16]int64, lat []time.Duration, errs ...metrics.ErrorCount) metrics.Summary {
	var n int64
	for _, k := range codes {
		n += k
	}
	return metrics.Summary{Requests: n, Codes: codes, Latency: metrics.Summarize(lat), Errors: errs}
}

// input is a summary of lat with its sample, of which the top censored
// latencies timed out.
func input(codes map[uint16]int64, lat []time.Duration, censored int, errs ...metrics.ErrorCount) Input {
	sorted := slices.Sorted(slices.Values(lat))
	return Input{Summary: summary(codes, lat, errs...), Sample: metrics.Sample{Sorted: sorted, Censored: censored}}
}

// repeat is n latencies of d.
func repeat(n int, d time.Duration) []time.Duration { return slices.Repeat([]time.Duration{d}, n) }

func find(t *testing.T, cs []model.Criterion, name string) model.Criterion {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no criterion %q in %+v", name, cs)
	return model.Criterion{}
}

func TestEvaluateMessages(t *testing.T) {
	lat := append(repeat(90, time.Second), repeat(10, 2410*time.Millisecond)...)
	exp := model.Expect{
		Status:  200,
		Latency: []model.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}, {Stat: "p50", Max: 2 * time.Second}},
	}
	in := input(map[uint16]int64{200: 60, 500: 40}, lat, 0)
	in.Checks = []model.Check{{Name: "one entry per requested user", Passed: 97, Failed: 3, Failures: []string{`got false: {"data":[]}`}}}
	cs := Evaluate(exp, in)
	tests := []struct {
		name, msg string
		pass      bool
	}{
		{"status", "status 500 on 40/100 requests (want 200)", false},
		{"errors", "errors 40% (40/100) > 0%", false},
		{"p95", "p95 2.41s > 2s", false},
		{"p50", "", true},
		{"check:one entry per requested user", `check "one entry per requested user" failed on 3/100: got false`, false},
	}
	for _, tt := range tests {
		c := find(t, cs, tt.name)
		if c.Pass != tt.pass || c.Message != tt.msg {
			t.Errorf("%s: pass=%v msg=%q, want pass=%v msg=%q", tt.name, c.Pass, c.Message, tt.pass, tt.msg)
		}
	}
	if Pass(cs) {
		t.Error("Pass = true with failing criteria")
	}
}

// TestEvaluateAllNotFound: a 404 on every request is nearly always a wrong
// path (the service's /v1/tracking against the gateway's /tracking/v1),
// and the status message says which setting to check; a 404 on some
// requests, or one the scenario expects, says nothing of the kind.
func TestEvaluateAllNotFound(t *testing.T) {
	lat := []time.Duration{time.Millisecond}
	for _, tt := range []struct {
		name   string
		codes  map[uint16]int64
		status int
		prefix string
		want   string
	}{
		{"every answer 404", map[uint16]int64{404: 20}, 200, "/tracking/v1",
			"status 404 on 20/20 requests (want 200); every answer was 404 Not Found: check --set Prefix (now /tracking/v1) and --target"},
		{"a path without the prefix", map[uint16]int64{404: 3}, 200, "",
			"status 404 on 3/3 requests (want 200); every answer was 404 Not Found: check the scenario's path and --target"},
		{"some 404", map[uint16]int64{404: 3, 200: 1}, 200, "/tracking/v1", "status 404 on 3/4 requests (want 200)"},
		{"404 expected", map[uint16]int64{404: 3}, 404, "/tracking/v1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := find(t, Evaluate(model.Expect{Status: tt.status}, Input{Summary: summary(tt.codes, lat), Prefix: tt.prefix}), "status")
			if c.Message != tt.want {
				t.Errorf("message %q, want %q", c.Message, tt.want)
			}
		})
	}
}

// TestEvaluateSampleSize: a criterion on a percentile is judged only when
// the run holds enough requests for it, and is otherwise inconclusive,
// which fails unless allowed; a limit that even the interval's lower
// limit exceeds fails from however few requests.
func TestEvaluateSampleSize(t *testing.T) {
	ok := func(n int) map[uint16]int64 { return map[uint16]int64{200: int64(n)} }
	tests := []struct {
		name     string
		in       Input
		stat     string
		limit    time.Duration
		allow    bool
		pass     bool
		inconcl  bool
		msg      string
		observed string
	}{
		{name: "p95 from 72 requests", in: input(ok(72), repeat(72, time.Second), 0), stat: "p95", limit: 2 * time.Second,
			pass: true, observed: "1s [1s, 1s] n=72"},
		{name: "p95 from 71 requests", in: input(ok(71), repeat(71, time.Second), 0), stat: "p95", limit: 2 * time.Second,
			inconcl: true, msg: "p95 inconclusive: n=71: too few for p95 (needs ≥ 72)", observed: "1s [1s, ∞) n=71"},
		{name: "allowed", in: input(ok(71), repeat(71, time.Second), 0), stat: "p95", limit: 2 * time.Second, allow: true,
			pass: true, inconcl: true, msg: "p95 inconclusive: n=71: too few for p95 (needs ≥ 72)"},
		{name: "p99 of 40 requests over the limit, two of them slow", in: input(ok(40), append(repeat(38, time.Second), repeat(2, 3*time.Second)...), 0),
			stat: "p99", limit: 2 * time.Second, inconcl: true, msg: "p99 inconclusive: n=40: too few for p99 (needs ≥ 368)"},
		{name: "two requests of 5 s against p95 3 s", in: input(ok(2), repeat(2, 5*time.Second), 0), stat: "p95", limit: 3 * time.Second,
			msg: "p95 5s > 3s: 2 of 2 requests took longer than 3s, which a p95 at or below it gives with a chance of 0.25%"},
		{name: "one request of 5 s", in: input(ok(1), repeat(1, 5*time.Second), 0), stat: "p95", limit: 3 * time.Second,
			inconcl: true, msg: "p95 inconclusive: n=1: too few for p95 (needs ≥ 72)"},
		{name: "timeouts under the p95", in: input(map[uint16]int64{200: 90, 0: 10}, append(repeat(90, time.Second), repeat(10, 30*time.Second)...), 10),
			stat: "p95", limit: 2 * time.Second, msg: "p95 ≥ 30s > 2s", observed: "≥ 30s [26s, ∞) n=100"},
		{name: "timeouts under a p99 of too few requests", in: input(map[uint16]int64{200: 90, 0: 10}, append(repeat(90, time.Second), repeat(10, 30*time.Second)...), 10),
			stat: "p99", limit: 2 * time.Second, msg: "p99 ≥ 30s > 2s: 10 of 100 requests took longer than 2s, which a p99 at or below it gives with a chance of under 1 in a million"},
		{name: "timeouts make the max a lower bound", in: input(map[uint16]int64{200: 90, 0: 10}, append(repeat(90, time.Second), repeat(10, 30*time.Second)...), 10),
			stat: "max", limit: time.Minute, inconcl: true, msg: "max inconclusive: 10 of 100 requests timed out, so the max is only a lower bound"},
		{name: "max as observed", in: input(ok(3), repeat(3, time.Second), 0), stat: "max", limit: 2 * time.Second, pass: true, observed: "1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.AllowInconclusive = tt.allow
			exp := model.Expect{Status: 200, Errors: 1, Latency: []model.LatencyLimit{{Stat: tt.stat, Max: tt.limit}}}
			c := find(t, Evaluate(exp, tt.in), tt.stat)
			if c.Pass != tt.pass || c.Inconclusive != tt.inconcl || c.Message != tt.msg {
				t.Errorf("pass=%v inconclusive=%v msg=%q, want pass=%v inconclusive=%v msg=%q", c.Pass, c.Inconclusive, c.Message, tt.pass, tt.inconcl, tt.msg)
			}
			if tt.observed != "" && c.Observed != tt.observed {
				t.Errorf("observed %q, want %q", c.Observed, tt.observed)
			}
			if Inconclusive([]model.Criterion{c}) != map[bool]int{true: 1}[tt.inconcl] {
				t.Errorf("Inconclusive counts %d", Inconclusive([]model.Criterion{c}))
			}
		})
	}
}

func TestEvaluateAllowance(t *testing.T) {
	lat := []time.Duration{time.Millisecond}
	// 1 error in 100 is within a 2 % allowance, and so is the one 503.
	codes := map[uint16]int64{400: 98, 503: 1, 0: 1}
	exp := model.Expect{Status: 400, Errors: 0.02}
	cs := Evaluate(exp, Input{Summary: summary(codes, lat, metrics.ErrorCount{Error: "connection reset", Count: 1})})
	if !Pass(cs) {
		t.Errorf("criteria failed within the allowance: %+v", cs)
	}
	exp.Errors = 0.01
	cs = Evaluate(exp, Input{Summary: summary(codes, lat, metrics.ErrorCount{Error: "connection reset", Count: 1})})
	c := find(t, cs, "errors")
	if c.Pass || !strings.Contains(c.Message, "errors 2% (2/100) > 1%; 1 without a response, most often: connection reset") {
		t.Errorf("errors criterion: %+v", c)
	}
	if c := find(t, cs, "status"); !c.Pass {
		t.Errorf("status criterion with 1/100 wrong under 1%%: %+v", c)
	}
}

func TestEvaluateNoRequests(t *testing.T) {
	exp := model.Expect{Status: 200, Latency: []model.LatencyLimit{{Stat: "p95", Max: time.Second}}}
	cs := Evaluate(exp, Input{Summary: summary(map[uint16]int64{}, nil)})
	for _, c := range cs {
		if c.Pass {
			t.Errorf("%s passed with no requests", c.Name)
		}
	}
}

func TestEvaluateDB(t *testing.T) {
	exp := model.Expect{Status: 200, DB: []model.DBLimit{{Figure: "statements_per_request", Max: 1}}}
	s := summary(map[uint16]int64{200: 10}, []time.Duration{time.Millisecond})
	c := find(t, Evaluate(exp, Input{Summary: s}), "db.statements_per_request")
	if !c.Pass || c.Observed != "not measured" {
		t.Errorf("without probe: %+v", c)
	}
	c = find(t, Evaluate(exp, Input{Summary: s, DB: &model.DB{StatementsPerRequest: 101, StatementsAvailable: true}}), "db.statements_per_request")
	if c.Pass || c.Message != "db.statements_per_request 101 > 1" {
		t.Errorf("101 statements: %+v", c)
	}
	c = find(t, Evaluate(exp, Input{Summary: s, DB: &model.DB{StatementsPerRequest: 1, StatementsAvailable: true}}), "db.statements_per_request")
	if !c.Pass {
		t.Errorf("1 statement: %+v", c)
	}
	c = find(t, Evaluate(exp, Input{Summary: s, DB: &model.DB{}}), "db.statements_per_request")
	if c.Pass || !strings.Contains(c.Message, "pg_stat_statements") {
		t.Errorf("no pg_stat_statements: %+v", c)
	}
}

func TestChecker(t *testing.T) {
	mk := func(name, expr string) scenario.Check {
		code, err := scenario.CompileJQ(expr)
		if err != nil {
			t.Fatal(err)
		}
		return scenario.Check{Name: name, JQ: expr, Code: code}
	}
	c := NewChecker([]scenario.Check{
		mk("one entry", ".data | length == 1"),
		mk("count", ".data[0].n == 3"),
	})
	observe(c, `{"data":[{"n":3}]}`)
	observe(c, `{"data":[{"n":3},{"n":4}]}`)
	observe(c, `<html>oops</html>`)
	observe(c, `{"data":"xy"}`)
	got := c.Results()
	if got[0].Passed != 1 || got[0].Failed != 3 {
		t.Errorf("one entry: %+v", got[0])
	}
	if got[1].Passed != 2 || got[1].Failed != 2 {
		t.Errorf("count: %+v", got[1])
	}
	if f := got[0].Failures; len(f) != 3 || !strings.HasPrefix(f[0], "got false: {") || !strings.HasPrefix(f[1], "body is not JSON (") {
		t.Errorf("failures: %q", f)
	}
	if f := got[1].Failures; len(f) != 2 || !strings.HasPrefix(f[1], "jq error: ") {
		t.Errorf("failures of count: %q", f)
	}
	for range 10 {
		observe(c, `{}`)
	}
	if len(c.Results()[0].Failures) != MaxFailureSamples {
		t.Errorf("kept %d failing bodies, want %d", len(c.Results()[0].Failures), MaxFailureSamples)
	}
}

// observe gives c a whole body, as a result that was read entirely.
func observe(c *Checker, body string) { c.Observe([]byte(body), uint64(len(body))) }

func TestCheckTruncatedBody(t *testing.T) {
	code, err := scenario.CompileJQ(".ok")
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker([]scenario.Check{{Name: "ok", JQ: ".ok", Code: code}})
	body := []byte(`{"ok": true, "pad": "`)
	c.Observe(body, 5<<20)
	r := c.Results()[0]
	if r.Failed != 1 || len(r.Failures) != 1 || !strings.Contains(r.Failures[0], "body truncated: 5242880 bytes, of which the first 21 were read; raise --max-body") {
		t.Errorf("a truncated body: %+v", r)
	}
}

func TestChanceText(t *testing.T) {
	for p, want := range map[float64]string{0.0025: "0.25%", 0.025: "2.5%", 2.4e-5: "1 in 42000", 1e-9: "under 1 in a million"} {
		if got := chanceText(p); got != want {
			t.Errorf("chanceText(%g) = %q, want %q", p, got, want)
		}
	}
}
