package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
)

// slotTarget serves with n concurrent slots, each request holding one for
// d: its capacity is n/d requests per second by construction. Past it,
// requests wait for a slot and latency grows.
func slotTarget(t *testing.T, n int, d time.Duration) *httptest.Server {
	t.Helper()
	slots := make(chan struct{}, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead { // preflight
			return
		}
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		time.Sleep(d)
		<-slots
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func capacityScenario(t *testing.T, dir, name, rate, expect string) string {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	content := fmt.Sprintf("name: %s\nrequest:\n  method: GET\n  path: /x\nload:\n  rate: %s\nexpect:\n%s\n", name, rate, expect)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func execCapacity(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Execute(ctx, append([]string{"capacity"}, args...), Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	return code, out.String(), errOut.String()
}

// TestCapacityFindsKnown runs the search against a target of 4 slots ×
// 20 ms = 200 req/s, judged on p95 < 40 ms, and wants the knee within 25 %.
func TestCapacityFindsKnown(t *testing.T) {
	const known = 200.0
	srv := slotTarget(t, 4, 20*time.Millisecond)
	sf := capacityScenario(t, t.TempDir(), "slots", "10/s", "  status: 200\n  errors: 0%\n  latency: { p95: 40ms }\n  checks:\n    - name: ok\n      jq: .ok")
	dir := filepath.Join(t.TempDir(), "cap")
	began := time.Now()
	code, stdout, stderr := execCapacity(t, context.Background(), "--target", srv.URL, "--step", "1s", "--out", dir, "--format", "text,html", sf)
	took := time.Since(began)
	if code != exit.CodeOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	c, err := model.ReadCapacity(dir)
	if err != nil {
		t.Fatal(err)
	}
	cs := c.Scenario("slots")
	t.Logf("knee %.0f/s (limit %.0f/s) in %d steps, %s\n%s", cs.Knee, cs.Limit, len(cs.Steps), took.Round(time.Millisecond), stdout)
	if cs.Knee < 0.75*known || cs.Knee > 1.25*known {
		t.Errorf("knee %.0f/s, want %.0f/s ± 25%%", cs.Knee, known)
	}
	if cs.Limit == 0 || cs.Limit-cs.Knee > 0.1*cs.Knee+1 {
		t.Errorf("limit %.0f/s: the bisection should end within 10%% above the knee %.0f/s", cs.Limit, cs.Knee)
	}
	if !cs.Pass || !c.Pass || cs.FileRatePerSecond != 10 {
		t.Errorf("pass %v/%v, file rate %g: the knee is above the file rate 10/s", cs.Pass, c.Pass, cs.FileRatePerSecond)
	}
	if !strings.Contains(stdout, "slots: knee") {
		t.Errorf("stdout lacks the knee:\n%s", stdout)
	}
	if !strings.Contains(stderr, "capacity slots: 10/s") {
		t.Errorf("stderr lacks the step log:\n%s", stderr)
	}
	page, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil || !bytes.Contains(page, []byte("<svg")) {
		t.Errorf("report.html: %v, has chart %v", err, bytes.Contains(page, []byte("<svg")))
	}
	if took > 25*time.Second {
		t.Errorf("the search took %s; it should stay well under 30 s with 1 s steps", took)
	}
}

func TestCapacityArgs(t *testing.T) {
	var o *capacityOptions
	capture := func(_ context.Context, opts *capacityOptions) error { o = opts; return nil }
	if code := parse(t, newCapacityCmd(Streams{}, capture), "capacity", "--target", "http://h:1", "--only", "a", "--skip", "b",
		"--fixtures", "fx.json", "--set", "Prefix=/p", "--timeout", "3s", "--max-workers", "64", "--start", "20/s",
		"--max-rate", "500/s", "--precision", "5%", "--step", "2s", "--budget", "1m", "--max-requests", "9000",
		"--out", "o", "--label", "after", "--format", "text,html", "--max-body", "8MiB", "--cacert", "ca.pem",
		"--latency-from", "sent", "--allow-under-delivery", "x.yaml", "dir/"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := capacityOptions{paths: []string{"x.yaml", "dir/"}, loadFlags: loadFlags{target: "http://h:1", maxWorkers: 64, maxBody: "8MiB"},
		overrides: engine.Overrides{Only: []string{"a"}, Skip: []string{"b"}, Fixtures: "fx.json", Sets: []string{"Prefix=/p"}, Timeout: 3 * time.Second,
			LatencyFrom: "sent", AllowUnderDelivery: true},
		tlsFlags: tlsFlags{caCert: "ca.pem"},
		bounds: engine.CapacityBounds{Start: "20/s", MaxRate: "500/s", Precision: "5%", Step: 2 * time.Second, Budget: time.Minute,
			MaxRequests: 9000},
		out: "o", label: "after", formats: "text,html"}
	opt := cmp.Options{cmp.AllowUnexported(capacityOptions{}, loadFlags{}, tlsFlags{}), cmpopts.EquateEmpty()}
	ignore := func(o capacityOptions) capacityOptions { o.streams, o.now = Streams{}, nil; return o }
	if d := cmp.Diff(want, ignore(*o), opt); d != "" {
		t.Errorf("options (-want +got):\n%s", d)
	}

	parse(t, newCapacityCmd(Streams{}, capture), "capacity")
	def := capacityOptions{loadFlags: loadFlags{target: engine.DefaultTarget, maxWorkers: 256, maxBody: "4MiB"},
		overrides: engine.Overrides{LatencyFrom: "intended"},
		bounds: engine.CapacityBounds{MaxRate: "10000/s", Precision: "10%", Step: 5 * time.Second,
			Budget: 5 * time.Minute, MaxRequests: engine.DefaultCapacityMaxRequests},
		formats: "text,json"}
	if d := cmp.Diff(def, ignore(*o), opt); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}
	for _, flag := range []string{"--rate", "--duration"} {
		if code := parse(t, newCapacityCmd(Streams{}, capture), "capacity", flag, "1s"); code != exit.CodeUsage {
			t.Errorf("%s: exit %d, want 2 (capacity chooses rates and step lengths itself)", flag, code)
		}
	}
}

func TestCapacityErrors(t *testing.T) {
	srv := slotTarget(t, 1, time.Millisecond)
	sf := capacityScenario(t, t.TempDir(), "s", "10/s", "  status: 200")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad start", []string{"--start", "max"}, exit.CodeUsage, "--start max: give a rate of 1/s or more"},
		{"start above max", []string{"--start", "50/s", "--max-rate", "20/s"}, exit.CodeUsage, "above --max-rate"},
		{"bad precision", []string{"--precision", "0%"}, exit.CodeUsage, "--precision"},
		{"bad step", []string{"--step", "0s"}, exit.CodeUsage, "--step and --budget must be positive"},
		{"bad format", []string{"--format", "junit"}, exit.CodeUsage, `unknown format "junit"`},
		{"unreachable", []string{"--target", closedURL(t)}, exit.CodeUnavailable, "not reachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--target", srv.URL, "--out", filepath.Join(t.TempDir(), "c")}, tc.args...)
			code, _, stderr := execCapacity(t, context.Background(), append(args, sf)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
