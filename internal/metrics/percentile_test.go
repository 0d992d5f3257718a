package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// grid returns n latencies 1, 2, …, n ms, sorted.
func grid(n int) []time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = time.Duration(i+1) * time.Millisecond
	}
	return d
}

func TestMinSamples(t *testing.T) {
	for _, tc := range []struct {
		p, conf float64
		want    int
	}{
		// (1−q)^n ≤ 0.025 for p50, q^n ≤ 0.025 above it.
		{50, 0.95, 6}, {90, 0.95, 36}, {95, 0.95, 72}, {99, 0.95, 368}, {99.9, 0.95, 3688},
		{99, 0.99, 528}, {10, 0.95, 36},
		{50, 0, 6}, // 0 means the default level
		{100, 0.95, 0}, {0, 0.95, 0}, {-5, 0.95, 0},
	} {
		if got := MinSamples(tc.p, tc.conf); got != tc.want {
			t.Errorf("MinSamples(%v, %v) = %d, want %d", tc.p, tc.conf, got, tc.want)
		}
	}
}

// TestTooFewMatchesRanks holds the closed-form rule to the interval
// itself: for every n up to 400, a percentile is too few exactly when its
// interval reaches outside the sample.
func TestTooFewMatchesRanks(t *testing.T) {
	for _, p := range []float64{5, 50, 90, 95, 99} {
		for n := 1; n <= 400; n++ {
			pc := PercentileOf(Sample{Sorted: grid(n)}, p)
			outside := pc.LoOpen || pc.HiOpen
			if pc.TooFew() != outside {
				t.Fatalf("p%v n=%d: TooFew %v but interval open (lo %v hi %v); MinN %d", p, n, pc.TooFew(), pc.LoOpen, pc.HiOpen, pc.MinN)
			}
		}
	}
}

// TestOrderRanksKnown checks the exact integer ranks against the printed
// tables for the median (e.g. Conover, Practical Nonparametric Statistics,
// table A3): x(6)..x(15) for n = 20 and x(40)..x(61) for n = 100.
func TestOrderRanksKnown(t *testing.T) {
	for _, tc := range []struct{ n, l, u int }{{20, 6, 15}, {100, 40, 61}} {
		l, u := orderRanks(tc.n, 0.5, 0.05)
		if l != tc.l || u != tc.u {
			t.Errorf("n=%d: ranks %d..%d, want %d..%d", tc.n, l, u, tc.l, tc.u)
		}
	}
	// The fractional ranks lie inside the integer ones and, for the
	// median, symmetrically: r + s = n + 1.
	for _, n := range []int{6, 20, 101, 1000, 100_000} {
		l, u := orderRanks(n, 0.5, 0.05)
		r, s := fractionalRanks(n, 0.5, 0.05)
		if r < float64(l) || r >= float64(l+1) || s <= float64(u-1) || s > float64(u) {
			t.Errorf("n=%d: fractional %v..%v outside integer brackets [%d,%d) (%d,%d]", n, r, s, l, l+1, u-1, u)
		}
		if math.Abs(r+s-float64(n+1)) > 1e-5 {
			t.Errorf("n=%d: median ranks %v + %v != n+1", n, r, s)
		}
	}
}

// TestOrderRanksBracket holds the bracketed search to a plain search of
// every rank.
func TestOrderRanksBracket(t *testing.T) {
	for _, q := range []float64{0.001, 0.01, 0.05, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999} {
		for _, n := range append([]int{1, 2, 3, 5, 10, 50, 99, 368, 1000, 4321}, 100_000, 1_000_000) {
			l, u := orderRanks(n, q, 0.05)
			wl := searchLast(0, n, func(j int) bool { return binomBelow(n, q, j) <= 0.025 })
			wu := searchFirst(1, n+1, func(j int) bool { return 1-binomBelow(n, q, j) <= 0.025 })
			if l != wl || u != wu {
				t.Errorf("n=%d q=%v: ranks %d..%d, plain search %d..%d", n, q, l, u, wl, wu)
			}
		}
	}
}

