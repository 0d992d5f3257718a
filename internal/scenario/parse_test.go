package scenario

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/hint"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

const valid = `name: s1
description: d
request:
  method: post
  path: "{{ .Prefix }}/content/course/status"
  headers:
    tenantid: "{{ .Tenant }}"
    Content-Type: application/json
  body: |
    {"userId": {{ .Users 0 2 }}, "courseId": ["{{ .Course 0 }}"]}
load:
  rate: 300/m
  duration: 30s
  timeout: 60s
expect:
  status: 200
  latency: { p95: 2s, p99: 2500ms }
  errors: 2.5%
  checks:
    - name: one entry
      jq: '.data | length == 1'
  db:
    statements_per_request: 1
`

func TestParseValid(t *testing.T) {
	sc, err := Parse("s1.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "s1" || sc.Request.Method != "POST" || sc.Expect.Status != 200 {
		t.Errorf("name/method/status = %q %q %d", sc.Name, sc.Request.Method, sc.Expect.Status)
	}
	if want := (load.Rate{Freq: 300, Per: time.Minute}); sc.Load.Rate != want {
		t.Errorf("rate = %v, want %v", sc.Load.Rate, want)
	}
	if sc.Load.Duration != 30*time.Second || sc.Load.Timeout != 60*time.Second {
		t.Errorf("duration/timeout = %v %v", sc.Load.Duration, sc.Load.Timeout)
	}
	wantLat := []model.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}, {Stat: "p99", Max: 2500 * time.Millisecond}}
	if d := cmp.Diff(wantLat, sc.Expect.Latency); d != "" {
		t.Errorf("latency (-want +got):\n%s", d)
	}
	if sc.Expect.Errors != 0.025 {
		t.Errorf("errors = %v, want 0.025", sc.Expect.Errors)
	}
	if len(sc.Checks) != 1 || sc.Checks[0].Code == nil || len(sc.Expect.Checks) != 1 || sc.Expect.Checks[0] != sc.Checks[0].Name {
		t.Errorf("checks = %+v", sc.Checks)
	}
	if d := cmp.Diff([]model.DBLimit{{Figure: "statements_per_request", Max: 1}}, sc.Expect.DB); d != "" {
		t.Errorf("db (-want +got):\n%s", d)
	}

	req, err := sc.Render("http://127.0.0.1:3000/", NewData(nil, map[string]string{"Prefix": "/v1/tracking"}))
	if err != nil {
		t.Fatal(err)
	}
	if req.URL != "http://127.0.0.1:3000/v1/tracking/content/course/status" {
		t.Errorf("URL = %q", req.URL)
	}
	if got := req.Header.Get("tenantid"); got != fixtures.ChecklistTenant {
		t.Errorf("tenantid = %q", got)
	}
	var body struct{ UserID, CourseID []string }
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatalf("body %s: %v", req.Body, err)
	}
	fx := fixtures.Default()
	if d := cmp.Diff(fx.Users[:2], body.UserID); d != "" {
		t.Errorf("users (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{fixtures.ChecklistCourse}, body.CourseID); d != "" {
		t.Errorf("courses (-want +got):\n%s", d)
	}
}

