package metrics

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestRecorderLagAndCorrected checks lag and corrected latency on a few
// results whose figures follow by hand.
func TestRecorderLagAndCorrected(t *testing.T) {
	ms := time.Millisecond
	r := NewRecorder(0)
	// intended offset, sent offset, latency: lag, corrected
	for _, x := range [][3]time.Duration{
		{0, 0, 10 * ms},                 // 0, 10
		{100 * ms, 105 * ms, 10 * ms},   // 5, 15
		{200 * ms, 500 * ms, 20 * ms},   // 300, 320
		{300 * ms, 500 * ms, 30 * ms},   // 200, 230
		{400 * ms, 399 * ms, 40 * ms},   // sent early: clamped to 0, 40
		{500 * ms, 500 * ms, 1000 * ms}, // 0, 1000
	} {
		r.AddIntended(t0.Add(x[0]), t0.Add(x[1]), x[2], 200, "", 0, 0)
	}
	s := r.Summary()
	// Nearest rank over 6 values: p50 is the 3rd, p90 and p99 the 6th.
	check(t, "latency p50", s.Latency.P50, 20*ms)
	check(t, "latency max", s.Latency.Max, 1000*ms)
	check(t, "lag min", s.Lag.Min, 0)
	check(t, "lag p50", s.Lag.P50, 0)
	check(t, "lag p90", s.Lag.P90, 300*ms)
	check(t, "lag max", s.Lag.Max, 300*ms)
	check(t, "lag mean", s.Lag.Mean, time.Duration(math.Round(float64(505*ms)/6)))
	check(t, "corrected min", s.Corrected.Min, 10*ms)
	check(t, "corrected p50", s.Corrected.P50, 40*ms)
	check(t, "corrected p90", s.Corrected.P90, 1000*ms)
	check(t, "corrected mean", s.Corrected.Mean, time.Duration(math.Round(float64((10+15+320+230+40+1000)*ms)/6)))
	// A second Summary, whose sorted slices no longer pair up, says the same.
	if again := r.Summary(); again.Lag != s.Lag || again.Corrected != s.Corrected || again.Latency != s.Latency {
		t.Errorf("second Summary differs: %+v, then %+v", s, again)
	}
}

// TestRecorderSorted: the sample a percentile's interval is read from is
// every recorded latency, ascending after Summary, whether or not a
// request lagged (Summary sorts latencies and corrected latencies apart).
func TestRecorderSorted(t *testing.T) {
	ms := time.Millisecond
	for _, lag := range []time.Duration{0, 50 * ms} {
		r := NewRecorder(0)
		for i, l := range []time.Duration{30 * ms, 10 * ms, 20 * ms} {
			sent := t0.Add(time.Duration(i) * time.Second)
			r.AddIntended(sent.Add(-lag), sent, l, 200, "", 0, 0)
		}
		s := r.Summary()
		if diff := cmp.Diff([]time.Duration{10 * ms, 20 * ms, 30 * ms}, r.Sorted()); diff != "" {
			t.Errorf("lag %v: Sorted (-want +got):\n%s", lag, diff)
		}
		if got := PercentileOf(Sample{Sorted: r.Sorted()}, 50).Value; got != s.Latency.P50 {
			t.Errorf("lag %v: PercentileOf(Sorted) p50 %v, Summary p50 %v", lag, got, s.Latency.P50)
		}
	}
}

// TestRecorderWithoutSchedule: results with no lag (rate max) keep one
// latency per request; corrected is the latency and lag is zero.
func TestRecorderWithoutSchedule(t *testing.T) {
	r := NewRecorder(3)
	for i := range 3 {
		sent := t0.Add(time.Duration(i) * time.Second)
		r.Add(sent, time.Duration(i+1)*time.Millisecond, 200, "", 0, 0)
		r.AddIntended(sent, sent, time.Duration(i+4)*time.Millisecond, 200, "", 0, 0)
	}
	if r.corrected != nil {
		t.Errorf("Recorder keeps %d corrected latencies with nothing lagging; want none", len(r.corrected))
	}
	s := r.Summary()
	if s.Corrected != s.Latency || s.Lag != (Latencies{}) {
		t.Errorf("corrected %+v, lag %+v; want corrected = latency %+v and zero lag", s.Corrected, s.Lag, s.Latency)
	}
}

