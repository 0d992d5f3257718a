package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ms(f float64) time.Duration { return time.Duration(math.Round(f * 1e6)) }

// quantileSample is a deterministic sample of n latencies from a
// lognormal distribution: its quantiles at the plotting positions
// i/(n+1), sorted.
func quantileSample(n int, median time.Duration, sigma float64) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		z := math.Sqrt2 * math.Erfinv(2*float64(i+1)/float64(n+1)-1)
		out[i] = time.Duration(float64(median) * math.Exp(sigma*z))
	}
	return out
}

// TestMissedTailRegression is the missed tail, exactly: 100
// requests to a server taking 15.0, 15.1, …, 24.9 ms, plus 1.9 ms of HTTP
// overhead (p95 26.3 ms); in the after run ten of them take three times as
// long (overhead 2.0 ms), so its p95 is 3 × 19.2 + 2.0 = 59.6 ms. One
// Mann–Whitney p-value for the whole distribution said "~ (p=0.206)" and
// the gate passed; the p95 row's own interval must say slower, and the gate
// must fail.
func TestMissedTailRegression(t *testing.T) {
	slow := map[int]bool{} // server times in 0.1 ms that are tripled
	for _, s := range []int{156, 164, 173, 185, 192, 201, 214, 222, 236, 247} {
		slow[s] = true
	}
	var before, after []time.Duration
	for s := 150; s < 250; s++ {
		server := float64(s) / 10
		before = append(before, ms(server+1.9))
		if slow[s] {
			after = append(after, ms(3*server+2.0))
		} else {
			after = append(after, ms(server+2.0))
		}
	}
	slices.Sort(after)
	check(t, "before p95", NearestRank(before, 95), ms(26.3))
	check(t, "after p95", NearestRank(after, 95), ms(59.6))

	c := ComparePercentile(Sample{Sorted: before}, Sample{Sorted: after}, 95)
	if c.Outcome != Slower {
		t.Errorf("p95 26.3 -> 59.6 ms: outcome %v, want slower (ratio %.3f [%.3f, %.3f])", c.Outcome, c.Ratio.Value, c.Ratio.Lo, c.Ratio.Hi)
	}
	if g := c.Judge(DefaultMaxRegression, DefaultMinEffect); g != Slower {
		t.Errorf("gate: %v, want slower (a regression beyond %v)", g, DefaultMaxRegression)
	}
	// The bootstrap put the ratio in [1.13, 2.69]; the binomial's
	// confidence distribution, which knows that a p95 of 100 cannot fall
	// below the gap at rank 90 unless fewer than 91 of 100 requests lie
	// below the true p95 (1.2 %), puts it higher.
	if c.Ratio.Lo < 1.5 || c.Ratio.Hi > 3.5 || c.Ratio.Lo > c.Ratio.Value || c.Ratio.Hi < c.Ratio.Value {
		t.Errorf("ratio %.3f in [%.3f, %.3f], want about [1.8, 2.8]", c.Ratio.Value, c.Ratio.Lo, c.Ratio.Hi)
	}
	if len(c.Footnotes()) != 0 {
		t.Errorf("footnotes %q", c.Footnotes())
	}
	// The whole-distribution test still misses it: that is why no row may
	// be decided by it.
	if sig := Compare(before, after, 0); sig.Significant {
		t.Errorf("Mann–Whitney now finds the tail (p=%.3f); the test above no longer shows the contrast", sig.P)
	}
}

