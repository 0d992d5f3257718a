package load

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/perfgate/perfgate/internal/exit"
)

func TestExportVegeta(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "alpha"+RawExt), filepath.Join(dir, "beta"+RawExt)
	ra, rb := fakeResults(500, 1), fakeResults(300, 2)
	writeRaw(t, a, ra)
	writeRaw(t, b, rb)

	var buf bytes.Buffer
	if err := ExportVegeta(&buf, a, b); err != nil {
		t.Fatal(err)
	}
	var want []vegeta.Result
	for _, set := range []struct {
		name string
		rs   []Result
	}{{"alpha", ra}, {"beta", rb}} {
		for _, r := range set.rs {
			want = append(want, vegeta.Result{
				Attack: set.name, Seq: r.Seq, Code: r.Code, Timestamp: r.Timestamp,
				Latency: r.Latency, BytesOut: r.BytesOut, BytesIn: r.BytesIn, Error: r.Error,
			})
		}
	}
	dec := vegeta.NewDecoder(&buf)
	var got []vegeta.Result
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("vegeta decoder: %v", err)
		}
		got = append(got, r)
	}
	if diff := cmp.Diff(want, got, cmpResults); diff != "" {
		t.Errorf("decoded results mismatch (-want +got):\n%s", diff)
	}

	// vegeta's own metrics read the stream.
	var m vegeta.Metrics
	for i := range got {
		m.Add(&got[i])
	}
	m.Close()
	if m.Requests != 800 {
		t.Errorf("vegeta metrics: %d requests, want 800", m.Requests)
	}
}

func TestExportCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s1"+RawExt)
	rs := []Result{
		{Seq: 0, Intended: time.Unix(0, 1_699_999_999_999_000_000), Timestamp: time.Unix(0, 1_700_000_000_000_000_000), Latency: 1500 * time.Microsecond, Code: 200, BytesIn: 10, BytesOut: 5},
		// No intended time: stored as the send time.
		{Seq: 1, Timestamp: time.Unix(0, 1_700_000_000_100_000_000), Latency: 2 * time.Second, Code: 500, BytesIn: 3, Error: "500 Internal Server Error, really", Shard: 2},
	}
	writeRaw(t, path, rs)
	var buf bytes.Buffer
	if err := ExportCSV(&buf, path); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	want := [][]string{
		CSVHeader,
		{"s1", "0", "1700000000000000000", "1500000", "200", "10", "5", "", "0", "1699999999999000000", "true"},
		{"s1", "1", "1700000000100000000", "2000000000", "500", "3", "0", "500 Internal Server Error, really", "2", "1700000000100000000", "false"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}
}

func TestExportMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope"+RawExt)
	for name, export := range map[string]func(io.Writer, ...string) error{
		"vegeta": ExportVegeta, "csv": ExportCSV,
	} {
		t.Run(name, func(t *testing.T) {
			if err := export(io.Discard, missing); err == nil {
				t.Error("no error for a missing file")
			}
		})
	}
}

