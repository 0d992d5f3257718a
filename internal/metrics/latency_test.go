package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/montanaflynn/stats"
)

func check(t *testing.T, name string, got, want time.Duration) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// TestSummarizeKnown checks the figures on distributions whose percentiles
// are known by construction.
func TestSummarizeKnown(t *testing.T) {
	// 1..100 ms, shuffled: pN is N ms exactly.
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i+1) * time.Millisecond
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })
	l := Summarize(d)
	check(t, "min", l.Min, time.Millisecond)
	check(t, "p50", l.P50, 50*time.Millisecond)
	check(t, "p90", l.P90, 90*time.Millisecond)
	check(t, "p95", l.P95, 95*time.Millisecond)
	check(t, "p99", l.P99, 99*time.Millisecond)
	check(t, "max", l.Max, 100*time.Millisecond)
	check(t, "mean", l.Mean, 50500*time.Microsecond)

	// 95 fast and 5 slow requests: p95 is still fast, p99 is slow.
	d = nil
	for range 95 {
		d = append(d, 10*time.Millisecond)
	}
	for range 5 {
		d = append(d, 2*time.Second)
	}
	l = Summarize(d)
	check(t, "p95 of 95 fast + 5 slow", l.P95, 10*time.Millisecond)
	check(t, "p99 of 95 fast + 5 slow", l.P99, 2*time.Second)

	// A single sample is every statistic.
	l = Summarize([]time.Duration{7 * time.Second})
	for _, s := range []string{"min", "mean", "p50", "p90", "p95", "p99", "max"} {
		v, _ := l.Stat(s)
		check(t, s+" of one", v, 7*time.Second)
	}
	if (Summarize(nil) != Latencies{}) {
		t.Error("summary of nothing is not zero")
	}
}

// TestSummarizeMatchesStats holds the sort-once figures to
// montanaflynn/stats, the reference definition, on random data.
func TestSummarizeMatchesStats(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	for _, n := range []int{1, 2, 3, 10, 99, 100, 101, 1000, 12345} {
		d := make([]time.Duration, n)
		f := make(stats.Float64Data, n)
		for i := range d {
			// Log-normal, like real latencies.
			d[i] = time.Duration(math.Exp(r.NormFloat64()*0.8+16)) + time.Duration(r.IntN(1000))
			f[i] = float64(d[i])
		}
		l := Summarize(d)
		for _, p := range []struct {
			name string
			pct  float64
			got  time.Duration
		}{{"p50", 50, l.P50}, {"p90", 90, l.P90}, {"p95", 95, l.P95}, {"p99", 99, l.P99}, {"max", 100, l.Max}} {
			want, err := stats.PercentileNearestRank(f, p.pct)
			if err != nil {
				t.Fatal(err)
			}
			check(t, p.name, p.got, time.Duration(want))
		}
		minV, _ := stats.Min(f)
		mean, _ := stats.Mean(f)
		check(t, "min", l.Min, time.Duration(minV))
		if diff := math.Abs(float64(l.Mean) - mean); diff > 1 {
			t.Errorf("n=%d mean = %v, stats says %v", n, l.Mean, mean)
		}
	}
}

func TestRecorder(t *testing.T) {
	r := NewRecorder(4)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.Add(t0, 100*time.Millisecond, 200, "", 10, 5)
	r.Add(t0.Add(time.Second), 300*time.Millisecond, 500, "", 10, 5)
	r.Add(t0.Add(2*time.Second), 2*time.Second, 0, "timeout", 0, 5)
	r.Add(t0.Add(3*time.Second), 200*time.Millisecond, 0, "timeout", 0, 5)
	s := r.Summary()
	if s.Requests != 4 || s.Codes[200] != 1 || s.Codes[500] != 1 || s.Codes[0] != 2 {
		t.Errorf("counts: %+v", s)
	}
	if len(s.Errors) != 1 || s.Errors[0] != (ErrorCount{"timeout", 2}) {
		t.Errorf("errors: %+v", s.Errors)
	}
	if s.Rate != 1 {
		t.Errorf("rate = %v, want 1/s", s.Rate)
	}
	// Last response ends at 2 s + 2 s.
	check(t, "wall", s.Wall, 4*time.Second)
	if s.BytesIn != 20 || s.BytesOut != 20 {
		t.Errorf("bytes %d %d", s.BytesIn, s.BytesOut)
	}
}

func BenchmarkSummarize10M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	src := make([]time.Duration, 10_000_000)
	for i := range src {
		src[i] = time.Duration(math.Exp(r.NormFloat64()*0.8 + 16))
	}
	d := make([]time.Duration, len(src))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		copy(d, src)
		b.StartTimer()
		Summarize(d)
	}
}