// TestFalseRegression is the false regression, in both its forms:
// a median that moved, read as a p95 regression.
func TestFalseRegression(t *testing.T) {
	t.Run("small run, p50 -18 %, p95 +41.8 %", func(t *testing.T) {
		// 100 requests each; the after run is faster below its p90 and
		// slower above it. Mann–Whitney (driven by the 90 % that moved
		// down) calls the runs different; the p95's own interval, from the
		// ten requests that decide a p95 of 100, does not reach 1.1.
		before := quantileSample(100, 20*time.Millisecond, 0.5)
		after := make([]time.Duration, len(before))
		for i, v := range before {
			f := 0.82
			if i >= 90 {
				f = 1.418
			}
			after[i] = time.Duration(float64(v) * f)
		}
		slices.Sort(after)
		if sig := Compare(before, after, 0); !sig.Significant {
			t.Fatalf("Mann–Whitney p=%.3f: the case no longer reproduces the old gate's failure", sig.P)
		}
		c := ComparePercentile(Sample{Sorted: before}, Sample{Sorted: after}, 95)
		if math.Abs(c.Ratio.Value-1.418) > 0.01 {
			t.Fatalf("p95 ratio %.3f, want +41.8 %%", c.Ratio.Value)
		}
		if g := c.Judge(DefaultMaxRegression, 0); g == Slower {
			t.Errorf("p95 +41.8 %% from 100 requests fails the gate on its interval alone: [%.3f, %.3f]", c.Ratio.Lo, c.Ratio.Hi)
		}
		p50 := ComparePercentile(Sample{Sorted: before}, Sample{Sorted: after}, 50)
		if p50.Outcome != Faster {
			t.Errorf("p50 -18 %%: %v, want faster [%.3f, %.3f]", p50.Outcome, p50.Ratio.Lo, p50.Ratio.Hi)
		}
	})
	t.Run("sub-millisecond target, p95 104 -> 131 µs", func(t *testing.T) {
		// Two back-to-back runs of 2000 requests: the median 18 % lower,
		// the p95 26 % higher (the demo's "p95 regressed 104µs -> 131µs").
		// At n = 2000 the interval is tight and does exclude 1.1: the
		// runs did differ. What separates drift from a regression is the
		// size of the change, 27 µs, far below what back-to-back runs of
		// one target differ by on this machine.
		n := 2000
		z50 := math.Sqrt2 * math.Erfinv(2*float64(nearestRank(n, 50))/float64(n+1)-1)
		z95 := math.Sqrt2 * math.Erfinv(2*float64(nearestRank(n, 95))/float64(n+1)-1)
		sample := func(median, p95 float64) []time.Duration {
			sigma := math.Log(p95/median) / (z95 - z50)
			return quantileSample(n, time.Duration(median*math.Exp(-sigma*z50)), sigma)
		}
		before := sample(70e3, 104e3)
		after := sample(0.82*70e3, 131e3)
		if d := NearestRank(after, 95) - NearestRank(before, 95); d < 26*time.Microsecond || d > 28*time.Microsecond {
			t.Fatalf("p95 change %v, want +27µs", d)
		}
		if sig := Compare(before, after, 0); !sig.Significant {
			t.Fatalf("Mann–Whitney p=%.3f: the case no longer reproduces the old gate's failure", sig.P)
		}
		c := ComparePercentile(Sample{Sorted: before}, Sample{Sorted: after}, 95)
		if g := c.Judge(DefaultMaxRegression, 0); g != Slower {
			t.Fatalf("without a minimum effect the interval [%.3f, %.3f] should fail the gate; got %v", c.Ratio.Lo, c.Ratio.Hi, g)
		}
		if g := c.Judge(DefaultMaxRegression, DefaultMinEffect); g != NoChange {
			t.Errorf("gate on +27µs: %v, want no change", g)
		}
		if c.Outcome != NoChange {
			t.Errorf("row outcome %v, want no change", c.Outcome)
		}
		want := "p95: slower by 27µs, not more than the minimum effect 2ms: no change"
		if f := c.Footnotes(); len(f) != 1 || f[0] != want {
			t.Errorf("footnotes %q, want [%q]", f, want)
		}
	})
}

