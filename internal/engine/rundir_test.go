package engine

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// TestNamedRunDirsAreUnique: two runs with the same label in the same
// second get two directories, claimed atomically.
func TestNamedRunDirsAreUnique(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	a, err := CreateNamedRunDir(now, "after", "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := CreateNamedRunDir(now, "after", "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path != "reports/20261130T120000Z-after" || b.Path != "reports/20261130T120000Z-after-2" {
		t.Errorf("paths %s and %s", a.Path, b.Path)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Path + "/" + LockFile); !os.IsNotExist(err) {
		t.Errorf("the lock file stays after Close: %v", err)
	}
}

// TestLatestLink: reports/latest-<label> follows the newest run, and a
// file of the user's by that name is never replaced.
func TestLatestLink(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i, want := range []string{"20261130T120000Z-after", "20261130T120000Z-after-2"} {
		d, err := CreateNamedRunDir(now, "after", "")
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		link, err := LinkLatest(d.Path, "after")
		if err != nil || link != "reports/latest-after" {
			t.Fatalf("run %d: link %q, %v", i, link, err)
		}
		if got, _ := os.Readlink(link); got != want {
			t.Errorf("run %d: latest-after -> %q, want %q", i, got, want)
		}
	}
	if link, err := LinkLatest("reports/x", ""); link != "" || err != nil {
		t.Errorf("no label: %q, %v", link, err)
	}
	os.WriteFile("reports/latest-mine", []byte("keep"), 0o644)
	if _, err := LinkLatest("reports/x", "mine"); err == nil {
		t.Error("replaced a file of the user's")
	}
	if b, _ := os.ReadFile("reports/latest-mine"); string(b) != "keep" {
		t.Error("the user's file changed")
	}
}

// TestCreateOutDir: --out when given, else a directory named after the
// clock, which is read only then.
func TestCreateOutDir(t *testing.T) {
	t.Chdir(t.TempDir())
	now := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	d, err := CreateOutDir("", false, now, "merged")
	if err != nil || d.Path != "reports/20261130T120000Z-merged" {
		t.Fatalf("default: %v, %v", d, err)
	}
	d.Close()
	noClock := func() time.Time { t.Error("the clock was read for --out"); return time.Time{} }
	d, err = CreateOutDir("mine", false, noClock, "merged")
	if err != nil || d.Path != "mine" {
		t.Fatalf("--out: %v, %v", d, err)
	}
	d.Close()
}

// TestCreateRenderDir: a run is rendered into its own directory unless
// --out names another, which must then be new or empty.
func TestCreateRenderDir(t *testing.T) {
	run := t.TempDir()
	if err := os.WriteFile(filepath.Join(run, model.SummaryFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{"", run, run + "/."} {
		d, err := CreateRenderDir(out, run, false)
		if err != nil || d.Path != run {
			t.Errorf("out %q: %v, %v; want the run's own directory", out, d, err)
			continue
		}
		if _, err := os.Stat(filepath.Join(run, LockFile)); !os.IsNotExist(err) {
			t.Errorf("out %q: the run being rendered was locked: %v", out, err)
		}
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}
	other := filepath.Join(t.TempDir(), "site")
	d, err := CreateRenderDir(other, run, false)
	if err != nil || d.Path != other {
		t.Fatalf("another directory: %v, %v", d, err)
	}
	if _, err := os.Stat(filepath.Join(other, LockFile)); err != nil {
		t.Errorf("another directory is not locked while written: %v", err)
	}
	d.Close()
	if err := os.WriteFile(filepath.Join(other, model.SummaryFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateRenderDir(other, run, false); exit.Code(err) != exit.CodeUsage || !strings.Contains(err.Error(), "pass --replace") {
		t.Errorf("another run's directory without --replace: %v", err)
	}
}

// TestRerender: a saved run, given as its directory or its summary.json,
// is handed to write with where its files go and where its raw results
// are; a path without a run is refused (exit 2) before anything is
// created.
func TestRerender(t *testing.T) {
	run := t.TempDir()
	if err := model.WriteRun(run, &model.Run{Schema: model.SchemaRun, Label: "after"}); err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(t.TempDir(), "site")
	for _, tt := range []struct {
		path, out string
		wantDir   string
	}{
		{run, "", run},
		{filepath.Join(run, model.SummaryFile), "", run},
		{run, site, site},
	} {
		var got []string
		err := Rerender(tt.path, tt.out, false, func(dir, runDir string, r *model.Run) error {
			got = []string{dir, runDir, r.Label}
			return nil
		})
		if want := []string{tt.wantDir, run, "after"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("Rerender(%s, out %q): write got %q, %v; want %q", tt.path, tt.out, got, err, want)
		}
	}

	boom := errors.New("boom")
	if err := Rerender(run, "", false, func(string, string, *model.Run) error { return boom }); err != boom {
		t.Errorf("error of write: %v, want %v", err, boom)
	}
	out := filepath.Join(t.TempDir(), "out")
	err := Rerender(t.TempDir(), out, false, func(string, string, *model.Run) error {
		t.Error("write called without a run")
		return nil
	})
	if exit.Code(err) != exit.CodeUsage || !strings.HasSuffix(err.Error(), "; pass a run directory or its summary.json") {
		t.Errorf("a directory without a run: %v (exit %d), want exit 2 saying what to pass", err, exit.Code(err))
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--out created for no run: %v", err)
	}
}

// TestCreateCapacityOut: a new reports/<time>-capacity[-label], or --out,
// beside a run already there.
func TestCreateCapacityOut(t *testing.T) {
	t.Chdir(t.TempDir())
	now := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	for label, want := range map[string]string{"": "reports/20261130T120000Z-capacity", "after": "reports/20261130T120000Z-capacity-after"} {
		d, beside, err := CreateCapacityOut("", label, now)
		if err != nil || d.Path != want || beside {
			t.Errorf("label %q: %v, beside %v, %v; want %s", label, d, beside, err, want)
			continue
		}
		d.Close()
	}
	run := t.TempDir()
	if err := os.WriteFile(filepath.Join(run, model.SummaryFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, beside, err := CreateCapacityOut(run, "after", func() time.Time { t.Error("the clock was read for --out"); return time.Time{} })
	if err != nil || d.Path != run || !beside {
		t.Fatalf("beside a run: %v, beside %v, %v", d, beside, err)
	}
	d.Close()
}
