package equiv

import (
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

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
)

// version is an httptest server that answers every request but the
// preflight's HEAD with body, counting what it is sent.
type version struct {
	*httptest.Server
	mu                 sync.Mutex
	preflights, writes int
}

func newVersion(t *testing.T, body string) *version {
	t.Helper()
	v := &version{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		v.mu.Lock()
		defer v.mu.Unlock()
		if r.Method == http.MethodHead {
			v.preflights++
			return
		}
		v.writes++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(v.Close)
	return v
}

// requests is how many requests v was sent besides the preflight, and
// how many preflights.
func (v *version) requests() (n, preflights int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.writes, v.preflights
}

// scenarioDir writes one course-status scenario file into a new
// directory and returns the directory.
func scenarioDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := "name: s\nrequest:\n  method: POST\n  path: /status\n  headers:\n    tenantid: \"{{ .Tenant }}\"\n" +
		"  body: '{\"userId\": [\"{{ .User 0 }}\"], \"courseId\": [\"{{ .Course 0 }}\"]}'\n"
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
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

func TestOptionsCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    func(*Options)
		want string
	}{
		{"defaults", func(*Options) {}, ""},
		{"no before", func(o *Options) { o.Before = "" }, "--before is required: the base URL of the service"},
		{"after not a URL", func(o *Options) { o.After = "127.0.0.1:3000" }, `--after "127.0.0.1:3000" is not an http(s) URL`},
		{"before checked first", func(o *Options) { o.Before, o.After = "x", "y" }, `--before "x"`},
		{"no subset", func(o *Options) { o.MaxSubset = 0 }, "--max-subset must be at least 1"},
		{"ignore not a path", func(o *Options) { o.Ignore = []string{".a + 1"} }, `--ignore path ".a + 1": is not a path expression`},
		{"unordered not a path", func(o *Options) { o.Unordered = []string{"length"} }, `--unordered path "length": is not a path expression`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions(before, after)
			tt.o(&o)
			err := o.Check()
			if tt.want == "" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			if exit.Code(err) != exit.CodeUsage || !strings.HasPrefix(fmt.Sprint(err), tt.want) {
				t.Errorf("error %v (exit %d), want exit 2 and %q", err, exit.Code(err), tt.want)
			}
		})
	}
}

// TestDiffVersions: both versions are sent the scenario's request and the
// generated ones, each outcome reaches each as it is known, and the report
// says what they answered.
func TestDiffVersions(t *testing.T) {
	const body = `{"success":true,"data":[{"userId":"u","course":[{"courseId":"c","completed":3}]}]}`
	for _, tt := range []struct {
		name      string
		afterBody string
		pass      bool
	}{
		{"alike", body, true},
		{"another count", strings.Replace(body, `"completed":3`, `"completed":4`, 1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, a := newVersion(t, body), newVersion(t, tt.afterBody)
			o := DefaultOptions(b.URL, a.URL)
			o.Paths = []string{scenarioDir(t)}
			o.Explore = 5
			var each int
			outs, rep, err := DiffVersions(context.Background(), o, func(Outcome) { each++ })
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 6 || each != 6 || rep.Requests != 6 || rep.Explored != 5 || rep.Pass != tt.pass {
				t.Errorf("%d outcomes, %d reported as they came, report %d requests (%d explored), pass %v; want 6, 6, 6 (5), %v",
					len(outs), each, rep.Requests, rep.Explored, rep.Pass, tt.pass)
			}
			bn, bp := b.requests()
			an, ap := a.requests()
			if bn != 6 || an != 6 || bp != 1 || ap != 1 {
				t.Errorf("before sent %d requests after %d preflights, after %d after %d; want 6 after 1 each", bn, bp, an, ap)
			}
		})
	}
}

// TestDiffVersionsSendsNothing: a usage error or a version that does not
// answer the preflight sends no request to either.
func TestDiffVersionsSendsNothing(t *testing.T) {
	b, a := newVersion(t, `{}`), newVersion(t, `{}`)
	dir := scenarioDir(t)
	for _, tt := range []struct {
		name     string
		o        func(*Options)
		wantCode int
		want     string
	}{
		{"bad flag", func(o *Options) { o.MaxSubset = 0 }, exit.CodeUsage, "--max-subset must be at least 1"},
		{"no samples", func(o *Options) { o.Samples = 0 }, exit.CodeUsage, "--samples must be at least 1"},
		{"no such scenario", func(o *Options) { o.Overrides = engine.Overrides{Only: []string{"nope"}} }, exit.CodeUsage, "nope"},
		{"after unreachable", func(o *Options) { o.After = closedURL(t) }, exit.CodeUnavailable, "is not reachable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions(b.URL, a.URL)
			o.Paths = []string{dir}
			tt.o(&o)
			outs, rep, err := DiffVersions(context.Background(), o, nil)
			if exit.Code(err) != tt.wantCode || !strings.Contains(fmt.Sprint(err), tt.want) || outs != nil || rep != nil {
				t.Errorf("error %v (exit %d), %d outcomes, report %v; want exit %d and %q", err, exit.Code(err), len(outs), rep, tt.wantCode, tt.want)
			}
		})
	}
	bn, _ := b.requests()
	an, _ := a.requests()
	if bn+an != 0 {
		t.Errorf("%d requests sent", bn+an)
	}
}