// TestTinySamples: one, two or three requests on either side decide
// nothing, however large the difference (the issue's "n=2 before: p=0.016,
// significant, 892×").
func TestTinySamples(t *testing.T) {
	big := quantileSample(500, 40*time.Millisecond, 0.3)
	for n := 1; n <= 3; n++ {
		tiny := quantileSample(n, 37*time.Second, 0.2)
		for _, p := range []float64{50, 90, 95, 99, 100} {
			for _, c := range []Change{
				ComparePercentile(Sample{Sorted: tiny}, Sample{Sorted: big}, p),
				ComparePercentile(Sample{Sorted: big}, Sample{Sorted: tiny}, p),
				ComparePercentile(Sample{Sorted: tiny}, Sample{Sorted: tiny[:1]}, p),
			} {
				for _, g := range []Outcome{c.Outcome, c.Judge(0, 0), c.Judge(DefaultMaxRegression, DefaultMinEffect)} {
					if g != Inconclusive {
						t.Errorf("n=%d %s: %v, want inconclusive", n, PercentileName(p), g)
					}
				}
				if f := strings.Join(c.Footnotes(), "\n"); !strings.Contains(f, "too few") && !strings.Contains(f, "never judged") {
					t.Errorf("n=%d %s: footnotes %q do not say why", n, PercentileName(p), f)
				}
			}
		}
	}
	c := ComparePercentile(Sample{Sorted: quantileSample(2, time.Second, 0.1)}, Sample{Sorted: quantileSample(3, time.Second/2, 0.1)}, 50)
	want := []string{"before n=2: too few for p50 (needs ≥ 6)", "after n=3: too few for p50 (needs ≥ 6)"}
	if diff := cmp.Diff(want, c.Footnotes()); diff != "" {
		t.Errorf("n=2 vs 3 footnotes (-want +got):\n%s", diff)
	}
	if c := ComparePercentile(Sample{}, Sample{Sorted: big}, 50); c.Outcome != Inconclusive || c.Ratio.Bound != Unknown {
		t.Errorf("empty before: %+v", c)
	}
}

