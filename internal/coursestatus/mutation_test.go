package coursestatus_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/cli"
	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// mutationSeed is a database small enough that perfgate diff's default
// 150 generated requests take about a second against the original loop,
// with every sparse case and every status of the full profiles.
var mutationSeed = pgenv.SeedOptions{Users: 6, Courses: 5, Contents: 8, Events: 3, Seed: 7}

// mutationDB seeds a database for the test and returns its DSN and the
// path of its fixtures file.
func mutationDB(t *testing.T) (dsn, fxPath string) {
	t.Helper()
	dsn = pgtest.NewDB(t)
	rep, err := pgenv.Seed(context.Background(), dsn, mutationSeed)
	if err != nil {
		t.Fatal(err)
	}
	fxPath = filepath.Join(t.TempDir(), "fixtures.json")
	if err := fixtures.Write(fxPath, &rep.Fixtures); err != nil {
		t.Fatal(err)
	}
	return dsn, fxPath
}

// serve starts h on a loopback port for the test.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// diff runs perfgate diff with its default flags (plus args) between two
// versions over the shipped scenarios and the mutation fixtures.
func diff(t *testing.T, fxPath, before, after string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	argv := append([]string{"diff", "--before", before, "--after", after, "--fixtures", fxPath}, args...)
	argv = append(argv, "../../scenarios")
	code := cli.Execute(context.Background(), argv, cli.Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	if code == exit.CodeUsage || code == exit.CodeUnavailable {
		t.Fatalf("perfgate %s: exit %d\n%s%s", strings.Join(argv, " "), code, out.String(), errOut.String())
	}
	return code, out.String()
}

// TestDiffCatchesEveryMutant: perfgate diff, with its default flags,
// finds every mutant of the optimized handler, and finds the real
// optimized handler equal to the original loop.
func TestDiffCatchesEveryMutant(t *testing.T) {
	dsn, fxPath := mutationDB(t)
	pool, err := coursestatus.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	handler := func(s coursestatus.Strategy) http.Handler {
		h, err := coursestatus.NewHandler(pool, s)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	naive := serve(t, handler(coursestatus.Naive))

	t.Run("optimized", func(t *testing.T) {
		code, out := diff(t, fxPath, naive, serve(t, handler(coursestatus.Optimized)))
		if code != exit.CodeOK || !strings.Contains(out, "explored), 0 differences\n") {
			t.Fatalf("naive against optimized: exit %d, want 0 and 0 differences:\n%s", code, out)
		}
	})

	escaped := 0
	for _, m := range coursestatus.Mutants {
		t.Run(m.Name, func(t *testing.T) {
			h, err := m.Handler(pool)
			if err != nil {
				t.Fatal(err)
			}
			after := serve(t, h)
			code, out := diff(t, fxPath, naive, after)
			if code != exit.CodeFailed || !strings.Contains(out, "differences by kind:") || !strings.Contains(out, "reproduce: curl ") {
				t.Fatalf("the mutant that %s passed perfgate diff (exit %d):\n%s", m.What, code, out)
			}
			// The scenario files alone: the shipped requests have none of
			// the shapes most of these bugs need.
			if code, _ := diff(t, fxPath, naive, after, "--explore", "0"); code == exit.CodeOK {
				t.Logf("the scenario files alone miss the mutant that %s", m.What)
				escaped++
			}
		})
	}
	// Without exploring, diff calls broken versions equivalent: the reason
	// it explores by default.
	if escaped == 0 {
		t.Errorf("every mutant is caught by the scenario files alone: these mutants no longer show what exploring adds")
	}
}
