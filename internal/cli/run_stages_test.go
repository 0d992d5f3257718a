package cli

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

// TestRunStagesAndWarmup runs a staged scenario with warmup requests: the
// target sees them, the summary and the raw results do not.
func TestRunStagesAndWarmup(t *testing.T) {
	tg := newTarget(t)
	sf := filepath.Join(t.TempDir(), "staged.yaml")
	err := os.WriteFile(sf, []byte(`name: staged
request:
  path: /x
load:
  rate: [{rate: 20/s, for: 500ms}, {rate: 60/s, for: 500ms}]
  warmup: 7
expect:
  status: 200
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	r := execRun(t, context.Background(), "--target", tg.URL, "--format", "json", sf)
	if r.code != exit.CodeOK || r.run == nil {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	sc := r.run.Scenarios[0]
	if sc.Warmup != 7 {
		t.Errorf("summary warmup = %d, want 7", sc.Warmup)
	}
	if got := tg.hits.Load(); got != sc.Requests+7 {
		t.Errorf("target saw %d requests, want %d measured + 7 warmup", got, sc.Requests)
	}
	if sc.Requests < 38 || sc.Requests > 41 {
		t.Errorf("requests = %d, want 10 + 30 (± 2)", sc.Requests)
	}
	if want := "20/s 500ms → 60/s 500ms"; sc.Rate != want {
		t.Errorf("rate = %q, want %q", sc.Rate, want)
	}
	if math.Abs(sc.RequestedRate-40) > 1e-9 {
		t.Errorf("requested rate = %g, want the average 40/s", sc.RequestedRate)
	}
	var rows int64
	if err := load.ReadRaw(filepath.Join(r.dir, sc.Raw), func(*load.Result) error { rows++; return nil }); err != nil {
		t.Fatal(err)
	}
	if rows != sc.Requests {
		t.Errorf("raw results hold %d rows, summary %d requests: warmup leaked into one of them", rows, sc.Requests)
	}

	// --rate replaces the stages with a constant rate.
	tg.hits.Store(0)
	r = execRun(t, context.Background(), "--target", tg.URL, "--format", "json", "--rate", "30/s", sf)
	if r.code != exit.CodeOK || r.run == nil {
		t.Fatalf("--rate: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if sc := r.run.Scenarios[0]; sc.Rate != "30/s" || sc.Requests != 30 {
		t.Errorf("--rate 30/s: rate %q, %d requests; want 30/s and 30", sc.Rate, sc.Requests)
	}
}
