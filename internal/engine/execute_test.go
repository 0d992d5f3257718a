package engine

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// TestExecute follows a run from plan to written directory: where the
// directory goes, when the caller's Start and Write are called, the
// latest link, a shard's ignored probe, an interrupt and a failed run.
func TestExecute(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "s.yaml")
	yaml := "name: s\nrequest:\n  method: GET\n  path: /\nload:\n  rate: 20/s\n  duration: 100ms\nexpect:\n  status: 200\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := Plan([]string{file}, Overrides{}, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }

	// calls records the caller's hooks in order.
	type calls struct {
		log    []string
		writes []*model.Run
	}
	hooks := func(o *ExecuteOptions, c *calls) {
		o.Start = func(dir string) error {
			c.log = append(c.log, "start "+dir)
			return nil
		}
		o.Write = func(dir string, run *model.Run) error {
			c.log = append(c.log, "write "+dir)
			c.writes = append(c.writes, run)
			return nil
		}
	}

	t.Run("out", func(t *testing.T) {
		var c calls
		out := filepath.Join(t.TempDir(), "run")
		o := ExecuteOptions{Run: RunOptions{Target: srv.URL, Label: "before", Now: clock}, Out: out}
		hooks(&o, &c)
		ex, err := Execute(context.Background(), ps, o)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Dir != out || ex.Latest != "" || !ex.Run.Pass || len(ex.Run.Scenarios) != 1 {
			t.Errorf("execution %+v, want %s, no latest link, one passing scenario", ex, out)
		}
		if want := []string{"start " + out, "write " + out}; !slices.Equal(c.log, want) {
			t.Errorf("hooks %q, want %q", c.log, want)
		}
		if c.writes[0] != ex.Run || ex.Run.Incomplete != "" {
			t.Errorf("wrote %+v, want the complete run returned", c.writes[0])
		}
		if _, err := os.Stat(filepath.Join(out, "s.parquet")); err != nil {
			t.Error(err)
		}
	})

	t.Run("named with latest link", func(t *testing.T) {
		t.Chdir(t.TempDir())
		ex, err := Execute(context.Background(), ps, ExecuteOptions{Run: RunOptions{Target: srv.URL, Label: "before", Now: clock}})
		if err != nil {
			t.Fatal(err)
		}
		if want := DirName(clock(), "before"); ex.Dir != want {
			t.Errorf("dir %s, want %s", ex.Dir, want)
		}
		if ex.Latest != LatestLink("before") {
			t.Errorf("latest %q, want %q", ex.Latest, LatestLink("before"))
		}
		if to, err := filepath.EvalSymlinks(ex.Latest); err != nil || to != ex.Dir {
			t.Errorf("latest link points at %q (%v), want %s", to, err, ex.Dir)
		}
	})

	t.Run("shard ignores the probe", func(t *testing.T) {
		t.Chdir(t.TempDir())
		shard, err := ParseShard("1/2", nil)
		if err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		warnings := make([]string, 0, 4)
		// A DSN nothing listens on: shard 1 must not open it.
		ex, err := Execute(context.Background(), ps, ExecuteOptions{
			Run: RunOptions{Target: srv.URL, Label: "l", Shard: shard, Now: clock, Warnings: warnings},
			DSN: "postgres://nobody@127.0.0.1:1/none", Log: &log,
		})
		if err != nil {
			t.Fatal(err)
		}
		w := shard.ProbeWarning()
		if got := log.String(); got != "perfgate: "+w+"\n" {
			t.Errorf("log %q, want the probe warning", got)
		}
		if !slices.Contains(ex.Run.Warnings, w) {
			t.Errorf("warnings %q, want %q", ex.Run.Warnings, w)
		}
		if warnings[:1][0] != "" {
			t.Errorf("the caller's warnings were written to: %q", warnings[:1])
		}
		if want := DirName(clock(), "l") + shard.DirSuffix(); ex.Dir != want || ex.Latest != "" {
			t.Errorf("dir %s, latest %q; want %s and no link for a shard", ex.Dir, ex.Latest, want)
		}
		m, err := model.ReadShardMarker(ex.Dir)
		if err != nil || m.Index != 1 || m.Count != 2 {
			t.Errorf("shard marker %+v, %v", m, err)
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		var c calls
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := filepath.Join(t.TempDir(), "run")
		o := ExecuteOptions{Run: RunOptions{Target: srv.URL, Now: clock}, Out: out}
		hooks(&o, &c)
		start := o.Start
		o.Start = func(dir string) error { cancel(); return start(dir) }
		ex, err := Execute(ctx, ps, o)
		if exit.Code(err) != exit.CodeUnavailable || err.Error() != "interrupted: the results gathered so far are in "+out {
			t.Errorf("error %v (exit %d), want exit 3 saying where the results are", err, exit.Code(err))
		}
		if ex == nil || !ex.Run.Interrupted || ex.Run.Pass || len(c.writes) != 1 {
			t.Errorf("execution %+v, %d writes; want the interrupted run, written", ex, len(c.writes))
		}
	})

	t.Run("failed run is written incomplete", func(t *testing.T) {
		var c calls
		out := filepath.Join(t.TempDir(), "run")
		o := ExecuteOptions{Run: RunOptions{Target: srv.URL, Now: clock}, Out: out}
		hooks(&o, &c)
		// A directory where the raw results go fails the scenario.
		o.Start = func(dir string) error { return os.Mkdir(filepath.Join(dir, "s.parquet"), 0o755) }
		ex, err := Execute(context.Background(), ps, o)
		if err == nil || ex != nil {
			t.Fatalf("execution %+v, error %v; want an error", ex, err)
		}
		if len(c.writes) != 1 || c.writes[0].Incomplete != err.Error() || c.writes[0].Pass {
			t.Errorf("writes %+v, want one incomplete run saying %q", c.writes, err)
		}
	})

	t.Run("errors of the caller's hooks", func(t *testing.T) {
		boom := errors.New("boom")
		for _, hook := range []string{"start", "write"} {
			o := ExecuteOptions{Run: RunOptions{Target: srv.URL, Now: clock}, Out: filepath.Join(t.TempDir(), "run")}
			if hook == "start" {
				o.Start = func(string) error { return boom }
			} else {
				o.Write = func(string, *model.Run) error { return boom }
			}
			if ex, err := Execute(context.Background(), ps, o); err != boom || ex != nil {
				t.Errorf("%s: execution %+v, error %v; want %v", hook, ex, err, boom)
			}
		}
	})

	t.Run("unreachable target", func(t *testing.T) {
		dead := deadURL()
		deadPs, err := Plan([]string{file}, Overrides{}, dead)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "run")
		_, err = Execute(context.Background(), deadPs, ExecuteOptions{Run: RunOptions{Target: dead}, Out: out})
		if exit.Code(err) != exit.CodeUnavailable || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("error %v (exit %d), want exit 3", err, exit.Code(err))
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("run directory created before the target answered: %v", err)
		}
	})
}

// deadURL is the URL of a server that has stopped: nothing answers there.
func deadURL() string {
	s := httptest.NewServer(http.NotFoundHandler())
	s.Close()
	return s.URL
}
