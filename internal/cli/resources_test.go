package cli

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/exit"
)

// TestRunServicePID: --service-pid names the process whose CPU and memory
// each scenario samples; one that does not exist stops the run before any
// load. Every summary.json records the host it measured from.
func TestRunServicePID(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "ok", `  status: 200`)

	r := execRun(t, context.Background(), "--target", tg.URL, "--service-pid", "1073741824", sf)
	if r.code != exit.CodeUsage || !strings.Contains(r.stderr, "--service-pid 1073741824: no such process") || tg.hits.Load() != 0 {
		t.Fatalf("exit %d, %d requests sent, stderr %q; want 2 before any load", r.code, tg.hits.Load(), r.stderr)
	}

	r = execRun(t, context.Background(), "--target", tg.URL, "--service-pid", strconv.Itoa(os.Getpid()), sf)
	if r.code != exit.CodeOK || r.run == nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	env := r.run.Environment
	if env == nil || env.Host.GoVersion == "" || env.Service == nil || env.Service.Source != "--service-pid" || env.Service.PID != os.Getpid() {
		t.Fatalf("environment %+v", env)
	}
	res := r.run.Scenarios[0].Resources
	if res == nil || res.Samples < 2 || res.MaxRSS <= 0 {
		t.Errorf("resources %+v", res)
	}
	for _, want := range []string{"res  ok: service CPU", "env  perfgate", "env  service: process " + strconv.Itoa(os.Getpid()) + " (--service-pid)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}
