package load

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	vegeta "github.com/tsenart/vegeta/v12/lib"
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
