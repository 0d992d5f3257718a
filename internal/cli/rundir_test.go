package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
)

// TestRunDirectoryKeepsUsersFiles: --out never overwrites what is not a
// perfgate run, replaces a run only with --replace, and refuses a
// directory another perfgate is writing.
func TestRunDirectoryKeepsUsersFiles(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "ok", "  status: 200")
	args := func(out string, extra ...string) []string {
		return append([]string{"run", "--target", tg.URL, "--rate", "5/s", "--duration", "300ms", "--format", "text,json,md,junit,html", "--out", out}, append(extra, sf)...)
	}

	mine := filepath.Join(t.TempDir(), "d")
	os.MkdirAll(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "report.html"), []byte("mine"), 0o644)
	code, out := execute(args(mine)...)
	if code != exit.CodeUsage || !strings.Contains(out, "holds files perfgate did not write (report.html)") {
		t.Errorf("a directory of the user's: exit %d, %s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(mine, "report.html")); string(b) != "mine" {
		t.Errorf("the user's report.html was overwritten: %q", b)
	}

	run := filepath.Join(t.TempDir(), "r")
	if code, out := execute(args(run)...); code != exit.CodeOK {
		t.Fatalf("first run: exit %d, %s", code, out)
	}
	if code, out := execute(args(run)...); code != exit.CodeUsage || !strings.Contains(out, "pass --replace to replace it") {
		t.Errorf("a second run into a run directory: exit %d, %s", code, out)
	}
	if code, out := execute(args(run, "--replace")...); code != exit.CodeOK {
		t.Errorf("--replace: exit %d, %s", code, out)
	}

	locked := filepath.Join(t.TempDir(), "l")
	rd, err := engine.CreateRunDir(locked, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if code, out := execute(args(locked)...); code != exit.CodeUsage || !strings.Contains(out, "another perfgate is writing") {
		t.Errorf("a directory being written: exit %d, %s", code, out)
	}
}

// TestExportAndReportNeverReplaceARun: export -o and report --out refuse
// to replace a run directory's files.
func TestExportAndReportNeverReplaceARun(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "ok", "  status: 200")
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, d := range []string{a, b} {
		if code, out := execute("run", "--target", tg.URL, "--rate", "5/s", "--duration", "300ms", "--out", d, sf); code != exit.CodeOK {
			t.Fatalf("run: exit %d, %s", code, out)
		}
	}
	raw := filepath.Join(a, "ok.parquet")
	before, _ := os.ReadFile(raw)
	for _, o := range []string{raw, filepath.Join(a, "summary.json"), filepath.Join(a, "other.parquet")} {
		if code, out := execute("export", a, "--to", "csv", "-o", o); code != exit.CodeUsage || !strings.Contains(out, "would replace a file of a run directory") {
			t.Errorf("export -o %s: exit %d, %s", o, code, out)
		}
	}
	if after, _ := os.ReadFile(raw); string(after) != string(before) {
		t.Error("export -o replaced the raw results")
	}
	if code, out := execute("export", a, "--to", "csv", "-o", filepath.Join(t.TempDir(), "x.csv")); code != exit.CodeOK {
		t.Errorf("export elsewhere: exit %d, %s", code, out)
	}

	sumB, _ := os.ReadFile(filepath.Join(b, "summary.json"))
	if code, out := execute("report", a, "--format", "json,md", "--out", b); code != exit.CodeUsage || !strings.Contains(out, "already holds a run") {
		t.Errorf("report A --out B: exit %d, %s", code, out)
	}
	if got, _ := os.ReadFile(filepath.Join(b, "summary.json")); string(got) != string(sumB) {
		t.Error("report --out replaced another run's summary.json")
	}
	if code, out := execute("report", a, "--format", "md", "--out", a); code != exit.CodeOK {
		t.Errorf("report A --out A (re-render): exit %d, %s", code, out)
	}
}

