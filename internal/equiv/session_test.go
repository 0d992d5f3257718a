package equiv

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/scenario"
)

const (
	before = "http://before.test:1"
	after  = "http://after.test:2"
)

// plan writes scenario files (name → diff and expect sections) and plans
// them against before.
func plan(t *testing.T, files map[string]string) []engine.Planned {
	t.Helper()
	dir := t.TempDir()
	for name, extra := range files {
		body := `'{"userId": ["{{ .User 0 }}"], "courseId": ["{{ .Course 0 }}"], "verbose": true}'`
		if strings.Contains(extra, "BODY:") {
			body, extra, _ = strings.Cut(strings.TrimPrefix(extra, "BODY:"), "\n")
		}
		src := "name: " + name + "\nrequest:\n  method: PUT\n  path: /svc/status\n  headers:\n    tenantid: \"{{ .Tenant }}\"\n    X-Trace: on\n  body: " + body + "\n" + extra + "\n"
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := engine.Plan([]string{dir}, engine.Overrides{}, before)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestPrepareExplores: the generated requests reuse the base scenario's
// method, path and headers, replace the lists of its body (the rest of it
// kept) and the tenant, and aim at both versions; the scenario files' own
// requests come first.
func TestPrepareExplores(t *testing.T) {
	ps := plan(t, map[string]string{
		"a-invalid": "BODY:'{\"userId\": [], \"courseId\": [\"{{ .Course 0 }}\"]}'\nexpect: { status: 400 }\ndiff: { expect_status_change: true }",
		"b-base":    "diff: { ignore: ['.data[].course[].started_on'] }",
	})
	fx := fixtures.Default()
	o := DefaultCaseOptions(before, after)
	o.Explore = 40
	o.Unordered = []string{".data"}
	s, err := Prepare(ps, scenario.NewData(fx, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cases) != 42 || len(s.Notes) != 0 {
		t.Fatalf("%d cases, notes %q; want 2 + 40 and no notes", len(s.Cases), s.Notes)
	}
	if c := s.Cases[0]; c.Explored != 0 || c.ExpectSuccess || !slices.Equal(c.Shapes, []Shape{ShapeNoUsers}) {
		t.Errorf("scenario a: explored %d, expect success %v, shapes %v", c.Explored, c.ExpectSuccess, c.Shapes)
	}
	tenants := map[string]bool{}
	for i, c := range s.Cases[2:] {
		if c.Explored != i+1 || !strings.HasPrefix(c.Label, "explore #") || c.Scenario != "b-base" || !c.ExpectSuccess {
			t.Errorf("case %d: %+v", i, c)
		}
		if c.Before.Method != "PUT" || c.Before.URL != before+"/svc/status" || c.After.URL != after+"/svc/status" || c.Before.Header.Get("X-Trace") != "on" {
			t.Errorf("case %s: %s %s, after %s, headers %v", c.Label, c.Before.Method, c.Before.URL, c.After.URL, c.Before.Header)
		}
		var body struct {
			UserID   []string `json:"userId"`
			CourseID []string `json:"courseId"`
			Verbose  bool     `json:"verbose"`
		}
		if err := json.Unmarshal(c.Before.Body, &body); err != nil || len(body.UserID) == 0 || len(body.CourseID) == 0 || !body.Verbose {
			t.Errorf("case %s: body %s (%v)", c.Label, c.Before.Body, err)
		}
		if string(c.After.Body) != string(c.Before.Body) || c.After.Header.Get("tenantid") != c.Before.Header.Get("tenantid") {
			t.Errorf("case %s: the versions are sent different requests", c.Label)
		}
		tenants[c.Before.Header.Get("tenantid")] = true
		if len(c.Normalisations) != 2 {
			t.Errorf("case %s: normalisations %v, want the scenario's ignore and --unordered", c.Label, c.Normalisations)
		}
	}
	for _, tn := range []string{fx.Tenant, fx.OtherTenant, strings.ToUpper(fx.Tenant)} {
		if !tenants[tn] {
			t.Errorf("no generated request with tenant %s (got %v)", tn, tenants)
		}
	}
}

func TestPrepareWithoutBase(t *testing.T) {
	ps := plan(t, map[string]string{"a": "BODY:'{\"ids\": [1]}'"})
	s, err := Prepare(ps, scenario.NewData(nil, nil), DefaultCaseOptions(before, after))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cases) != 1 || len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "nothing explored: no scenario expects a 2xx answer to a body with userId and courseId lists") {
		t.Errorf("%d cases, notes %q", len(s.Cases), s.Notes)
	}
	rep := s.Summarize(nil)
	var out bytes.Buffer
	WriteReport(&out, rep)
	if !strings.Contains(out.String(), "note: nothing explored") {
		t.Errorf("the summary does not say nothing was explored:\n%s", out.String())
	}
}

func TestPrepareUsage(t *testing.T) {
	ps := plan(t, map[string]string{"a": ""})
	for _, tt := range []struct {
		o    func(*CaseOptions)
		want string
	}{
		{func(o *CaseOptions) { o.Samples = 0 }, "--samples must be at least 1"},
		{func(o *CaseOptions) { o.Explore = -1 }, "--explore must be 0 or more"},
		{func(o *CaseOptions) { o.MaxSubset = -1 }, "--max-subset must be at least 1"},
	} {
		o := DefaultCaseOptions(before, after)
		tt.o(&o)
		if _, err := Prepare(ps, scenario.NewData(nil, nil), o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
}

// fakeSender answers each version with a function of the request.
func fakeSender(answer func(version string, r load.Request) (int, string)) Sender {
	return func(_ context.Context, r load.Request, _ time.Duration, _ int64) (load.Reply, error) {
		version := "before"
		if strings.HasPrefix(r.URL, after) {
			version = "after"
		}
		status, body := answer(version, r)
		return load.Reply{Status: status, Body: []byte(body), Latency: time.Millisecond}, nil
	}
}

// TestRunSummarize: two non-2xx answers to a request that should succeed
// are not comparable (never equal); differences are grouped by kind with
// at most DefaultExamples examples, each from another request, with the
// request and a curl command; the verdict fails.
func TestRunSummarize(t *testing.T) {
	ps := plan(t, map[string]string{"b-base": ""})
	o := DefaultCaseOptions(before, after)
	o.Explore = 20
	o.Ignore = []string{".data[].course[].started_on"}
	s, err := Prepare(ps, scenario.NewData(nil, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	send := fakeSender(func(version string, r load.Request) (int, string) {
		if version == "before" {
			n++
		}
		switch {
		case n == 1: // the scenario's request: a wrong prefix, say
			return http.StatusNotFound, "Cannot PUT /svc/status"
		case n%4 == 0 && version == "after":
			return 200, `{"data":[{"course":[{"courseId":"c2"},{"courseId":"c1"}]}],"n":2}`
		}
		return 200, `{"data":[{"course":[{"courseId":"c1"},{"courseId":"c2"}]}],"n":1}`
	})
	var stream bytes.Buffer
	outs, err := s.Run(context.Background(), send, func(o Outcome) { WriteOutcome(&stream, o) })
	if err != nil {
		t.Fatal(err)
	}
	rep := s.Summarize(outs)
	if rep.Requests != 21 || rep.Explored != 20 || rep.NotComparable != 1 || rep.Different != 5 || rep.Same != 15 || rep.Differences != 10 || rep.Pass {
		t.Fatalf("report %+v", rep)
	}
	if len(rep.Kinds) != 2 || rep.Kinds[0].Kind != KindChanged && rep.Kinds[0].Kind != KindOrder {
		t.Fatalf("kinds %+v", rep.Kinds)
	}
	for _, k := range rep.Kinds {
		if k.Differences != 5 || k.Requests != 5 || len(k.Examples) != DefaultExamples {
			t.Errorf("kind %s: %d differences in %d requests, %d examples", k.Kind, k.Differences, k.Requests, len(k.Examples))
		}
		seen := map[string]bool{}
		for _, e := range k.Examples {
			if seen[e.Label] || e.Request.Method != "PUT" || !strings.HasPrefix(e.Curl, "curl -sS -X PUT "+before+"/svc/status") || e.Request.Headers["Tenantid"] == "" {
				t.Errorf("example %+v", e)
			}
			seen[e.Label] = true
		}
	}
	if ex := rep.NotComparableExamples; len(ex) != 1 || ex[0].Difference != "not comparable (404 on both)" || ex[0].Label != "b-base" {
		t.Errorf("not comparable examples %+v", ex)
	}
	if len(rep.Normalisations) != 1 || rep.Normalisations[0].Source != "--ignore" || !strings.Contains(rep.Normalisations[0].Hides, "any difference in these values") {
		t.Errorf("normalisations %+v", rep.Normalisations)
	}
	var summary bytes.Buffer
	WriteReport(&summary, rep)
	for _, want := range []string{
		"b-base: not comparable (404 on both)\n  reproduce: curl -sS -X PUT",
		": 2 differences\n  .data[0].course: same 2 elements, different order: before [\"c1\",\"c2\"], after [\"c2\",\"c1\"]\n  .n: before 1, after 2\n  reproduce: curl ",
	} {
		if !strings.Contains(stream.String(), want) {
			t.Errorf("streamed output lacks %q:\n%s", want, stream.String())
		}
	}
	if strings.Contains(stream.String(), "same (200") {
		t.Errorf("generated requests that answered alike are printed:\n%s", stream.String())
	}
	for _, want := range []string{
		"explored: 20 generated requests (seed 1, 1 to 3 users and courses each) besides the 1 request of the scenario files",
		"differences by kind:\n  changed: 5 differences in 5 requests\n    explore #",
		"not comparable: 1 request answered with a non-2xx status by both versions",
		"normalisations (differences there are not reported):\n  ignore .data[].course[].started_on from --ignore: hides any difference in these values",
		"diff: 1 scenario, 21 requests compared (20 explored), 10 differences in 5 requests, 1 not comparable\n",
	} {
		if !strings.Contains(summary.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary.String())
		}
	}
	// diff.json round-trips.
	dir := t.TempDir()
	if err := diffreport.Write(dir, rep); err != nil {
		t.Fatal(err)
	}
	back, err := diffreport.Read(dir)
	if err != nil || back.Different != 5 || back.Schema != diffreport.Schema || len(back.EdgeCases) != len(EdgeCases) {
		t.Errorf("read back %+v, %v", back, err)
	}
}

// TestEqualAfterAll: alike answers pass, and every shape's and edge
// case's requests are counted.
func TestEqualAfterAll(t *testing.T) {
	ps := plan(t, map[string]string{"b-base": ""})
	o := DefaultCaseOptions(before, after)
	o.Explore = 30
	s, err := Prepare(ps, scenario.NewData(nil, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := s.Run(context.Background(), fakeSender(func(string, load.Request) (int, string) { return 200, `{}` }), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := s.Summarize(outs)
	if !rep.Pass || rep.Same != 31 || len(rep.Normalisations) != 0 {
		t.Fatalf("report %+v", rep)
	}
	for _, e := range rep.EdgeCases {
		if e.Requests == 0 || e.Same != e.Requests {
			t.Errorf("edge case %+v", e)
		}
	}
	var out bytes.Buffer
	WriteReport(&out, rep)
	if !strings.Contains(out.String(), "normalisations: none: every value compared, every list in order") {
		t.Errorf("summary:\n%s", out.String())
	}
}

// TestCurl: the command is one line and a shell passes every argument
// through unchanged.
func TestCurl(t *testing.T) {
	r := load.Request{Method: "POST", URL: "http://127.0.0.1:3000/x?a=1&b=2", Header: http.Header{
		"Tenantid":     {"it's"},
		"Content-Type": {"application/json"},
	}, Body: []byte("{\"userId\": [\"o'neil\"],\n \"x\": \"\\\\n $HOME `id`\"}\n")}
	line := Curl(r)
	if strings.Contains(line, "\n") {
		t.Fatalf("not one line: %s", line)
	}
	// Let bash split it, then print each argument on its own NUL-ended line.
	script := "printargs() { printf '%s\\0' \"$@\"; }; " + strings.Replace(line, "curl", "printargs", 1)
	out, err := exec.Command("bash", "-c", script).Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	want := []string{"-sS", "-X", "POST", r.URL, "-H", "Content-Type: application/json", "-H", "Tenantid: it's", "--data-raw", string(r.Body)}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("bash reads\n%q\nwant\n%q", got, want)
	}
}