// TestCensored: timed-out requests are lower bounds, and so is everything
// built on them.
func TestCensored(t *testing.T) {
	timeouts := func(n int, at time.Duration) Sample {
		return Sample{Sorted: slices.Repeat([]time.Duration{at}, n), Censored: n}
	}
	fast := func(n int) Sample { return Sample{Sorted: quantileSample(n, 11*time.Millisecond, 0.2)} }

	t.Run("claim scale: both before requests timed out", func(t *testing.T) {
		// The demo's 3×3 before: two requests, both cut at 120 s. The
		// speed-up is at least 120 s / 11 ms, never a point value, and two
		// requests cannot judge a p50.
		c := ComparePercentile(timeouts(2, 120*time.Second), fast(2), 50)
		su := c.Ratio.Inverse()
		if c.Ratio.Bound != AtMost || su.Bound != AtLeast || su.Bound.Sign() != "≥ " {
			t.Errorf("bounds: ratio %v, speed-up %v", c.Ratio.Bound, su.Bound)
		}
		if got := su.Value; got < 10_000 || got > 12_000 {
			t.Errorf("speed-up %v, want ≈ 10850", got)
		}
		if c.Outcome != Inconclusive {
			t.Errorf("outcome %v, want inconclusive (n=2)", c.Outcome)
		}
		f := strings.Join(c.Footnotes(), "\n")
		if !strings.Contains(f, "speed-up a lower bound") || !strings.Contains(f, "too few for p50") {
			t.Errorf("footnotes %q", f)
		}
	})
	t.Run("all-timeout before, enough requests", func(t *testing.T) {
		c := ComparePercentile(timeouts(20, 120*time.Second), fast(20), 50)
		if c.Outcome != Faster || c.Ratio.Bound != AtMost || !c.Ratio.LoOpen || c.Ratio.HiOpen || c.Ratio.Lo != 0 {
			t.Errorf("got %v %+v, want faster with a ratio open below", c.Outcome, c.Ratio)
		}
		su := c.Ratio.Inverse()
		if su.Bound != AtLeast || su.LoOpen || !su.HiOpen || su.Lo < 9000 || su.Hi != 0 {
			t.Errorf("speed-up %+v, want ≥ about 10000× with no upper limit", su)
		}
		if g := c.Judge(DefaultMaxRegression, DefaultMinEffect); g != Faster {
			t.Errorf("gate %v", g)
		}
	})
	t.Run("after times out", func(t *testing.T) {
		before := Sample{Sorted: quantileSample(50, time.Second, 0.2)}
		after := Sample{Sorted: append(quantileSample(25, time.Second, 0.2), slices.Repeat([]time.Duration{60 * time.Second}, 25)...), Censored: 25}
		slices.Sort(after.Sorted[:25])
		c := ComparePercentile(before, after, 90)
		if c.Outcome != Slower || c.Ratio.Bound != AtLeast || !c.Ratio.HiOpen || c.Ratio.LoOpen {
			t.Errorf("got %v %+v, want slower, at least", c.Outcome, c.Ratio)
		}
	})
	t.Run("both sides time out", func(t *testing.T) {
		c := ComparePercentile(timeouts(30, 60*time.Second), timeouts(30, 60*time.Second), 50)
		if c.Outcome != Inconclusive || c.Ratio.Bound != Unknown || !c.Ratio.LoOpen || !c.Ratio.HiOpen {
			t.Errorf("got %v %+v", c.Outcome, c.Ratio)
		}
		if f := c.Footnotes(); len(f) != 1 || !strings.Contains(f[0], "both runs fall on timed-out requests") {
			t.Errorf("footnotes %q", f)
		}
	})
	t.Run("limits stay valid whatever the timeouts hid", func(t *testing.T) {
		// Cut real latencies at a timeout and compare with the oracle that
		// saw them: on the same draws, the censored upper limit is never
		// below the oracle's when the before is cut, nor the lower limit
		// above it when the after is cut.
		r := rand.New(rand.NewPCG(5, 6))
		o := options(nil)
		for trial := range 50 {
			n := 200
			b := lognormalSample(r, n, 100*time.Millisecond, 0.6)
			a := lognormalSample(r, n, 80*time.Millisecond, 0.6)
			cut := func(d []time.Duration, at time.Duration) Sample {
				out := slices.Clone(d)
				c := 0
				for i := range out {
					if out[i] >= at {
						out[i], c = at, c+1
					}
				}
				return Sample{Sorted: out, Censored: c}
			}
			for _, p := range []float64{50, 90, 95} {
				br, ar := rankPlan(o, p, n, sideBefore), rankPlan(o, p, n, sideAfter)
				oracle := comparePercentile(Sample{Sorted: b}, Sample{Sorted: a}, p, o, br, ar)
				at := NearestRank(b, 85)
				cb := comparePercentile(cut(b, at), Sample{Sorted: a}, p, o, br, ar)
				if !cb.Ratio.HiOpen && cb.Ratio.Hi < oracle.Ratio.Hi {
					t.Fatalf("trial %d p%v before cut: hi %v below the oracle's %v", trial, p, cb.Ratio.Hi, oracle.Ratio.Hi)
				}
				ca := comparePercentile(Sample{Sorted: b}, cut(a, NearestRank(a, 85)), p, o, br, ar)
				if !ca.Ratio.LoOpen && ca.Ratio.Lo > oracle.Ratio.Lo {
					t.Fatalf("trial %d p%v after cut: lo %v above the oracle's %v", trial, p, ca.Ratio.Lo, oracle.Ratio.Lo)
				}
			}
		}
	})
}

// TestJudgeSymmetry: swapping before and after swaps faster and slower,
// margin included, and nothing else.
func TestJudgeSymmetry(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for trial := range 60 {
		b := lognormalSample(r, 300, 50*time.Millisecond, 0.4)
		a := lognormalSample(r, 300, time.Duration(float64(50*time.Millisecond)*(0.7+0.01*float64(trial))), 0.4)
		for _, p := range []float64{50, 95} {
			fwd := ComparePercentile(Sample{Sorted: b}, Sample{Sorted: a}, p, Seed(uint64(trial)))
			// Reuse the forward draws, sides swapped, so the intervals are
			// exact reciprocals.
			o := options([]Option{Seed(uint64(trial))})
			rev := comparePercentile(Sample{Sorted: a}, Sample{Sorted: b}, p, o,
				rankPlan(o, p, 300, sideAfter), rankPlan(o, p, 300, sideBefore))
			swap := map[Outcome]Outcome{Faster: Slower, Slower: Faster, NoChange: NoChange, Inconclusive: Inconclusive}
			for _, m := range []float64{0, 0.1, 0.25} {
				if f, g := fwd.Judge(m, time.Millisecond), rev.Judge(m, time.Millisecond); swap[f] != g {
					t.Fatalf("trial %d p%v margin %v: forward %v, reversed %v ([%v, %v] vs [%v, %v])", trial, p, m, f, g, fwd.Ratio.Lo, fwd.Ratio.Hi, rev.Ratio.Lo, rev.Ratio.Hi)
				}
			}
		}
	}
}

