package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/scenario"
	"github.com/perfgate/perfgate/internal/verdict"
)

// checkScenario is a scenario file whose checks are given.
func checkScenario(checks string) string {
	return `name: t
request:
  path: /x
  body: '{"courseId": ["{{ .Course 2 }}"]}'
expect:
  checks:
` + checks
}

// TestCheckTemplates: a jq check is a template like the request: it is
// rendered over the same fixtures, so {{ .Course 2 }} is the course the
// request sent, and the check passes on an answer that names it.
func TestCheckTemplates(t *testing.T) {
	sc, err := scenario.Parse("t.yaml", []byte(checkScenario(`    - name: the requested course
      jq: '.data[0].course[0].courseId == "{{ .Course 2 }}"'
    - name: plain
      jq: '.data | length == 1'
    - name: block
      jq: |
        [.data[].course[].courseId] == {{ .Courses 2 3 }}
`)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Render("http://127.0.0.1:1", scenario.NewData(nil, nil)); err != nil {
		t.Fatal(err)
	}
	course := fixtures.FixedCourses[2]
	if got := sc.Checks[0].JQ; got != `.data[0].course[0].courseId == "`+course+`"` {
		t.Errorf("rendered jq %q", got)
	}
	if sc.Checks[0].Name != "the requested course" || sc.Expect.Checks[0] != "the requested course" {
		t.Errorf("names %q %q", sc.Checks[0].Name, sc.Expect.Checks)
	}
	c := verdict.NewChecker(sc.Checks)
	c.Observe([]byte(`{"data":[{"course":[{"courseId":"`+course+`"}]}]}`), 0)
	c.Observe([]byte(`{"data":[{"course":[{"courseId":"{{ .Course 2 }}"}]}]}`), 0)
	for _, r := range c.Results() {
		if r.Name == "plain" {
			continue
		}
		if r.Passed != 1 || r.Failed != 1 {
			t.Errorf("check %s: %d passed, %d failed; want the rendered course to pass and the literal template to fail", r.Name, r.Passed, r.Failed)
		}
	}
	// Rendered again over other fixtures, the checks follow.
	fx := fixtures.Default()
	fx.Courses = []string{"a", "b", "c9"}
	if _, err := sc.Render("http://127.0.0.1:1", scenario.NewData(fx, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sc.Checks[0].JQ, `"c9"`) || !strings.Contains(sc.Checks[2].JQ, `["c9"]`) {
		t.Errorf("re-rendered checks %q, %q", sc.Checks[0].JQ, sc.Checks[2].JQ)
	}
}

// TestCheckTemplateErrors: what validate says, with file:line, about a jq
// template that names an unknown fixture, does not parse, or renders to
// jq that does not compile.
func TestCheckTemplateErrors(t *testing.T) {
	tests := []struct {
		name, checks, want string
	}{
		{"unknown fixture", `    - name: c
      jq: '.x == "{{ .Cours 2 }}"'
`, `t.yaml:8: check "c": jq: unknown fixture .Cours (did you mean .Course?)`},
		{"out of range", `    - name: c
      jq: |
        .a == 1 and
        .x == "{{ .Course 9 }}"
`, `t.yaml:10: check "c": jq: the fixtures have 3 courses, so index 9 is out of range`},
		{"template does not parse", `    - jq: '.x == "{{ .Course 2 "'
`, `t.yaml:7: jq: template does not parse`},
		{"rendered jq does not compile", `    - name: c
      jq: '.x == {{ .Course 2 }}'
`, `t.yaml:8: check "c": jq expression ".x == do_21430769261883392012485" does not compile`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "t.yaml")
			if err := os.WriteFile(path, []byte(checkScenario(tt.checks)), 0o644); err != nil {
				t.Fatal(err)
			}
			// engine.Plan is what validate, run and diff call.
			_, err := engine.Plan([]string{path}, engine.Overrides{}, "http://127.0.0.1:1")
			if err == nil || !strings.Contains(err.Error(), strings.Replace(tt.want, "t.yaml", path, 1)) {
				t.Errorf("error %v\nwant it to hold %q", err, tt.want)
			}
		})
	}
}
