package load

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fakeResults returns n results shaped like a real run: a steady rate with
// jitter, log-normal-ish latencies, a few errors.
func fakeResults(n int, seed uint64) []Result {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	out := make([]Result, n)
	for i := range out {
		lat := time.Duration(800_000 + rng.ExpFloat64()*400_000)
		r := Result{
			Seq:       uint64(i),
			Timestamp: start.Add(time.Duration(i)*100*time.Microsecond + time.Duration(rng.IntN(20_000))),
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
		out[i] = r
	}
	return out
}

// testGroupRows keeps row groups small so that tests cross several.
const testGroupRows = 1000

func writeRaw(t testing.TB, path string, rs []Result) {
	t.Helper()
	w, err := createRaw(path, testGroupRows)
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
	w, err := CreateRaw(path)
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
			if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
				t.Errorf("temporary file left behind: %v", err)
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
	w, err := CreateRaw(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
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
}

func BenchmarkReadLatencies(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "l"+RawExt)
	writeRawGroups(b, path, fakeResults(n, 4))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lats, err := ReadLatencies(path)
		if err != nil || len(lats) != n {
			b.Fatalf("ReadLatencies: %d, %v", len(lats), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/Mrows")
}

func BenchmarkReadRaw(b *testing.B) {
	const n = 1_000_000
	path := filepath.Join(b.TempDir(), "r"+RawExt)
	writeRawGroups(b, path, fakeResults(n, 5))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var count int
		if err := ReadRaw(path, func(*Result) error { count++; return nil }); err != nil || count != n {
			b.Fatalf("ReadRaw: %d, %v", count, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/Mrows")
}