// TestLaterFailureKeepsEarlierScenarios: when a later scenario cannot be
// measured, the summary of the earlier ones is still written, marked.
func TestLaterFailureKeepsEarlierScenarios(t *testing.T) {
	tg := newTarget(t)
	dir := t.TempDir()
	first := scenarioFile(t, dir, "a-first", "  status: 200")
	second := scenarioFile(t, dir, "b-second", "  status: 200")
	out := filepath.Join(t.TempDir(), "run")
	done := make(chan struct{})
	var code int
	var msg string
	go func() {
		defer close(done)
		code, msg = execute("run", "--target", tg.URL, "--duration", "1s", "--rate", "5/s", "--out", out, first, second)
	}()
	// While the first scenario runs, make the second one's raw results
	// file impossible to write (a disk that fills up, a name the file
	// system refuses).
	time.Sleep(300 * time.Millisecond)
	if err := os.MkdirAll(filepath.Join(out, "b-second.parquet", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	<-done
	if code != exit.CodeUnavailable {
		t.Errorf("exit %d, want 3: %s", code, msg)
	}
	run, err := model.ReadRun(out)
	if err != nil {
		t.Fatalf("no summary.json after the second scenario failed: %v", err)
	}
	if len(run.Scenarios) != 1 || run.Scenarios[0].Name != "a-first" || run.Incomplete == "" || run.Pass {
		t.Errorf("summary: %d scenarios, incomplete %q, pass %v", len(run.Scenarios), run.Incomplete, run.Pass)
	}
	if !strings.Contains(msg, "incomplete:") {
		t.Errorf("the text table does not say the run is incomplete:\n%s", msg)
	}
	_ = context.Background
}

// TestSecretsStayOutOfRunDirectories: a query parameter that looks like a
// secret is not written into summary.json or any report.
func TestSecretsStayOutOfRunDirectories(t *testing.T) {
	tg := newTarget(t)
	sf := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(sf, []byte("name: s\nrequest:\n  method: GET\n  path: /x?api_key=S3cretValue&userId=1\nload:\n  rate: 5/s\n  duration: 300ms\n"), 0o644)
	out := filepath.Join(t.TempDir(), "r")
	code, msg := execute("run", "--target", tg.URL, "--out", out, "--format", "text,json,md,junit,html", sf)
	if code != exit.CodeOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if strings.Contains(msg, "S3cretValue") {
		t.Errorf("stdout shows the secret:\n%s", msg)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		if strings.Contains(string(b), "S3cretValue") {
			t.Errorf("%s holds the secret", e.Name())
		}
	}
	run, err := model.ReadRun(out)
	if err != nil || !strings.Contains(run.Scenarios[0].URL, "api_key=REDACTED") || !strings.Contains(run.Scenarios[0].URL, "userId=1") {
		t.Errorf("summary URL %q, %v", run.Scenarios[0].URL, err)
	}
}

// TestUnwritableOutIsAUsageError: every command that writes files answers
// an --out it cannot create with exit 2, before any load.
func TestUnwritableOutIsAUsageError(t *testing.T) {
	tg := newTarget(t)
	sf := scenarioFile(t, t.TempDir(), "ok", "  status: 200")
	run := filepath.Join(t.TempDir(), "run")
	if code, out := execute("run", "--target", tg.URL, "--rate", "5/s", "--duration", "300ms", "--out", run, sf); code != exit.CodeOK {
		t.Fatalf("run: %d %s", code, out)
	}
	hits := tg.hits.Load()
	bad := "/dev/null/out"
	for _, args := range [][]string{
		{"run", "--target", tg.URL, "--out", bad, sf},
		{"capacity", "--target", tg.URL, "--out", bad, sf},
		{"report", run, "--format", "md", "--out", bad},
		{"compare", run, run, "--format", "md", "--out", bad},
		{"export", run, "--to", "csv", "-o", bad + "/x.csv"},
	} {
		if code, out := execute(args...); code != exit.CodeUsage {
			t.Errorf("%v: exit %d, want 2: %s", args, code, out)
		}
	}
	if tg.hits.Load() != hits {
		t.Errorf("load was sent although --out could not be written")
	}
}