// TestRecorderCodes: statuses counted by index and by map come out as one
// map of the codes seen.
func TestRecorderCodes(t *testing.T) {
	r := NewRecorder(0)
	for _, c := range []uint16{200, 0, 599, 600, 999, 200, 65535} {
		r.Add(t0, time.Millisecond, c, "", 0, 0)
	}
	want := map[uint16]int64{0: 1, 200: 2, 599: 1, 600: 1, 999: 1, 65535: 1}
	if diff := cmp.Diff(want, r.Summary().Codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}

// TestRecorderFirstLagLate: results recorded before the first lagging one
// enter the corrected figures with their own latency.
func TestRecorderFirstLagLate(t *testing.T) {
	r := NewRecorder(1)
	for i := range 5 {
		r.AddIntended(t0, t0, time.Duration(i+1)*time.Millisecond, 200, "", 0, 0)
	}
	r.AddIntended(t0, t0.Add(time.Second), 6*time.Millisecond, 200, "", 0, 0)
	s := r.Summary()
	check(t, "corrected min", s.Corrected.Min, time.Millisecond)
	check(t, "corrected p50", s.Corrected.P50, 3*time.Millisecond)
	check(t, "corrected max", s.Corrected.Max, time.Second+6*time.Millisecond)
	check(t, "lag p50", s.Lag.P50, 0)
	check(t, "lag max", s.Lag.Max, time.Second)
	check(t, "latency max", s.Latency.Max, 6*time.Millisecond)
}

// TestRecorderCoordinatedOmission simulates issue 15's case in virtual
// time: 100/s for 4 s, a 20 ms target that holds every request arriving
// between 2 s and 3 s until 3 s. With 10 workers the held requests block
// the pacer, which sends the backlog in a burst afterwards: the service
// time barely moves (only the 10 held requests are slow), while measured
// from the intended send times p90 is over half a second. With 256
// workers nothing waits to be sent and both agree.
func TestRecorderCoordinatedOmission(t *testing.T) {
	const (
		rate      = 100
		d         = 4 * time.Second
		service   = 20 * time.Millisecond
		stallFrom = 2 * time.Second
		stallTo   = 3 * time.Second
	)
	t.Run("10 workers", func(t *testing.T) {
		s := simulateStall(t, rate, d, 10, service, stallFrom, stallTo)
		t.Logf("service p90 %s, corrected p90 %s, lag p50 %s p99 %s max %s", s.Latency.P90, s.Corrected.P90, s.Lag.P50, s.Lag.P99, s.Lag.Max)
		if s.Requests != rate*4 {
			t.Errorf("%d requests, want every one of %d sent", s.Requests, rate*4)
		}
		check(t, "service p90", s.Latency.P90, service)
		if s.Corrected.P90 < 500*time.Millisecond {
			t.Errorf("corrected p90 = %s, want >= 500ms: the requests that waited for a worker", s.Corrected.P90)
		}
		// The ten workers take the requests due from 2.00 to 2.09 s and
		// are held; the one due at 2.10 s waits for the first of them,
		// free at 3 s plus one service time: 920 ms late.
		if want := stallTo + service - (stallFrom + 10*time.Second/rate); s.Lag.Max != want {
			t.Errorf("lag max = %s, want %s", s.Lag.Max, want)
		}
		if s.Lag.P50 != 0 {
			t.Errorf("lag p50 = %s, want 0: most requests went out on time", s.Lag.P50)
		}
	})
	t.Run("256 workers", func(t *testing.T) {
		s := simulateStall(t, rate, d, 256, service, stallFrom, stallTo)
		if s.Lag.Max != 0 || s.Corrected != s.Latency {
			t.Errorf("lag %+v, corrected %+v: want no lag and corrected = service %+v", s.Lag, s.Corrected, s.Latency)
		}
		if s.Latency.P90 < 500*time.Millisecond {
			t.Errorf("service p90 = %s, want >= 500ms: every held request is in flight", s.Latency.P90)
		}
	})
}

// simulateStall runs an open-model attack as vegeta's attacker does with a
// bounded pool of workers, in virtual time, and records it: request k is
// due at k/rate; the pacer releases it at its due time, or when every
// worker is busy as soon as one frees, and never before the previous
// release; it stops when a release would come after d. A worker is busy
// from the send to the response; the target answers in service, except
// that it holds a request arriving in [stallFrom, stallTo) until stallTo.
func simulateStall(t *testing.T, rate int, d time.Duration, workers int, service, stallFrom, stallTo time.Duration) Summary {
	t.Helper()
	free := make(freeTimes, workers) // when each worker is next free
	rec := NewRecorder(0)
	var release time.Duration
	for k := 0; ; k++ {
		due := time.Duration(k) * time.Second / time.Duration(rate)
		if due >= d || release > d {
			break
		}
		release = max(release, due, free[0])
		lat := service
		if release >= stallFrom && release < stallTo {
			lat += stallTo - release
		}
		free[0] = release + lat
		heap.Fix(&free, 0)
		rec.AddIntended(t0.Add(due), t0.Add(release), lat, 200, "", 0, 0)
	}
	return rec.Summary()
}

// freeTimes is a min-heap of the instants workers become free.
type freeTimes []time.Duration

func (h freeTimes) Len() int           { return len(h) }
func (h freeTimes) Less(i, j int) bool { return h[i] < h[j] }
func (h freeTimes) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *freeTimes) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *freeTimes) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// BenchmarkRecorderAdd is the Recorder's share of the hot path, at rate
// max (no schedule) and paced with every request a little late, so that
// corrected latencies are kept.
func BenchmarkRecorderAdd(b *testing.B) {
	b.Run("max", func(b *testing.B) {
		r := NewRecorder(b.N)
		b.ReportAllocs()
		for i := range b.N {
			sent := t0.Add(time.Duration(i) * 100 * time.Microsecond)
			r.Add(sent, time.Millisecond, 200, "", 46, 0)
		}
	})
	b.Run("paced", func(b *testing.B) {
		r := NewRecorder(b.N)
		b.ReportAllocs()
		for i := range b.N {
			intended := t0.Add(time.Duration(i) * 100 * time.Microsecond)
			r.AddIntended(intended, intended.Add(3*time.Microsecond), time.Millisecond, 200, "", 46, 0)
		}
	})
}

// BenchmarkRecorderSummary10M is Summary over 10 M paced results that all
// lagged a little (latency, corrected latency and lag percentiles: three
// sorts and an 80 MB temporary slice of lags), beside BenchmarkSummarize10M's
// single sort.
func BenchmarkRecorderSummary10M(b *testing.B) {
	const n = 10_000_000
	rng := rand.New(rand.NewPCG(1, 1))
	lat := make([]time.Duration, n)
	lag := make([]time.Duration, n)
	for i := range lat {
		lat[i] = time.Duration(math.Exp(rng.NormFloat64()*0.8 + 16))
		lag[i] = time.Duration(rng.IntN(50_000))
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		r := NewRecorder(n)
		for i := range n {
			intended := t0.Add(time.Duration(i) * 100 * time.Microsecond)
			r.AddIntended(intended, intended.Add(lag[i]), lat[i], 200, "", 0, 0)
		}
		b.StartTimer()
		r.Summary()
	}
}
