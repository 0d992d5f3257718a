package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
)

// version is an httptest server answering every POST with a fixed status
// and body, recording the request bodies it was sent.
type version struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	body   string
	got    []string
}

func newVersion(t *testing.T, status int, body string) *version {
	t.Helper()
	v := &version{status: status, body: body}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead { // preflight
			return
		}
		b, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.got = append(v.got, string(b))
		v.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(v.status)
		fmt.Fprint(w, v.body)
	}))
	t.Cleanup(v.Close)
	return v
}

func (v *version) requests() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.got...)
}

// diffScenario writes a scenario file with an optional diff section.
func diffScenario(t *testing.T, name, diff string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	content := fmt.Sprintf(`name: %s
request:
  method: POST
  path: /content/course/status
  headers:
    tenantid: "{{ .Tenant }}"
  body: '{"userId": ["{{ .User 0 }}"], "courseId": ["{{ .Course 0 }}"]}'
%s
`, name, diff)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	bodyA = `{"success":true,"data":[{"userId":"u","course":[{"courseId":"c","completed":3,"started_on":"2024-01-01T10:00:00Z","completed_list":["x","y","z"]}]}]}`
	// bodyB is bodyA with another count.
	bodyB = `{"success":true,"data":[{"userId":"u","course":[{"courseId":"c","completed":4,"started_on":"2024-01-01T10:00:00Z","completed_list":["x","y","z"]}]}]}`
	// bodyC is bodyA with another timestamp and list order.
	bodyC = `{"success":true,"data":[{"userId":"u","course":[{"courseId":"c","completed":3,"started_on":"2024-01-01T10:00:00.000Z","completed_list":["z","x","y"]}]}]}`
)

