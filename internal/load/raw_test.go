package load

import (
	"bytes"
	stdcmp "cmp"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"

	"github.com/perfgate/perfgate/internal/safefile"
)

// fakeResults returns n results shaped like a real run: a steady schedule
// sent with up to 20 µs of lag, log-normal-ish latencies, a few errors;
// Pass as a writer with ExpectStatus(200) stores it.
func fakeResults(n int, seed uint64) []Result {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	out := make([]Result, n)
	for i := range out {
		lat := time.Duration(800_000 + rng.ExpFloat64()*400_000)
		intended := start.Add(time.Duration(i) * 100 * time.Microsecond)
		r := Result{
			Seq:       uint64(i),
			Intended:  intended,
			Timestamp: intended.Add(time.Duration(rng.IntN(20_000))),
			Latency:   lat,
			Code:      200,
			BytesIn:   412,
			BytesOut:  96,
			Shard:     1,
		}
		if rng.IntN(1000) == 0 {
			r.Code, r.Error, r.BytesIn = 500, "500 Internal Server Error", 21
		}
		if rng.IntN(5000) == 0 {
			r.Code, r.Error, r.BytesIn = 0, `Post "http://127.0.0.1:3000/x": timeout: no complete response within 2s`, 0
		}
		r.Pass = r.Code == 200 // as written with ExpectStatus(200)
		out[i] = r
	}
	return out
}

// testGroupRows keeps row groups small so that tests cross several.
const testGroupRows = 1000

