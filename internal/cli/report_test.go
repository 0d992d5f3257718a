package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
)

func TestReportCommand(t *testing.T) {
	run := writeTestRun(t, "after", spread(21, 1600*time.Millisecond), "200", true)
	// Without its raw results, which report.html says.
	if err := os.Remove(filepath.Join(run, "single-user-single-course.parquet")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   string
		wantFiles []string // in --out (or the run directory)
	}{
		{name: "files into the run dir", args: []string{"report", run, "--format", "md,junit,html"}, wantCode: exit.CodeOK,
			wantFiles: []string{"summary.md", "junit.xml", "report.html"}},
		{name: "text to stdout", args: []string{"report", filepath.Join(run, "summary.json")}, wantCode: exit.CodeOK, wantOut: "single-user-single-course"},
		{name: "several runs that are not shards", args: []string{"report", run, run}, wantCode: exit.CodeUsage, wantOut: "is not a shard of a distributed run"},
		{name: "bad format", args: []string{"report", run, "--format", "pdf"}, wantCode: exit.CodeUsage, wantOut: "valid formats are text,json,md,junit,html"},
		{name: "no run", args: []string{"report"}, wantCode: exit.CodeUsage, wantOut: "got 0 arguments; RUN is a run directory"},
		{name: "not a run", args: []string{"report", t.TempDir()}, wantCode: exit.CodeUsage, wantOut: "pass a run directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), tt.args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String()+errOut.String(), tt.wantOut) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.wantOut, out.String(), errOut.String())
			}
			for _, f := range tt.wantFiles {
				data, err := os.ReadFile(filepath.Join(run, f))
				if err != nil {
					t.Error(err)
					continue
				}
				if f == "report.html" && !strings.Contains(string(data), "Raw results could not be read") {
					t.Error("report.html does not say the raw results are missing")
				}
			}
		})
	}
}