// TestExportExpectedErrorStatus: a scenario that expects 400 passes on
// 400 answers. The pass column says so, while error keeps vegeta's meaning
// for vegeta's tools (issue 17, item 20).
func TestExportExpectedErrorStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "invalid-input"+RawExt)
	at := time.Unix(0, 1_700_000_000_000_000_000)
	rs := []Result{
		{Seq: 0, Timestamp: at, Latency: time.Millisecond, Code: 400, Error: "400 Bad Request"},
		{Seq: 1, Timestamp: at.Add(time.Second), Latency: time.Millisecond, Code: 200},
	}
	writeRaw(t, path, rs, ExpectStatus(400))
	var pass []bool
	if err := ReadRaw(path, func(r *Result) error { pass = append(pass, r.Pass); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{true, false}, pass); diff != "" {
		t.Errorf("pass (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := ExportCSV(&buf, path); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := [][]string{{rows[1][7], rows[1][10]}, {rows[2][7], rows[2][10]}}; !cmp.Equal(got, [][]string{{"400 Bad Request", "true"}, {"", "false"}}) {
		t.Errorf("csv error and pass cells %q, want the 400 an error that passed and the 200 a success that failed", got)
	}
	buf.Reset()
	if err := ExportVegeta(&buf, path); err != nil {
		t.Fatal(err)
	}
	var vr vegeta.Result
	if err := vegeta.NewDecoder(&buf).Decode(&vr); err != nil {
		t.Fatal(err)
	}
	if vr.Error != "400 Bad Request" {
		t.Errorf("vegeta export error %q, want vegeta's meaning kept", vr.Error)
	}
}

// TestOneScenario: vegeta gets the run's first scenario, in the order it
// ran, or the first file when the run's order is unknown.
func TestOneScenario(t *testing.T) {
	paths := []string{"r/a-scenario" + RawExt, "r/b-scenario" + RawExt, "r/c-scenario" + RawExt}
	tests := []struct {
		name     string
		order    []string
		want     string
		wantName string
		others   []string
	}{
		{"no summary: name order", nil, paths[0], "a-scenario", []string{"b-scenario", "c-scenario"}},
		{"the run's first", []string{"b-scenario", "a-scenario"}, paths[1], "b-scenario", []string{"a-scenario", "c-scenario"}},
		{"the first that has a file", []string{"gone", "c-scenario"}, paths[2], "c-scenario", []string{"a-scenario", "b-scenario"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, name, others := OneScenario(paths, tt.order)
			if path != tt.want || name != tt.wantName {
				t.Errorf("kept %s (%s), want %s (%s)", path, name, tt.want, tt.wantName)
			}
			if diff := cmp.Diff(tt.others, others); diff != "" {
				t.Errorf("others (-want +got):\n%s", diff)
			}
		})
	}
	if paths[0] != "r/a-scenario"+RawExt {
		t.Error("OneScenario changed its argument")
	}
}

// TestPlanExport: --to, --all and --scenario choose the encoding and the
// files; a vegeta export of a run of several holds its first scenario
// only, says so, and asks for the run's order only then.
func TestPlanExport(t *testing.T) {
	run := t.TempDir()
	a, b := filepath.Join(run, "a-scenario"+RawExt), filepath.Join(run, "b-scenario"+RawExt)
	writeRaw(t, a, fakeResults(2, 1))
	writeRaw(t, b, fakeResults(2, 2))
	ranBFirst := func() []string { return []string{"b-scenario", "a-scenario"} }
	tests := []struct {
		name       string
		run        string
		o          ExportOptions
		order      func() []string
		wantPaths  []string
		wantNotice string
		wantErr    string
	}{
		{name: "vegeta, a run of two: the run's first only, said so", run: run, o: ExportOptions{To: "vegeta"}, order: ranBFirst,
			wantPaths: []string{b}, wantNotice: "exporting scenario b-scenario only, 1 of the run's 2: vegeta's tools would mix them into one; " +
				"choose another with --scenario (a-scenario), or --all to mix them anyway"},
		{name: "vegeta, the run's order unknown: name order", run: run, o: ExportOptions{To: "vegeta"}, order: func() []string { return nil },
			wantPaths: []string{a}, wantNotice: "exporting scenario a-scenario only, 1 of the run's 2: vegeta's tools would mix them into one; " +
				"choose another with --scenario (b-scenario), or --all to mix them anyway"},
		{name: "vegeta, all", run: run, o: ExportOptions{To: "vegeta", All: true}, wantPaths: []string{a, b}},
		{name: "vegeta, one scenario", run: run, o: ExportOptions{To: "vegeta", Scenarios: []string{"b-scenario"}}, wantPaths: []string{b}},
		{name: "vegeta, one file", run: a, o: ExportOptions{To: "vegeta"}, wantPaths: []string{a}},
		{name: "csv, every scenario", run: run, o: ExportOptions{To: "csv"}, wantPaths: []string{a, b}},
		{name: "csv, scenarios in the order given", run: run, o: ExportOptions{To: "csv", Scenarios: []string{"b-scenario", "a-scenario"}}, wantPaths: []string{b, a}},
		{name: "no encoding", run: run, wantErr: "--to is required: choose csv or vegeta"},
		{name: "unknown encoding", run: run, o: ExportOptions{To: "json"}, wantErr: `--to "json" is not a format: choose csv or vegeta`},
		{name: "the encoding checked first", run: filepath.Join(run, "nope"), o: ExportOptions{To: "json", All: true, Scenarios: []string{"a"}},
			wantErr: `--to "json" is not a format`},
		{name: "all and scenario", run: run, o: ExportOptions{To: "vegeta", All: true, Scenarios: []string{"a-scenario"}},
			wantErr: "--all and --scenario both choose scenarios: pass one of them"},
		{name: "unknown scenario", run: run, o: ExportOptions{To: "csv", Scenarios: []string{"c"}},
			wantErr: `no raw results for scenario "c"; it has a-scenario, b-scenario`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order := tt.order
			if order == nil {
				order = func() []string { t.Error("the run's order was read"); return nil }
			}
			e, err := PlanExport(tt.run, tt.o, order)
			if tt.wantErr != "" {
				if exit.Code(err) != exit.CodeUsage || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v (exit %d), want exit 2 and %q", err, exit.Code(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantPaths, e.Paths); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
			if e.Notice != tt.wantNotice {
				t.Errorf("notice %q, want %q", e.Notice, tt.wantNotice)
			}
			var got, want bytes.Buffer
			if err := e.Encode(&got, e.Paths...); err != nil {
				t.Fatal(err)
			}
			if err := Exports[tt.o.To](&want, e.Paths...); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("Encode is not the %s export", tt.o.To)
			}
		})
	}
}

// TestExportFile: the file holds the export, and a failed export leaves
// no file behind.
func TestExportFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "s"+RawExt)
	writeRaw(t, src, fakeResults(3, 1))
	var want bytes.Buffer
	if err := ExportCSV(&want, src); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	if err := ExportFile(out, ExportCSV, src); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != want.String() {
		t.Errorf("%s: %v\n got %q\nwant %q", out, err, got, want.String())
	}

	failed := filepath.Join(dir, "failed.csv")
	half := func(w io.Writer, _ ...string) error {
		io.WriteString(w, "half")
		return errors.New("broken")
	}
	if err := ExportFile(failed, half, src); err == nil || err.Error() != "broken" {
		t.Errorf("err %v, want the export's", err)
	}
	if _, err := os.Stat(failed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed export left %s behind: %v", failed, err)
	}
	err := ExportFile(filepath.Join(dir, "nope", "x.csv"), ExportCSV, src)
	if exit.Code(err) != exit.CodeUsage || !strings.HasPrefix(err.Error(), "export: ") {
		t.Errorf("unwritable file: err %v (exit %d), want exit 2", err, exit.Code(err))
	}
}

func TestExportNames(t *testing.T) {
	if diff := cmp.Diff([]string{"csv", "vegeta"}, ExportNames()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}
