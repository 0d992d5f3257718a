package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

// writeRunDir writes a run directory with raw results for two scenarios
// and a summary.json, and returns it.
func writeRunDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	start := time.Unix(1_700_000_000, 0)
	for s, name := range []string{"b-scenario", "a-scenario"} {
		w, err := load.CreateRaw(filepath.Join(dir, name+load.RawExt))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			r := load.Result{Seq: uint64(i), Timestamp: start.Add(time.Duration(i) * time.Second),
				Latency: time.Duration(s+1) * time.Millisecond, Code: 200, BytesIn: 5}
			if err := w.Write(&r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func execExport(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Execute(context.Background(), append([]string{"export"}, args...), Streams{Out: &out, ErrOut: &errOut, In: strings.NewReader("")})
	return code, out.String(), errOut.String()
}

func TestExportArgs(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want exportOptions
	}{
		{args: []string{"reports/r1", "--to", "vegeta"}, want: exportOptions{run: "reports/r1", ExportOptions: load.ExportOptions{To: "vegeta"}}},
		{args: []string{"r", "--to=csv", "--scenario", "a", "--scenario", "b", "-o", "x.csv"},
			want: exportOptions{run: "r", ExportOptions: load.ExportOptions{To: "csv", Scenarios: []string{"a", "b"}}, output: "x.csv"}},
		{args: []string{"r"}, env: map[string]string{"PERFGATE_TO": "csv"}, want: exportOptions{run: "r", ExportOptions: load.ExportOptions{To: "csv"}}},
		{args: []string{"r", "--to", "vegeta", "--all"}, want: exportOptions{run: "r", ExportOptions: load.ExportOptions{To: "vegeta", All: true}}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var got *exportOptions
			cmd := newExportCmd(Streams{}, func(_ context.Context, o *exportOptions) error {
				got = o
				return nil
			})
			root := &cobra.Command{Use: "perfgate", PersistentPreRunE: func(c *cobra.Command, _ []string) error { return applyEnv(c) }}
			root.AddCommand(cmd)
			root.SetArgs(append([]string{"export"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(exportOptions{}), cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".streams"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("options mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExport(t *testing.T) {
	dir := writeRunDir(t)
	a, b := filepath.Join(dir, "a-scenario"+load.RawExt), filepath.Join(dir, "b-scenario"+load.RawExt)
	var bothVegeta, aVegeta bytes.Buffer
	if err := load.ExportVegeta(&bothVegeta, a, b); err != nil {
		t.Fatal(err)
	}
	if err := load.ExportVegeta(&aVegeta, a); err != nil {
		t.Fatal(err)
	}
	// vegeta's tools would mix the scenarios of a run: one is exported
	// unless --all, and stderr says which and how to choose.
	note := "perfgate: exporting scenario a-scenario only, 1 of the run's 2: vegeta's tools would mix them into one; " +
		"choose another with --scenario (b-scenario), or --all to mix them anyway\n"
	tests := []struct {
		name   string
		args   []string
		want   string
		stderr string
	}{
		{name: "vegeta, a run of two: the first only, said so", args: []string{dir, "--to", "vegeta"}, want: aVegeta.String(), stderr: note},
		{name: "vegeta, every scenario with --all, in name order", args: []string{dir, "--to", "vegeta", "--all"}, want: bothVegeta.String()},
		{name: "vegeta, one scenario", args: []string{dir, "--to", "vegeta", "--scenario", "a-scenario"}, want: aVegeta.String()},
		{name: "vegeta, one file", args: []string{a, "--to", "vegeta"}, want: aVegeta.String()},
		{name: "csv", args: []string{dir, "--to", "csv", "--scenario", "b-scenario"}, want: strings.Join(load.CSVHeader, ",") + "\n" +
			"b-scenario,0,1700000000000000000,1000000,200,5,0,,0,1700000000000000000,true\n" +
			"b-scenario,1,1700000001000000000,1000000,200,5,0,,0,1700000001000000000,true\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := execExport(tt.args...)
			if code != exit.CodeOK {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if out != tt.want {
				t.Errorf("stdout differs from the export of the same files:\n got %q\nwant %q", out, tt.want)
			}
			if errOut != tt.stderr {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
		})
	}
}

// TestExportVegetaFirstOfTheRun: the scenario exported by default is the
// run's first, in the order it ran, not in name order.
func TestExportVegetaFirstOfTheRun(t *testing.T) {
	dir := writeRunDir(t)
	run := model.Run{Schema: model.SchemaRun, Scenarios: []*model.Scenario{{Name: "b-scenario"}, {Name: "a-scenario"}}}
	if err := model.WriteRun(dir, &run); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := load.ExportVegeta(&want, filepath.Join(dir, "b-scenario"+load.RawExt)); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := execExport(dir, "--to", "vegeta")
	if code != exit.CodeOK || out != want.String() || !strings.Contains(errOut, "exporting scenario b-scenario only") {
		t.Errorf("exit %d, stderr %q; stdout is b-scenario's export: %v", code, errOut, out == want.String())
	}
}

func TestExportToFile(t *testing.T) {
	dir := writeRunDir(t)
	outPath := filepath.Join(t.TempDir(), "out.csv")
	code, out, errOut := execExport(dir, "--to", "csv", "-o", outPath)
	if code != exit.CodeOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	data, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 5 {
		t.Errorf("%s has %d lines, want header + 4 rows:\n%s", outPath, lines, data)
	}
}

func TestExportErrors(t *testing.T) {
	dir := writeRunDir(t)
	empty := t.TempDir()
	corrupt := filepath.Join(t.TempDir(), "x"+load.RawExt)
	if err := os.WriteFile(corrupt, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "unknown format", args: []string{dir, "--to", "json"}, wantErr: `--to "json" is not a format: choose csv or vegeta`},
		{name: "no format", args: []string{dir}, wantErr: "--to is required: choose csv or vegeta"},
		{name: "no run", args: []string{"--to", "csv"}, wantErr: "got 0 arguments; RUN is one run directory"},
		{name: "missing run", args: []string{filepath.Join(empty, "nope"), "--to", "csv"}, wantErr: "does not exist"},
		{name: "no raw results", args: []string{empty, "--to", "csv"}, wantErr: "holds no raw results (*.parquet files)"},
		{name: "unknown scenario", args: []string{dir, "--to", "csv", "--scenario", "c"}, wantErr: `no raw results for scenario "c"; it has a-scenario, b-scenario`},
		{name: "not parquet", args: []string{filepath.Join(dir, "summary.json"), "--to", "csv"}, wantErr: "summary.json is not a raw results file (*.parquet)"},
		{name: "corrupt", args: []string{corrupt, "--to", "csv"}, wantErr: "corrupt raw results file: not a Parquet file"},
		{name: "all and scenario", args: []string{dir, "--to", "vegeta", "--all", "--scenario", "a-scenario"}, wantErr: "--all and --scenario both choose scenarios"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := execExport(tt.args...)
			wantCode := exit.CodeUsage
			if code != wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, wantCode, errOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.wantErr)
			}
		})
	}
}