// TestRatioNoWeakerThanBonferroni: the ratio's limits are never weaker
// than what the two runs' own intervals prove together (each at
// 1 − α/4 per tail, so the pair at 1 − α/2), whatever the data.
func TestRatioNoWeakerThanBonferroni(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	for trial := range 40 {
		n1, n2 := 80+r.IntN(900), 80+r.IntN(900)
		b := lognormalSample(r, n1, 40*time.Millisecond, 0.2+r.Float64())
		a := lognormalSample(r, n2, time.Duration(float64(40*time.Millisecond)*(0.5+r.Float64())), 0.2+r.Float64())
		if trial%4 == 0 { // a gap in the tail, as in the issue
			for i := range a[len(a)*9/10:] {
				a[len(a)*9/10+i] *= 3
			}
		}
		for _, p := range []float64{50, 90, 95} {
			c := ComparePercentile(Sample{Sorted: b}, Sample{Sorted: a}, p)
			pb := PercentileOf(Sample{Sorted: b}, p, Confidence(1-DefaultAlpha/2))
			pa := PercentileOf(Sample{Sorted: a}, p, Confidence(1-DefaultAlpha/2))
			if lo := float64(pa.Lo) / float64(pb.Hi); c.Ratio.Lo < lo {
				t.Errorf("trial %d p%v: lo %.4f below the one-sample bound %.4f", trial, p, c.Ratio.Lo, lo)
			}
			if hi := float64(pa.Hi) / float64(pb.Lo); c.Ratio.Hi > hi {
				t.Errorf("trial %d p%v: hi %.4f above the one-sample bound %.4f", trial, p, c.Ratio.Hi, hi)
			}
		}
	}
}

func TestComparePercentileDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	b := Sample{Sorted: lognormalSample(r, 1000, 30*time.Millisecond, 0.5)}
	a := Sample{Sorted: lognormalSample(r, 1000, 33*time.Millisecond, 0.5)}
	first := ComparePercentile(b, a, 99)
	if diff := cmp.Diff(first, ComparePercentile(b, a, 99)); diff != "" {
		t.Errorf("second call differs:\n%s", diff)
	}
	if other := ComparePercentile(b, a, 99, Seed(7)); other.Ratio == first.Ratio {
		t.Error("another seed gave the very same interval: is the seed used?")
	}
	if first.Draws != DefaultDraws || first.MinEffect != DefaultMinEffect || first.Before.Confidence != DefaultConfidence {
		t.Errorf("defaults not applied: %+v", first)
	}
	c := ComparePercentile(b, a, 99, Draws(1000), MinEffect(0), Confidence(0.9))
	if c.Draws != 1000 || c.MinEffect != 0 || c.Before.Confidence != 0.9 {
		t.Errorf("options not applied: %+v", c)
	}
}

// TestSameSampleBothSides: identical runs give an interval around 1 with
// a width, not [1, 1]: the two sides are drawn independently.
func TestSameSampleBothSides(t *testing.T) {
	s := Sample{Sorted: quantileSample(500, 20*time.Millisecond, 0.5)}
	for _, p := range []float64{50, 90, 99} {
		c := ComparePercentile(s, s, p)
		if c.Ratio.Value != 1 || c.Ratio.Lo >= 0.99 || c.Ratio.Hi <= 1.01 || c.Outcome != NoChange {
			t.Errorf("p%v of a run against itself: %v %+v", p, c.Outcome, c.Ratio)
		}
	}
}