// writeRaw writes rs to path in small row groups, expecting status 200
// unless opts say otherwise.
func writeRaw(t testing.TB, path string, rs []Result, opts ...RawOption) {
	t.Helper()
	w, err := createRaw(path, testGroupRows, append([]RawOption{ExpectStatus(200)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		if err := w.Write(&rs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeRawGroups writes rs with the production row-group size.
func writeRawGroups(b *testing.B, path string, rs []Result) {
	b.Helper()
	w, err := CreateRaw(path, ExpectStatus(200))
	if err != nil {
		b.Fatal(err)
	}
	for i := range rs {
		if err := w.Write(&rs[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func TestRawRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, testGroupRows, 3*testGroupRows + 17} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s"+RawExt)
			want := fakeResults(n, uint64(n))
			writeRaw(t, path, want)
			if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(tmps) > 0 {
				t.Errorf("temporary files left behind: %v", tmps)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != safefile.DefaultPerm {
				t.Errorf("raw file mode: %v, %v; want %v", fi.Mode(), err, os.FileMode(safefile.DefaultPerm))
			}
			var got []Result
			if err := ReadRaw(path, func(r *Result) error { got = append(got, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpResults); diff != "" {
				t.Errorf("ReadRaw mismatch (-want +got):\n%s", diff)
			}
			lats, err := ReadLatencies(path)
			if err != nil {
				t.Fatal(err)
			}
			wantLats := make([]time.Duration, len(want))
			for i := range want {
				wantLats[i] = want[i].Latency
			}
			if diff := cmp.Diff(wantLats, lats, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ReadLatencies mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRawConcurrentWrite writes from several goroutines while row groups
// are being flushed; run it with -race.
func TestRawConcurrentWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c"+RawExt)
	rs := fakeResults(30*testGroupRows, 7)
	w, err := createRaw(path, testGroupRows)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := g; i < len(rs); i += 3 {
				if err := w.Write(&rs[i]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(&rs[0]); err == nil {
		t.Error("Write after Close succeeded")
	}
	lats, err := ReadLatencies(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(lats) != len(rs) {
		t.Errorf("read %d latencies, want %d", len(lats), len(rs))
	}
}

func TestReadRawErrors(t *testing.T) {
	dir := t.TempDir()
	notParquet := filepath.Join(dir, "x"+RawExt)
	if err := os.WriteFile(notParquet, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"missing":     filepath.Join(dir, "missing"+RawExt),
		"not parquet": notParquet,
	} {
		t.Run(name, func(t *testing.T) {
			if err := ReadRaw(path, func(*Result) error { return nil }); err == nil {
				t.Error("ReadRaw: no error")
			}
			if _, err := ReadLatencies(path); err == nil {
				t.Error("ReadLatencies: no error")
			}
		})
	}
}

func BenchmarkRawWrite(b *testing.B) {
	rs := fakeResults(1<<20, 3)
	path := filepath.Join(b.TempDir(), "b"+RawExt)
	w, err := CreateRaw(path, ExpectStatus(200))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		r := rs[i%len(rs)]
		r.Seq = uint64(i)
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/float64(b.N), "B/result")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRawWriteArrival is BenchmarkRawWrite with the results in the
// order an attack hands them over: by the end of their response.
func BenchmarkRawWriteArrival(b *testing.B) {
	rs := fakeResults(1<<20, 3)
	sort.SliceStable(rs, func(i, j int) bool {
		return rs[i].Timestamp.Add(rs[i].Latency).Before(rs[j].Timestamp.Add(rs[j].Latency))
	})
	path := filepath.Join(b.TempDir(), "b"+RawExt)
	w, err := CreateRaw(path, ExpectStatus(200))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		r := rs[i%len(rs)]
		r.Seq = uint64(i)
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/float64(b.N), "B/result")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

func BenchmarkReadLatencies(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "l"+RawExt)
	writeRawGroups(b, path, fakeResults(n, 4))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		lats, err := ReadLatencies(path)
		if err != nil || len(lats) != n {
			b.Fatalf("ReadLatencies: %d, %v", len(lats), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/Mrows")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

func BenchmarkReadRaw(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "r"+RawExt)
	writeRawGroups(b, path, fakeResults(n, 5))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		var count int
		if err := ReadRaw(path, func(*Result) error { count++; return nil }); err != nil || count != n {
			b.Fatalf("ReadRaw: %d, %v", count, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/Mrows")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// TestRawSchema pins the Parquet schema of DESIGN §4: the column names and
// order, TIMESTAMP(NANOS, UTC) for the two instants (issue 17 item 21),
// and the pass column (item 20).
func TestRawSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+RawExt)
	writeRaw(t, path, fakeResults(10, 1))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range pf.Schema().Fields() {
		lt := "-"
		if l := c.Type().LogicalType(); l != nil {
			lt = l.String()
		}
		got = append(got, c.Name()+" "+c.Type().Kind().String()+" "+lt)
	}
	want := []string{
		"seq INT64 INT(64,true)",
		"timestamp INT64 TIMESTAMP(isAdjustedToUTC=true,unit=NANOS)",
		"latency_ns INT64 INT(64,true)",
		"code INT32 INT(32,true)",
		"bytes_in INT64 INT(64,true)",
		"bytes_out INT64 INT(64,true)",
		"error BYTE_ARRAY STRING",
		"shard INT32 INT(32,true)",
		"intended INT64 TIMESTAMP(isAdjustedToUTC=true,unit=NANOS)",
		"pass BOOLEAN -",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
}

// TestRawPassDefault: without ExpectStatus, pass is vegeta's success.
func TestRawPassDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+RawExt)
	at := time.Unix(1_700_000_000, 0)
	w, err := CreateRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Result{{Timestamp: at, Code: 200}, {Timestamp: at, Code: 302}, {Timestamp: at, Code: 400, Error: "400 Bad Request"}, {Timestamp: at, Error: "timeout"}} {
		if err := w.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var got []bool
	if err := ReadRaw(path, func(r *Result) error { got = append(got, r.Pass); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{true, true, false, false}, got); diff != "" {
		t.Errorf("pass (-want +got):\n%s", diff)
	}
}

// oldRawRow is the row layout of raw results files written before perfgate
// recorded intended send times and pass: timestamp a plain INT64, no
// intended or pass column.
type oldRawRow struct {
	Seq       int64  `parquet:"seq,delta"`
	Timestamp int64  `parquet:"timestamp,delta"`
	LatencyNS int64  `parquet:"latency_ns,delta"`
	Code      int32  `parquet:"code,dict"`
	BytesIn   int64  `parquet:"bytes_in,delta"`
	BytesOut  int64  `parquet:"bytes_out,delta"`
	Error     string `parquet:"error,dict"`
	Shard     int32  `parquet:"shard,dict"`
}

// writeOldRaw writes rs as perfgate did before intended and pass, in row
// groups of testGroupRows.
func writeOldRaw(t *testing.T, path string, rs []Result) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	pw := parquet.NewGenericWriter[oldRawRow](f, parquet.Compression(&parquet.Zstd), parquet.DataPageVersion(1), parquet.CreatedBy("perfgate", "", ""))
	for i, r := range rs {
		row := oldRawRow{Seq: int64(r.Seq), Timestamp: r.Timestamp.UnixNano(), LatencyNS: int64(r.Latency), Code: int32(r.Code),
			BytesIn: int64(r.BytesIn), BytesOut: int64(r.BytesOut), Error: r.Error, Shard: int32(r.Shard)}
		if _, err := pw.Write([]oldRawRow{row}); err != nil {
			t.Fatal(err)
		}
		if (i+1)%testGroupRows == 0 {
			if err := pw.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRawOldSchema: files written before intended and pass existed still
// read, export and rewrite: Intended is the send time (no lag), Pass
// false, and the CSV leaves both cells empty.
func TestRawOldSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old"+RawExt)
	rs := fakeResults(2*testGroupRows+5, 9)
	writeOldRaw(t, path, rs)
	rf, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	if rf.hasIntended || rf.hasPass {
		t.Fatal("the old layout has intended or pass columns: the test writes the wrong file")
	}
	rf.close()

	want := make([]Result, len(rs))
	for i, r := range rs {
		r.Intended, r.Pass = r.Timestamp, false
		want[i] = r
	}
	var got []Result
	if err := ReadRaw(path, func(r *Result) error { got = append(got, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpResults); diff != "" {
		t.Errorf("ReadRaw of an old file (-want +got):\n%s", diff)
	}
	lats, err := ReadLatencies(path)
	if err != nil || len(lats) != len(rs) || lats[7] != rs[7].Latency {
		t.Errorf("ReadLatencies of an old file: %d latencies, %v", len(lats), err)
	}

	var buf bytes.Buffer
	if err := ExportCSV(&buf, path); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(rs)+1 {
		t.Fatalf("CSV of an old file: %d rows, want %d", len(rows), len(rs)+1)
	}
	if r := rows[1]; r[2] != strconv.FormatInt(rs[0].Timestamp.UnixNano(), 10) || r[9] != "" || r[10] != "" {
		t.Errorf("CSV row %q: want the timestamp and empty intended and pass cells", r)
	}
	buf.Reset()
	if err := ExportVegeta(&buf, path); err != nil {
		t.Fatal(err)
	}

	// Rewritten (as a merge does), the file gets both columns.
	newPath := filepath.Join(dir, "new"+RawExt)
	w, err := CreateRaw(newPath, ExpectStatus(200))
	if err != nil {
		t.Fatal(err)
	}
	if err := ReadRaw(path, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	if err := ReadRaw(newPath, func(r *Result) error { got = append(got, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].Pass = want[i].Code == 200
	}
	if diff := cmp.Diff(want, got, cmpResults); diff != "" {
		t.Errorf("old file rewritten (-want +got):\n%s", diff)
	}
}

// TestRawTwoWritersOfOnePath: two writers of the same file, as two runs
// into one directory at once (issue 16 item 2), each write a temporary
// file of their own; the file left is one writer's, whole.
func TestRawTwoWritersOfOnePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+RawExt)
	a, b := fakeResults(2*testGroupRows+300, 1), fakeResults(3*testGroupRows+11, 2)
	for i := range b {
		b[i].Shard = 2
	}
	sets := [][]Result{a, b}
	writers := make([]*RawWriter, 2)
	for i := range writers {
		w, err := createRaw(path, testGroupRows, ExpectStatus(200))
		if err != nil {
			t.Fatal(err)
		}
		writers[i] = w
	}
	var wg sync.WaitGroup
	for i, w := range writers {
		wg.Go(func() {
			for j := range sets[i] {
				if err := w.Write(&sets[i][j]); err != nil {
					t.Error(err)
					return
				}
			}
			if err := w.Close(); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var got []Result
	if err := ReadRaw(path, func(r *Result) error { got = append(got, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if cmp.Diff(a, got, cmpResults) != "" && cmp.Diff(b, got, cmpResults) != "" {
		t.Errorf("the file holds %d rows that are neither writer's (%d and %d rows)", len(got), len(a), len(b))
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(tmps) > 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
}

// TestRawSendOrder: rows that arrive in the order their responses end are
// stored in send order within each row group; across row groups they keep
// the order they were written in.
func TestRawSendOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+RawExt)
	rs := fakeResults(2*testGroupRows, 5)
	arrived := slices.Clone(rs)
	slices.SortStableFunc(arrived, func(a, b Result) int {
		return a.Timestamp.Add(a.Latency).Compare(b.Timestamp.Add(b.Latency))
	})
	if slices.EqualFunc(arrived, rs, func(a, b Result) bool { return a.Seq == b.Seq }) {
		t.Fatal("the arrival order is the send order: the test checks nothing")
	}
	writeRaw(t, path, arrived)
	var got []Result
	if err := ReadRaw(path, func(r *Result) error { got = append(got, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(arrived)
	for g := 0; g < len(want); g += testGroupRows {
		group := want[g:min(g+testGroupRows, len(want))]
		slices.SortFunc(group, func(a, b Result) int { return a.Timestamp.Compare(b.Timestamp) })
	}
	if diff := cmp.Diff(want, got, cmpResults); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestRowSorter: rows come out by timestamp, ties in arrival order, on the
// fast path (integer keys) and on the fallback for spans too long to key.
func TestRowSorter(t *testing.T) {
	for _, tc := range []struct {
		name string
		ts   []int64
	}{
		{"keys", []int64{50, 10, 30, 10, 20}},
		{"span too long for keys", []int64{math.MaxInt64, -5, math.MinInt64, -5, 0}},
		{"sorted", []int64{1, 2, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := make([]rawRow, len(tc.ts))
			for i, ts := range tc.ts {
				rows[i] = rawRow{Timestamp: ts, Seq: int64(i)}
			}
			var s rowSorter
			got := s.sort(slices.Clone(rows))
			want := slices.Clone(rows)
			slices.SortStableFunc(want, func(a, b rawRow) int { return stdcmp.Compare(a.Timestamp, b.Timestamp) })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sorted rows (-want +got):\n%s", diff)
			}
		})
	}
}