func execDiff(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Execute(context.Background(), append([]string{"diff"}, args...), Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	return code, out.String(), errOut.String()
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name                      string
		beforeStatus, afterStatus int
		beforeBody, afterBody     string
		diff                      string // the scenario's diff section
		args                      []string
		wantCode                  int
		wantOut                   []string
	}{
		{
			name:         "equal",
			beforeStatus: 200, afterStatus: 200, beforeBody: bodyA, afterBody: bodyA,
			wantCode: exit.CodeOK,
			wantOut:  []string{"s: same (200, before ", "diff: 1 scenario, 1 request compared, 0 differences\n"},
		},
		{
			name:         "changed count",
			beforeStatus: 200, afterStatus: 200, beforeBody: bodyA, afterBody: bodyB,
			wantCode: exit.CodeFailed,
			wantOut: []string{"s: 1 difference\n  .data[0].course[0].completed: before 3, after 4\n  reproduce: curl -sS -X POST http://127.0.0.1:",
				"diff: 1 scenario, 1 request compared, 1 difference in 1 request\n"},
		},
		{
			name:         "timestamp and order differ",
			beforeStatus: 200, afterStatus: 200, beforeBody: bodyA, afterBody: bodyC,
			wantCode: exit.CodeFailed,
			wantOut: []string{`  .data[0].course[0].started_on: before "2024-01-01T10:00:00Z", after "2024-01-01T10:00:00.000Z"`,
				`  .data[0].course[0].completed_list: same 3 elements, different order: before ["x","y","z"], after ["z","x","y"]`,
				"2 differences in 1 request\n", "normalisations: none"},
		},
		{
			name:         "timestamp ignored and list unordered by flags",
			beforeStatus: 200, afterStatus: 200, beforeBody: bodyA, afterBody: bodyC,
			args:     []string{"--ignore", ".data[].course[].started_on", "--unordered", ".data[].course[].completed_list"},
			wantCode: exit.CodeOK,
			wantOut: []string{"0 differences\n", "normalisations (differences there are not reported):\n" +
				"  ignore .data[].course[].started_on from --ignore: hides any difference in these values",
				"  unordered .data[].course[].completed_list from --unordered: hides the order of these lists"},
		},
		{
			name:         "timestamp ignored and list unordered by the scenario",
			beforeStatus: 200, afterStatus: 200, beforeBody: bodyA, afterBody: bodyC,
			diff:     "diff:\n  ignore: ['.data[].course[].started_on']\n  unordered: ['.data[].course[].completed_list']",
			wantCode: exit.CodeOK,
			wantOut:  []string{"0 differences\n", "  ignore .data[].course[].started_on from ", "s.yaml (diff.ignore): hides any difference"},
		},
		{
			name:         "status change",
			beforeStatus: 200, afterStatus: 400, beforeBody: `{"success":true,"data":[]}`, afterBody: `{"success":false}`,
			wantCode: exit.CodeFailed,
			wantOut:  []string{"s: 1 difference\n  status: before 200, after 400\n", "1 difference in 1 request\n"},
		},
		{
			name:         "expected status change",
			beforeStatus: 200, afterStatus: 400, beforeBody: `{"success":true,"data":[]}`, afterBody: `{"success":false}`,
			diff:     "diff: { expect_status_change: true }",
			wantCode: exit.CodeOK,
			wantOut:  []string{"s: expected status change 200 → 400 (", "0 differences\n"},
		},
		{
			name:         "404 on both: not comparable",
			beforeStatus: 404, afterStatus: 404, beforeBody: `{"message":"Cannot POST /x"}`, afterBody: `{"message":"Cannot POST /x"}`,
			wantCode: exit.CodeFailed,
			wantOut: []string{"s: not comparable (404 on both)\n  reproduce: curl ",
				"not comparable: 1 request answered with a non-2xx status by both versions",
				"diff: 1 scenario, 1 request compared, 0 differences, 1 not comparable\n"},
		},
		{
			name:         "500 and 404: not comparable either",
			beforeStatus: 500, afterStatus: 404, beforeBody: `oops`, afterBody: `{}`,
			wantCode: exit.CodeFailed,
			wantOut:  []string{"s: not comparable (500 before, 404 after)\n"},
		},
		{
			name:         "400 on both where the scenario expects 400: compared",
			beforeStatus: 400, afterStatus: 400, beforeBody: `{"success":false}`, afterBody: `{"success":false}`,
			diff:     "expect: { status: 400 }",
			wantCode: exit.CodeOK,
			wantOut:  []string{"s: same (400, "},
		},
		{
			name:         "samples",
			beforeStatus: 200, afterStatus: 200, beforeBody: bodyA, afterBody: bodyA,
			args:     []string{"--samples", "2"},
			wantCode: exit.CodeOK,
			wantOut:  []string{"s (sample 1/2): same", "s (sample 2/2): same", "diff: 1 scenario, 2 requests compared, 0 differences\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := newVersion(t, tt.beforeStatus, tt.beforeBody)
			after := newVersion(t, tt.afterStatus, tt.afterBody)
			sf := diffScenario(t, "s", tt.diff)
			// The scenario's own request only: exploring is TestDiffExplores'.
			args := append([]string{"--before", before.URL, "--after", after.URL, "--explore", "0", sf}, tt.args...)
			code, out, errOut := execDiff(t, args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			// Both versions were sent the same requests, once each.
			b, a := before.requests(), after.requests()
			if len(b) == 0 || strings.Join(b, "\n") != strings.Join(a, "\n") {
				t.Errorf("before got %q, after got %q", b, a)
			}
		})
	}
}

func TestDiffSamplesVary(t *testing.T) {
	before := newVersion(t, 200, bodyA)
	after := newVersion(t, 200, bodyA)
	code, out, errOut := execDiff(t, "--before", before.URL, "--after", after.URL, "--samples", "3", "--explore", "0", diffScenario(t, "s", ""))
	if code != exit.CodeOK {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	got := before.requests()
	seen := map[string]bool{}
	for _, b := range got {
		seen[b] = true
	}
	if len(got) != 3 || len(seen) != 3 {
		t.Errorf("3 samples sent %d requests, %d distinct: %q", len(got), len(seen), got)
	}
}

func TestDiffUnreachable(t *testing.T) {
	before := newVersion(t, 200, bodyA)
	code, out, errOut := execDiff(t, "--before", before.URL, "--after", closedURL(t), diffScenario(t, "s", ""))
	if code != exit.CodeUnavailable {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exit.CodeUnavailable, out, errOut)
	}
	if n := len(before.requests()); n != 0 {
		t.Errorf("the before version was sent %d requests; want none while the after one is unreachable", n)
	}
	if !strings.Contains(errOut, "is not reachable") {
		t.Errorf("stderr does not say what is wrong: %q", errOut)
	}
}

func TestDiffUsage(t *testing.T) {
	before := newVersion(t, 200, bodyA)
	after := newVersion(t, 200, bodyA)
	sf := diffScenario(t, "s", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no --after", []string{"--before", before.URL, sf}, "--after is required"},
		{"bad --before", []string{"--before", "127.0.0.1:3000", "--after", after.URL, sf}, "--before \"127.0.0.1:3000\" is not an http(s) URL"},
		{"no samples", []string{"--before", before.URL, "--after", after.URL, "--samples", "0", sf}, "--samples must be at least 1"},
		{"negative explore", []string{"--before", before.URL, "--after", after.URL, "--explore", "-1", sf}, "--explore must be 0 or more"},
		{"no subset", []string{"--before", before.URL, "--after", after.URL, "--max-subset", "0", sf}, "--max-subset must be at least 1"},
		{"not a path", []string{"--before", before.URL, "--after", after.URL, "--ignore", ".a + 1", sf}, "--ignore path \".a + 1\": is not a path expression"},
		{"no such scenario", []string{"--before", before.URL, "--after", after.URL, "--only", "nope", sf}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := execDiff(t, tt.args...)
			if code != exit.CodeUsage {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exit.CodeUsage, out, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr lacks %q: %q", tt.want, errOut)
			}
		})
	}
	if n := len(before.requests()) + len(after.requests()); n != 0 {
		t.Errorf("usage errors sent %d requests", n)
	}
}