func TestPercentileOf(t *testing.T) {
	// 1..100 ms: p50 is 50 ms, and on this grid an interval limit of
	// x ms sits at rank x.
	pc := PercentileOf(Sample{Sorted: grid(100)}, 50)
	check(t, "p50", pc.Value, 50*time.Millisecond)
	r := float64(pc.Lo) / float64(time.Millisecond)
	s := float64(pc.Hi) / float64(time.Millisecond)
	// Independently of the incomplete beta function: the r-th smallest of
	// 100 uniforms lies below 0.5 with probability 1 − α/2, by numerical
	// integration of its Beta(r, 101−r) density.
	if got := betaCDF(r, 101-r, 0.5); math.Abs(got-0.975) > 1e-4 {
		t.Errorf("lower rank %v: P(U(r) <= 0.5) = %v, want 0.975", r, got)
	}
	if got := betaCDF(s, 101-s, 0.5); math.Abs(got-0.025) > 1e-4 {
		t.Errorf("upper rank %v: P(U(s) <= 0.5) = %v, want 0.025", s, got)
	}
	if r < 40 || r >= 41 || s <= 60 || s > 61 {
		t.Errorf("p50 of 100: interval %v..%v outside the exact x(40)..x(61)", pc.Lo, pc.Hi)
	}
	if pc.TooFew() || pc.LoOpen || pc.HiOpen || pc.Bound != Exact || pc.Footnote() != "" {
		t.Errorf("p50 of 100: %+v, footnote %q", pc, pc.Footnote())
	}

	// Value is NearestRank's, whatever the data.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 99, 1000} {
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = time.Duration(rng.ExpFloat64() * 1e7)
		}
		slices.Sort(d)
		for _, p := range []float64{1, 50, 90, 95, 99, 99.9, 100} {
			pc := PercentileOf(Sample{Sorted: d}, p)
			check(t, PercentileName(p), pc.Value, NearestRank(d, p))
			if pc.Lo > pc.Hi {
				t.Errorf("n=%d p%v: lo %v > hi %v", n, p, pc.Lo, pc.Hi)
			}
		}
	}

	if pc := PercentileOf(Sample{}, 50); !pc.TooFew() || !pc.LoOpen || !pc.HiOpen || pc.Footnote() != "n=0: no requests, nothing to say about p50" {
		t.Errorf("empty sample: %+v %q", pc, pc.Footnote())
	}
}

func TestPercentileFootnotes(t *testing.T) {
	for _, tc := range []struct {
		n    int
		p    float64
		want string
	}{
		{40, 99, "n=40: too few for p99 (needs ≥ 368)"},
		{50, 99, "n=50: too few for p99 (needs ≥ 368)"},
		{11, 95, "n=11: too few for p95 (needs ≥ 72)"},
		{2, 50, "n=2: too few for p50 (needs ≥ 6)"},
		{368, 99, ""},
		{1000, 100, "n=1000: max has no confidence interval at any sample size; shown, never judged"},
	} {
		pc := PercentileOf(Sample{Sorted: grid(tc.n)}, tc.p)
		if got := pc.Footnote(); got != tc.want {
			t.Errorf("n=%d p%v: footnote %q, want %q", tc.n, tc.p, got, tc.want)
		}
		if pc.TooFew() != (tc.want != "") {
			t.Errorf("n=%d p%v: TooFew = %v", tc.n, tc.p, pc.TooFew())
		}
	}
}

func TestPercentileCensored(t *testing.T) {
	// 90 completed requests of 1..90 ms, then 10 that timed out at 90 s.
	d := append(grid(90), slices.Repeat([]time.Duration{90 * time.Second}, 10)...)
	s := Sample{Sorted: d, Censored: 10}

	p50 := PercentileOf(s, 50)
	if p50.Bound != Exact || p50.HiOpen {
		t.Errorf("p50 below the timeouts: %+v", p50)
	}
	// p95's point and upper limit fall on timeouts: "≥ 90s", no upper limit.
	p95 := PercentileOf(s, 95)
	if p95.Bound != AtLeast || p95.Value != 90*time.Second || !p95.HiOpen || p95.TooFew() {
		t.Errorf("p95 on timeouts: %+v", p95)
	}
	if f := p95.Footnote(); f != "p95 falls on timed-out requests (10 of 100): it is a lower bound" {
		t.Errorf("footnote %q", f)
	}
	if p95.Bound.Sign()+p95.Value.String() != "≥ 1m30s" {
		t.Errorf("rendered %q", p95.Bound.Sign()+p95.Value.String())
	}
	// p90 is completed (rank 90) but its interval reaches the timeouts.
	p90 := PercentileOf(s, 90)
	if p90.Bound != Exact || !p90.HiOpen || p90.LoOpen {
		t.Errorf("p90 next to the timeouts: %+v", p90)
	}
}

