package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
)

func TestABArgs(t *testing.T) {
	var o *abOptions
	capture := func(_ context.Context, opts *abOptions) error { o = opts; return nil }
	if code := parse(t, newABCmd(Streams{}, capture), "ab", "--before", "http://old:1", "--after", "http://new:1",
		"--only", "a", "--rate", "50/s", "--timeout", "3s", "--rounds", "20", "--block", "2s", "--max-regression", "5%",
		"--max-workers", "32", "--insecure", "--allow-under-delivery", "--out", "o", "--label", "pr", "--format", "text,md", "x.yaml"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := abOptions{paths: []string{"x.yaml"},
		loadFlags: loadFlags{maxWorkers: 32, maxBody: "4MiB"}, tlsFlags: tlsFlags{insecure: true},
		overrides: engine.Overrides{Only: []string{"a"}, Rate: "50/s", Timeout: 3 * time.Second, LatencyFrom: "intended", AllowUnderDelivery: true},
		exec: engine.ExecuteABOptions{Out: "o", AB: engine.ABOptions{Before: "http://old:1", After: "http://new:1",
			Rounds: 20, Block: 2 * time.Second, Label: "pr"}},
		maxRegression: "5%", formats: "text,md"}
	opt := cmp.Options{cmp.AllowUnexported(abOptions{}, loadFlags{}, tlsFlags{}), cmpopts.EquateEmpty()}
	ignore := func(o abOptions) abOptions { o.streams, o.exec.AB.Now = Streams{}, nil; return o }
	if d := cmp.Diff(want, ignore(*o), opt); d != "" {
		t.Errorf("options (-want +got):\n%s", d)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"ab", "--after", "http://new:1"}, "--before is required"},
		{[]string{"ab", "--before", "http://old:1", "--after", "http://new:1", "--rounds", "1"}, "--rounds 1: give at least 2"},
		{[]string{"ab", "--before", "http://old:1", "--after", "new:1"}, `--after "new:1" is not an http(s) URL`},
	} {
		code, out := execute(tt.args...)
		if code != exit.CodeUsage || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tt.args, code, tt.want, out)
		}
	}
}

// TestABCommand runs perfgate ab end to end on two local versions: the
// same service passes, one that takes twice as long fails the gate; both
// write the two run directories, ab.json and the comparison.
func TestABCommand(t *testing.T) {
	for _, tt := range []struct {
		name     string
		after    time.Duration
		wantCode int
		want     string
	}{
		{"same service", 10 * time.Millisecond, exit.CodeOK, "gate: PASS"},
		{"after twice as slow", 20 * time.Millisecond, exit.CodeFailed, "scenario ok: p50 regressed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, after := newTarget(t), newTarget(t)
			before.delay.Store(int64(10 * time.Millisecond))
			after.delay.Store(int64(tt.after))
			sf := scenarioFile(t, t.TempDir(), "ok", "  status: 200")
			out := filepath.Join(t.TempDir(), "ab")
			code, text := execute("ab", "--before", before.URL, "--after", after.URL, "--rate", "50/s", "--rounds", "4", "--block", "200ms",
				"--out", out, "--format", "text,md", "--no-progress", sf)
			if code != tt.wantCode || !strings.Contains(text, tt.want) {
				t.Fatalf("exit %d, want %d and %q:\n%s", code, tt.wantCode, tt.want, text)
			}
			a, err := model.ReadAB(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Scenarios) != 1 || len(a.Scenarios[0].Blocks) != 8 || a.Scenarios[0].Gate != "p50" || a.Pass != (tt.wantCode == 0) {
				t.Errorf("ab.json: %+v", a)
			}
			for _, f := range []string{report.ABMarkdownFile, "compare.json", "compare.md"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Error(err)
				}
			}
			// The two run directories are what compare reads.
			b, err := compare.Load(filepath.Join(out, engine.SideBefore))
			if err != nil {
				t.Fatal(err)
			}
			if b.Run.Label != "before" || b.Run.Scenarios[0].Requests < 30 || b.Run.Scenarios[0].Raw == "" {
				t.Errorf("before run: %+v", b.Run)
			}
			if _, err := compare.Load(filepath.Join(out, engine.SideAfter)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