func TestParseDefaults(t *testing.T) {
	sc, err := Parse("min.yaml", []byte("name: m\nrequest:\n  path: /x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Request.Method != DefaultMethod || sc.Expect.Status != DefaultStatus ||
		sc.Load.Duration != DefaultDuration || sc.Load.Rate.String() != DefaultRate || sc.Expect.Errors != 0 {
		t.Errorf("defaults not applied: %+v %+v %+v", sc.Request, sc.Load, sc.Expect)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // substring of the error, which always starts with file:line
	}{
		{"misspelt field", "name: a\nrequest:\n  path: /x\nexpect:\n  laetncy: {p95: 2s}\n", `bad.yaml:5: unknown field "laetncy" in expect (did you mean "latency"?)`},
		{"unknown top field", "name: a\nrequest:\n  path: /x\nlaod:\n  rate: 1/s\n", `bad.yaml:4: unknown field "laod" in scenario (did you mean "load"?)`},
		{"unknown percentile", "name: a\nrequest:\n  path: /x\nexpect:\n  latency: {pp95: 2s}\n", `bad.yaml:5: unknown field "pp95" in expect.latency (did you mean "p95"?)`},
		{"bad duration", "name: a\nrequest:\n  path: /x\nload:\n  duration: 30\n", `bad.yaml:5: load.duration "30" is not a duration; write it like 30s, 1500ms or 1m30s (a unit is needed: 30s or 30ms)`},
		{"bad latency", "name: a\nrequest:\n  path: /x\nexpect:\n  latency:\n    p95: fast\n", `bad.yaml:6: expect.latency.p95 "fast" is not a duration`},
		{"bad rate", "name: a\nrequest:\n  path: /x\nload:\n  rate: 5/fortnight\n", `bad.yaml:5: load.rate: rate "5/fortnight"`},
		{"missing name", "request:\n  path: /x\n", `bad.yaml:1: missing name`},
		{"bad name", "name: a b\nrequest:\n  path: /x\n", `bad.yaml:1: name "a b": use letters`},
		{"missing path", "name: a\nrequest:\n  method: GET\n", `bad.yaml:2: missing request.path`},
		{"missing request", "name: a\n", `bad.yaml:1: missing request`},
		{"bad method", "name: a\nrequest:\n  method: FETCH\n  path: /x\n", `bad.yaml:3: request.method "FETCH" is not an HTTP method`},
		{"template does not parse", "name: a\nrequest:\n  path: /x\n  body: |\n    {\"a\": 1,\n     \"b\": \"{{ .User 0 \"}\n", `bad.yaml:6: body: template does not parse`},
		{"bad jq", "name: a\nrequest:\n  path: /x\nexpect:\n  checks:\n    - name: c\n      jq: '.data | length =='\n", `bad.yaml:7: check "c": jq expression ".data | length ==" does not parse`},
		{"check without jq", "name: a\nrequest:\n  path: /x\nexpect:\n  checks:\n    - name: c\n", `bad.yaml:6: check 1 has no jq expression`},
		{"bad status", "name: a\nrequest:\n  path: /x\nexpect:\n  status: ok\n", `bad.yaml:5: expect.status "ok" must be an HTTP status code`},
		{"bad errors", "name: a\nrequest:\n  path: /x\nexpect:\n  errors: 150%\n", `bad.yaml:5: expect.errors: "150%" is outside 0%..100%`},
		{"not yaml", "name: a\n  request: [\n", `bad.yaml:2: not valid YAML`},
		{"not a mapping", "- a\n- b\n", `bad.yaml:1: a scenario file is a mapping`},
		{"empty", "", `bad.yaml:1: empty scenario file`},
		{"duplicate key", "name: a\nname: b\nrequest:\n  path: /x\n", `bad.yaml:2: scenario: "name" is given twice`},
		{"bad db figure", "name: a\nrequest:\n  path: /x\nexpect:\n  db:\n    statments_per_request: 1\n", `bad.yaml:6: unknown field "statments_per_request" in expect.db (did you mean "statements_per_request"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", err, tt.want)
			}
			var l ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is %T, want a non-empty ErrorList", err)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown fixture", "name: a\nrequest:\n  path: /x\n  headers:\n    tenantid: \"{{ .Tennant }}\"\n", `bad.yaml:5: header tenantid: unknown fixture .Tennant (did you mean .Tenant?)`},
		{"index out of range", "name: a\nrequest:\n  path: /x\n  body: |\n    {\"u\": 1,\n     \"v\": \"{{ .User 7 }}\"}\n", `bad.yaml:6: body: the fixtures have 3 users, so index 7 is out of range`},
		{"unknown var", "name: a\nrequest:\n  path: '{{ .Var \"Host\" }}/x'\n", `bad.yaml:3: path: no variable "Host"; pass --set Host=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("bad.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = sc.Render("http://127.0.0.1:1", NewData(nil, nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

func TestShippedScenarios(t *testing.T) {
	all, err := LoadPaths([]string{filepath.Join("..", "..", "scenarios")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range all {
		names = append(names, sc.Name)
		if _, err := sc.Render("http://127.0.0.1:3000", NewData(nil, nil)); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
	}
	want := []string{"single-user-single-course", "multi-user-multi-course", "user-with-no-data", "invalid-input"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("shipped scenarios (-want +got):\n%s", d)
	}
	limits := map[string]time.Duration{}
	for _, sc := range all {
		for _, l := range sc.Expect.Latency {
			if l.Stat == "max" {
				limits[sc.Name] = l.Max
			}
		}
	}
	// The checklist's criteria: < 2 s, < 3 s, < 1 s, and a 400.
	if limits["single-user-single-course"] != 2*time.Second || limits["multi-user-multi-course"] != 3*time.Second || limits["user-with-no-data"] != time.Second {
		t.Errorf("max limits = %v", limits)
	}
	if all[3].Expect.Status != 400 || !all[3].Diff.ExpectStatusChange {
		t.Errorf("invalid-input: status %d, expect_status_change %v", all[3].Expect.Status, all[3].Diff.ExpectStatusChange)
	}
}

func TestLoadPathsDuplicatesAndSelect(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), "name: same\nrequest:\n  path: /a\n")
	write(t, filepath.Join(dir, "b.yml"), "\nname: same\nrequest:\n  path: /b\n")
	_, err := LoadPaths([]string{dir})
	if err == nil || !strings.Contains(err.Error(), `b.yml:2: duplicate scenario name "same" (also in `) {
		t.Fatalf("err = %v", err)
	}
	write(t, filepath.Join(dir, "b.yml"), "name: other\nrequest:\n  path: /b\n")
	all, err := LoadPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Select(all, nil, []string{"same"})
	if err != nil || len(got) != 1 || got[0].Name != "other" {
		t.Errorf("skip: %v %v", got, err)
	}
	if _, err := Select(all, []string{"othr"}, nil); err == nil || !strings.Contains(err.Error(), `did you mean "other"`) {
		t.Errorf("only typo: %v", err)
	}
	if _, err := LoadPaths([]string{filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing path: %v", err)
	}
}

func TestFixturesAndSets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fx.json")
	write(t, path, `{"schema":"perfgate.fixtures/v1","tenant":"t1","users":["u1","u2"],"courses":["c1"],"new_user":"n1"}`)
	fx, err := fixtures.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	vars, err := ParseSets([]string{"Tenant=t2", "Prefix=/v1/tracking"})
	if err != nil {
		t.Fatal(err)
	}
	d := NewData(fx, vars)
	if d.Tenant() != "t2" || d.Prefix() != "/v1/tracking" || d.NewUser() != "n1" {
		t.Errorf("data = %q %q %q", d.Tenant(), d.Prefix(), d.NewUser())
	}
	if u, _ := d.Users(0, 2); u != `["u1","u2"]` {
		t.Errorf("Users = %s", u)
	}
	if _, err := ParseSets([]string{"novalue"}); err == nil {
		t.Error("ParseSets accepted a pair without =")
	}
	write(t, path, `{"tenant":"t"}`)
	if _, err := fixtures.Read(path); err == nil {
		t.Error("LoadFixtures accepted fixtures without users")
	}
}

func TestSuggest(t *testing.T) {
	for word, want := range map[string]string{"laetncy": "latency", "expct": "expect", "zzzzzz": "", "rat": "rate"} {
		if got := hint.Closest(word, append(append([]string{}, topFields...), append(loadFields, expectFields...)...)); got != want {
			t.Errorf("hint.Closest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestSample(t *testing.T) {
	fx := &fixtures.Fixtures{Tenant: "t", Users: []string{"u0", "u1", "u2"}, Courses: []string{"c0", "c1"}, NewUser: "n"}
	d := NewData(fx, nil)
	if d.Sample(0) != d {
		t.Error("Sample(0) is not the data itself")
	}
	s := d.Sample(1)
	if u, _ := s.User(0); u != "u1" {
		t.Errorf("Sample(1).User 0 = %s", u)
	}
	if c, _ := s.Course(0); c != "c1" {
		t.Errorf("Sample(1).Course 0 = %s", c)
	}
	if u, _ := d.User(0); u != "u0" {
		t.Error("Sample changed the original fixtures")
	}
}

func TestParsePositivePercent(t *testing.T) {
	for in, want := range map[string]float64{"10%": 0.1, "0.1": 0.1, " 5 % ": 0.05, "150%": 1.5} {
		if got, err := ParsePositivePercent(in); err != nil || got != want {
			t.Errorf("ParsePositivePercent(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x%", "0", "-5%"} {
		if _, err := ParsePositivePercent(in); err == nil {
			t.Errorf("ParsePositivePercent(%q) accepted", in)
		}
	}
}
