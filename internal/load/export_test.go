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
		{Seq: 0, Timestamp: time.Unix(0, 1_700_000_000_000_000_000), Latency: 1500 * time.Microsecond, Code: 200, BytesIn: 10, BytesOut: 5},
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
		{"s1", "0", "1700000000000000000", "1500000", "200", "10", "5", "", "0"},
		{"s1", "1", "1700000000100000000", "2000000000", "500", "3", "0", "500 Internal Server Error, really", "2"},
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
