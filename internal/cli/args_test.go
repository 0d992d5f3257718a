package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/demo"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv"
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
		want := compareOptions{before: "b", after: "a", formats: "md,json", out: "o",
			Flags: compare.Flags{Claim: "50s:2s", ClaimPercentile: "p95", ClaimScenario: "s1", MaxRegression: "5%"}}
		if o.before != want.before || o.after != want.after || o.Claim != want.Claim || o.ClaimPercentile != want.ClaimPercentile ||
			o.ClaimScenario != want.ClaimScenario || o.MaxRegression != want.MaxRegression || o.formats != want.formats || o.out != want.out {
			t.Errorf("options %+v", o)
		}
		if code := parse(t, newCompareCmd(s, func(context.Context, *compareOptions) error { return nil }), "compare", "only-one"); code != exit.CodeUsage {
			t.Errorf("one run: exit %d, want 2", code)
		}
		parse(t, newCompareCmd(s, func(_ context.Context, opts *compareOptions) error { o = opts; return nil }), "compare", "b", "a")
		if o.ClaimPercentile != "p50" || o.MaxRegression != "10%" || o.formats != "text" || o.Claim != "" ||
			o.ClaimTolerance != "50%" || o.MinEffect != compare.DefaultMinEffect || strings.Join(o.Percentiles, ",") != "p50,p90,p95,p99,max" {
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
		if o.Before != "http://a" || o.After != "http://b" || o.Samples != 3 || strings.Join(o.Ignore, ",") != ".x,.y" ||
			o.Unordered[0] != ".l" || o.Overrides.Timeout != 5*time.Second || o.Overrides.Fixtures != "fx.json" || o.Paths[0] != "scen/" ||
			o.Explore != equiv.DefaultExplore || o.Seed != equiv.DefaultSeed || o.MaxSubset != equiv.DefaultMaxSubset || o.out != "" {
			t.Errorf("options %+v", o)
		}
	})

	t.Run("demo", func(t *testing.T) {
		var o *demoOptions
		cmd := newDemoCmd(s, func(_ context.Context, opts *demoOptions) error { o = opts; return nil })
		if code := parse(t, cmd, "demo"); code != 0 {
			t.Fatalf("exit %d", code)
		}
		if o.Scale != demo.DefaultScale || o.Duration != demo.DefaultDuration || o.SampleBudget != demo.DefaultSampleBudget ||
			o.Claim != demo.DefaultClaim || o.Matrix || o.Seed != 1 || o.Dir != "" || len(o.Paths) != 0 || o.noProgress {
			t.Errorf("defaults %+v", o)
		}
		cmd = newDemoCmd(s, func(_ context.Context, opts *demoOptions) error { o = opts; return nil })
		parse(t, cmd, "demo", "--scale", "tiny", "--matrix", "--duration", "2s", "--sample-budget", "9s", "--seed", "7", "--claim", "10s:1s",
			"--out", "d", "--no-progress", "s.yaml")
		if o.Scale != "tiny" || !o.Matrix || o.Duration != 2*time.Second || o.SampleBudget != 9*time.Second || o.Seed != 7 || o.Claim != "10s:1s" ||
			o.Dir != "d" || !o.noProgress || len(o.Paths) != 1 || o.Paths[0] != "s.yaml" {
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