func TestDiffRequestFails(t *testing.T) {
	before := newVersion(t, 200, bodyA)
	// The after version answers the preflight, then drops the connection.
	after := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			return
		}
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	}))
	defer after.Close()
	code, out, errOut := execDiff(t, "--before", before.URL, "--after", after.URL, diffScenario(t, "s", ""))
	if code != exit.CodeUnavailable {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exit.CodeUnavailable, out, errOut)
	}
	if !strings.Contains(errOut, "is the after version running?") {
		t.Errorf("stderr: %q", errOut)
	}
}

func TestDiffShippedScenarios(t *testing.T) {
	// The four checklist scenarios against two versions that answer alike,
	// except the invalid input one, which declares its status change.
	handler := func(invalid int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				return
			}
			b, _ := io.ReadAll(r.Body)
			if strings.Contains(string(b), `"userId": []`) {
				w.WriteHeader(invalid)
				fmt.Fprint(w, `{"success":false}`)
				return
			}
			fmt.Fprint(w, bodyA)
		}
	}
	before := httptest.NewServer(handler(200))
	defer before.Close()
	after := httptest.NewServer(handler(400))
	defer after.Close()
	code, out, errOut := execDiff(t, "--before", before.URL, "--after", after.URL, "../../scenarios")
	if code != exit.CodeOK {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	want := fmt.Sprintf("diff: 4 scenarios, %d requests compared (%d explored), 0 differences\n", 4+equiv.DefaultExplore, equiv.DefaultExplore)
	for _, w := range []string{"invalid-input: expected status change 200 → 400", want} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
}

// TestDiffExplores: by default diff sends the scenario's request and
// DefaultExplore generated ones, the same with the same --seed and others
// with another; --out writes diff.json for compare --diff.
func TestDiffExplores(t *testing.T) {
	run := func(args ...string) (*version, string) {
		t.Helper()
		before := newVersion(t, 200, bodyA)
		after := newVersion(t, 200, bodyA)
		code, out, errOut := execDiff(t, append([]string{"--before", before.URL, "--after", after.URL, diffScenario(t, "s", "")}, args...)...)
		if code != exit.CodeOK {
			t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		return before, out
	}
	dir := filepath.Join(t.TempDir(), "result")
	before, out := run("--out", dir)
	got := before.requests()
	if len(got) != 1+equiv.DefaultExplore {
		t.Fatalf("%d requests sent, want the scenario's and %d generated", len(got), equiv.DefaultExplore)
	}
	for _, w := range []string{fmt.Sprintf("explored: %d generated requests (seed %d", equiv.DefaultExplore, equiv.DefaultSeed),
		"shapes compared (requests): ", "course without rows ", "other tenant ", "repeated course "} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	rep, err := diffreport.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Schema != diffreport.Schema || rep.Explored != equiv.DefaultExplore || rep.Requests != 1+equiv.DefaultExplore || !rep.Pass || rep.Seed != equiv.DefaultSeed {
		t.Errorf("diff.json: %+v", rep)
	}
	again, _ := run()
	other, _ := run("--seed", "2")
	if strings.Join(again.requests(), "\n") != strings.Join(got, "\n") {
		t.Error("the same seed sent other requests")
	}
	if strings.Join(other.requests(), "\n") == strings.Join(got, "\n") {
		t.Error("--seed 2 sent the same requests as seed 1")
	}
	few, _ := run("--explore", "5")
	if n := len(few.requests()); n != 6 {
		t.Errorf("--explore 5 sent %d requests, want 6", n)
	}
}