// TestOutOfRangePercentiles: p outside (0, 100] reads the min or the max,
// like NearestRank, and is never judged.
func TestOutOfRangePercentiles(t *testing.T) {
	s := Sample{Sorted: quantileSample(1000, time.Second, 0.3)}
	for _, p := range []float64{-5, 0, 100, 150} {
		pc := PercentileOf(s, p)
		if !pc.TooFew() || pc.Value != NearestRank(s.Sorted, p) {
			t.Errorf("p=%v: %+v", p, pc)
		}
		if c := ComparePercentile(s, s, p); c.Outcome != Inconclusive {
			t.Errorf("p=%v: outcome %v", p, c.Outcome)
		}
	}
}

func TestChangeJSON(t *testing.T) {
	c := ComparePercentile(Sample{Sorted: slices.Repeat([]time.Duration{time.Minute}, 20), Censored: 20},
		Sample{Sorted: quantileSample(20, time.Second, 0.2)}, 50)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err) // an open end as +Inf would fail here
	}
	for _, want := range []string{`"outcome":"faster"`, `"bound":"at_most"`, `"lo_open":true`, `"bound":"at_least"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("json lacks %s: %s", want, b)
		}
	}
	var back Change
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	var o Outcome
	if err := o.UnmarshalText([]byte("regressed")); err == nil {
		t.Error("unknown outcome accepted")
	}
}

func TestOutcomeAndBoundNames(t *testing.T) {
	if Outcome(0) != Inconclusive {
		t.Error("the zero outcome must be inconclusive")
	}
	names := map[Outcome]string{Faster: "faster", Slower: "slower", NoChange: "no change", Inconclusive: "inconclusive"}
	for o, want := range names {
		if o.String() != want {
			t.Errorf("%d: %q, want %q", o, o.String(), want)
		}
	}
	for b, want := range map[Bound]string{Exact: "", AtLeast: "≥ ", AtMost: "≤ ", Unknown: "? "} {
		if b.Sign() != want {
			t.Errorf("%v sign %q, want %q", b, b.Sign(), want)
		}
	}
	if AtLeast.Flip() != AtMost || AtMost.Flip() != AtLeast || Exact.Flip() != Exact || Unknown.Flip() != Unknown {
		t.Error("Flip")
	}
	r := Ratio{Value: 0.5, Bound: AtMost, Lo: 0.25, Hi: 1, HiOpen: false}
	if inv := r.Inverse(); inv != (Ratio{Value: 2, Bound: AtLeast, Lo: 1, Hi: 4}) {
		t.Errorf("Inverse = %+v", inv)
	}
}

// lognormalSample draws n sorted latencies with the given median and
// log-scale spread.
func lognormalSample(r *rand.Rand, n int, median time.Duration, sigma float64) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
	}
	slices.Sort(out)
	return out
}

// BenchmarkComparePercentile is the cost of one row (two percentiles with
// their intervals and the ratio's interval) at 500 and at a million
// latencies per run.
func BenchmarkComparePercentile(b *testing.B) {
	for _, n := range []int{500, 1_000_000} {
		r := rand.New(rand.NewPCG(1, 2))
		before := Sample{Sorted: lognormalSample(r, n, 40*time.Millisecond, 0.5)}
		after := Sample{Sorted: lognormalSample(r, n, 44*time.Millisecond, 0.5)}
		for _, p := range []float64{50, 99} {
			b.Run(fmt.Sprintf("n=%d/%s", n, PercentileName(p)), func(b *testing.B) {
				for b.Loop() {
					ComparePercentile(before, after, p)
				}
			})
		}
	}
}

// BenchmarkPercentileOf is one run's percentile with its interval.
func BenchmarkPercentileOf(b *testing.B) {
	s := Sample{Sorted: lognormalSample(rand.New(rand.NewPCG(1, 2)), 1_000_000, 40*time.Millisecond, 0.5)}
	for b.Loop() {
		PercentileOf(s, 99)
	}
}
