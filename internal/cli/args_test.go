package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/demo"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/spf13/cobra"
)

// parse runs argv through a root holding cmd, whose run function captures
// the options instead of working, and returns the exit code.
func parse(t *testing.T, cmd *cobra.Command, args ...string) int {
	t.Helper()
	streams := Streams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, In: strings.NewReader("")}
	root := newRootCmd(streams, cmd)
	root.SetArgs(args)
	return exit.Code(root.ExecuteContext(context.Background()))
}

// TestArgsToOptions checks, for every command without its own options test,
// that flags, defaults and positional arguments land in its options struct.
func TestArgsToOptions(t *testing.T) {
	t.Setenv("PERFGATE_DSN", "postgres://env@127.0.0.1/db")
	s := Streams{}

	t.Run("validate", func(t *testing.T) {
		var o *validateOptions
		cmd := newValidateCmd(s, func(_ context.Context, opts *validateOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "validate", "--fixtures", "fx.json", "--set", "Prefix=/p", "--only", "a", "x.yaml", "dir/"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if d := cmp.Diff([]string{"x.yaml", "dir/"}, o.paths); d != "" || o.overrides.Fixtures != "fx.json" || o.overrides.Sets[0] != "Prefix=/p" || o.overrides.Only[0] != "a" || o.target != engine.DefaultTarget {
			t.Errorf("options %+v %s", o, d)
		}
	})

	t.Run("compare", func(t *testing.T) {
		var o *compareOptions
		cmd := newCompareCmd(s, func(_ context.Context, opts *compareOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "compare", "b", "a", "--claim", "50s:2s", "--claim-percentile", "p95", "--claim-scenario", "s1",
			"--max-regression", "5%", "--format", "md,json", "--out", "o"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		want := compareOptions{before: "b", after: "a", claim: "50s:2s", claimPercentile: "p95", claimScenario: "s1", maxRegression: "5%", formats: "md,json", out: "o"}
		if o.before != want.before || o.after != want.after || o.claim != want.claim || o.claimPercentile != want.claimPercentile ||
			o.claimScenario != want.claimScenario || o.maxRegression != want.maxRegression || o.formats != want.formats || o.out != want.out {
			t.Errorf("options %+v", o)
		}
		if code := parse(t, newCompareCmd(s, func(context.Context, *compareOptions) error { return nil }), "compare", "only-one"); code != exit.CodeUsage {
			t.Errorf("one run: exit %d, want 2", code)
		}
		parse(t, newCompareCmd(s, func(_ context.Context, opts *compareOptions) error { o = opts; return nil }), "compare", "b", "a")
		if o.claimPercentile != "p50" || o.maxRegression != "10%" || o.formats != "text" || o.claim != "" {
			t.Errorf("defaults %+v", o)
		}
	})

	t.Run("diff", func(t *testing.T) {
		var o *diffOptions
		cmd := newDiffCmd(s, func(_ context.Context, opts *diffOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "diff", "--before", "http://a", "--after", "http://b", "--samples", "3", "--ignore", ".x", "--ignore", ".y",
			"--unordered", ".l", "--timeout", "5s", "--fixtures", "fx.json", "scen/"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.before != "http://a" || o.after != "http://b" || o.samples != 3 || strings.Join(o.ignore, ",") != ".x,.y" ||
			o.unordered[0] != ".l" || o.overrides.Timeout != 5*time.Second || o.overrides.Fixtures != "fx.json" || o.paths[0] != "scen/" {
			t.Errorf("options %+v", o)
		}
	})

	t.Run("demo", func(t *testing.T) {
		var o *demoOptions
		cmd := newDemoCmd(s, func(_ context.Context, opts *demoOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "demo"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.scale != demo.DefaultScale || o.duration != demo.DefaultDuration || o.claim != demo.DefaultClaim || o.matrix || o.seed != 1 {
			t.Errorf("defaults %+v", o)
		}
		cmd = newDemoCmd(s, func(_ context.Context, opts *demoOptions) error { o = opts; return nil })
		parse(t, cmd, "demo", "--scale", "tiny", "--matrix", "--duration", "2s", "--seed", "7", "--claim", "10s:1s", "--out", "d")
		if o.scale != "tiny" || !o.matrix || o.duration != 2*time.Second || o.seed != 7 || o.claim != "10s:1s" || o.out != "d" {
			t.Errorf("options %+v", o)
		}
	})

	t.Run("db up", func(t *testing.T) {
		var o *dbUpOptions
		cmd := newDBUpCmd(s, func(_ context.Context, opts *dbUpOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "up", "--provider", "local", "--scale", "demo", "--seed", "3", "--indexes", "on", "--fixtures", "f.json", "--users", "20"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.Provider != "local" || o.Profile != "demo" || o.Seed != 3 || o.indexes != "on" || o.Fixtures != "f.json" || o.Users != 20 || o.Detach {
			t.Errorf("options %+v", o)
		}
		// --dsn comes from PERFGATE_DSN when not given.
		if o.DSN != "postgres://env@127.0.0.1/db" {
			t.Errorf("DSN from the environment: %q", o.DSN)
		}
	})

	t.Run("db seed", func(t *testing.T) {
		var o *dbSeedOptions
		cmd := newDBSeedCmd(s, func(_ context.Context, opts *dbSeedOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "seed", "--dsn", "postgres://x@h/d", "--force", "--contents", "50", "--events", "2"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.DSN != "postgres://x@h/d" || !o.Force || o.Contents != 50 || o.Events != 2 || o.Profile != "tiny" {
			t.Errorf("options %+v", o)
		}
	})

	t.Run("db indexes", func(t *testing.T) {
		var o *dbIndexesOptions
		cmd := newDBIndexesCmd(s, func(_ context.Context, opts *dbIndexesOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "indexes", "verify"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.Action != "verify" || o.DSN != "postgres://env@127.0.0.1/db" {
			t.Errorf("options %+v", o)
		}
		cmd = newDBIndexesCmd(s, func(context.Context, *dbIndexesOptions) error { return nil })
		if code := parse(t, cmd, "indexes"); code != exit.CodeUsage {
			t.Errorf("no action: exit %d, want 2", code)
		}
	})

	t.Run("db down", func(t *testing.T) {
		var o *dbDownOptions
		cmd := newDBDownCmd(s, func(_ context.Context, opts *dbDownOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "down", "--state-file", "/tmp/st.json", "--timeout", "9s"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.StateFile != "/tmp/st.json" || o.Timeout != 9*time.Second {
			t.Errorf("options %+v", o)
		}
	})
}