func TestSampleOf(t *testing.T) {
	lat := []time.Duration{5, 60, 1, 60, 3}
	s := SampleOf(lat, []bool{false, true, false, true, false})
	if !slices.Equal(s.Sorted, []time.Duration{1, 3, 5, 60, 60}) || s.Censored != 2 {
		t.Errorf("SampleOf = %+v", s)
	}
	if lat[0] != 5 {
		t.Error("SampleOf changed its input")
	}
	// A timeout recorded below a completed latency (two timeouts in one
	// merged run) still sorts to the top: its true latency is unknown
	// beyond the record, and only the top positions are treated as lower
	// bounds.
	s = SampleOf([]time.Duration{10, 4}, []bool{false, true})
	if !slices.Equal(s.Sorted, []time.Duration{10, 4}) || s.Censored != 1 || !s.censored(2) || s.censored(1) {
		t.Errorf("mixed timeouts: %+v", s)
	}
	if s := SampleOf([]time.Duration{2, 1}, nil); !slices.Equal(s.Sorted, []time.Duration{1, 2}) || s.Censored != 0 {
		t.Errorf("no mask: %+v", s)
	}
}

func TestAgainst(t *testing.T) {
	p50 := PercentileOf(Sample{Sorted: grid(100)}, 50) // 50 ms in [40.7, 60.3]
	for _, tc := range []struct {
		limit time.Duration
		want  Outcome
	}{
		{100 * time.Millisecond, Faster},
		{55 * time.Millisecond, NoChange},
		{45 * time.Millisecond, NoChange},
		{30 * time.Millisecond, Slower},
	} {
		if got := p50.Against(tc.limit); got != tc.want {
			t.Errorf("p50 against %v = %v, want %v", tc.limit, got, tc.want)
		}
	}
	if got := PercentileOf(Sample{Sorted: grid(3)}, 50).Against(time.Hour); got != Inconclusive {
		t.Errorf("3 samples against 1h = %v, want inconclusive", got)
	}
	// Timed out at 90 s: at least 90 s, so above a 50 s claim, never below.
	cens := PercentileOf(Sample{Sorted: slices.Repeat([]time.Duration{90 * time.Second}, 20), Censored: 20}, 50)
	if got := cens.Against(50 * time.Second); got != Slower {
		t.Errorf("timeouts against 50s = %v, want slower", got)
	}
	if got := cens.Against(200 * time.Second); got != NoChange {
		t.Errorf("timeouts against 200s = %v, want no change (unbounded above)", got)
	}
}

func TestPercentileName(t *testing.T) {
	for p, want := range map[float64]string{50: "p50", 99.9: "p99.9", 100: "max", 95: "p95"} {
		if got := PercentileName(p); got != want {
			t.Errorf("PercentileName(%v) = %q, want %q", p, got, want)
		}
	}
}

// betaCDF integrates the Beta(a, b) density from 0 to x by Simpson's rule.
func betaCDF(a, b, x float64) float64 {
	lnB, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	norm := lnB + lb - lab
	f := func(u float64) float64 {
		if u <= 0 || u >= 1 {
			return 0
		}
		return math.Exp((a-1)*math.Log(u) + (b-1)*math.Log1p(-u) - norm)
	}
	const steps = 20000
	h := x / steps
	sum := f(0) + f(x)
	for i := 1; i < steps; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * f(float64(i)*h)
	}
	return sum * h / 3
}
