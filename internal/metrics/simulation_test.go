package metrics

// The statistics, proven by simulation: false positive rate, power and
// coverage, from seeded draws of known distributions, no timing. Every
// figure is logged; `go test -run Simulation -v ./internal/metrics/`
// prints them (BENCHMARKS.md, "Statistics, proven by simulation").

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// simRanks holds the ranks of a row per (p, n, side) with the default
// options: they do not depend on the data, so a simulation plans them once
// per configuration instead of once per trial. simCompare is then exactly
// ComparePercentile with default options (TestSimCompareIsComparePercentile).
var simRanks = struct {
	sync.Mutex
	m map[[3]float64]ranks
}{m: map[[3]float64]ranks{}}

func ranksFor(p float64, n int, side uint64) ranks {
	simRanks.Lock()
	defer simRanks.Unlock()
	k := [3]float64{p, float64(n), float64(side)}
	if r, ok := simRanks.m[k]; ok {
		return r
	}
	r := rankPlan(options(nil), p, n, side)
	simRanks.m[k] = r
	return r
}

func simCompare(before, after []time.Duration, p float64) Change {
	return simCompareSamples(Sample{Sorted: before}, Sample{Sorted: after}, p)
}

func simCompareSamples(before, after Sample, p float64) Change {
	return comparePercentile(before, after, p, options(nil),
		ranksFor(p, before.N(), sideBefore), ranksFor(p, after.N(), sideAfter))
}

func TestSimCompareIsComparePercentile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{3, 100, 500} {
		b, a := lognormal.sample(r, n), lognormal.sample(r, n+1)
		for _, p := range []float64{50, 99} {
			if got, want := simCompare(b, a, p), ComparePercentile(Sample{Sorted: b}, Sample{Sorted: a}, p); got != want {
				t.Errorf("n=%d p%v: simCompare %+v, ComparePercentile %+v", n, p, got, want)
			}
		}
	}
}

// shape is a latency distribution with a known quantile function.
type shape struct {
	name     string
	draw     func(r *rand.Rand) float64 // one latency in ns
	quantile func(q float64) float64
}

func (s shape) sample(r *rand.Rand, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(s.draw(r))
	}
	slices.Sort(out)
	return out
}

func normalQuantile(q float64) float64 { return math.Sqrt2 * math.Erfinv(2*q-1) }

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// logNormal is a lognormal latency with the given median (ns) and σ.
func logNormal(name string, median, sigma float64) shape {
	return shape{
		name:     name,
		draw:     func(r *rand.Rand) float64 { return median * math.Exp(sigma*r.NormFloat64()) },
		quantile: func(q float64) float64 { return median * math.Exp(sigma*normalQuantile(q)) },
	}
}

// bimodal is a fast mode and a slow one (a cache miss, a lock wait): a
// share slow of the requests come from the slow lognormal.
func bimodal(name string, slow float64) shape {
	const (
		fastMedian, fastSigma = 20e6, 0.25
		slowMedian, slowSigma = 200e6, 0.5
	)
	cdf := func(x float64) float64 {
		return (1-slow)*normalCDF(math.Log(x/fastMedian)/fastSigma) + slow*normalCDF(math.Log(x/slowMedian)/slowSigma)
	}
	return shape{
		name: name,
		draw: func(r *rand.Rand) float64 {
			if r.Float64() < slow {
				return slowMedian * math.Exp(slowSigma*r.NormFloat64())
			}
			return fastMedian * math.Exp(fastSigma*r.NormFloat64())
		},
		quantile: func(q float64) float64 {
			lo, hi := math.Log(1e3), math.Log(1e12)
			for range 200 {
				mid := (lo + hi) / 2
				if cdf(math.Exp(mid)) < q {
					lo = mid
				} else {
					hi = mid
				}
			}
			return math.Exp((lo + hi) / 2)
		},
	}
}

var (
	lognormal = logNormal("lognormal σ=0.5, median 50 ms", 50e6, 0.5)
	twoModes  = bimodal("bimodal: 90 % around 20 ms, 10 % around 200 ms", 0.10)
)

var gatedPercentiles = []float64{50, 90, 95, 99}

func rate(k, n int) float64 { return float64(k) / float64(n) }

// TestSimulationFalsePositives: runs of the same distribution, n = 500
// each, gated on p50, p90, p95 and p99 with the defaults: the gate fails
// (a row beyond DefaultMaxRegression and DefaultMinEffect, or a row
// inconclusive) in at most 5 % of pairs. The same figures on the
// intervals alone (no margin, no minimum effect) show the 5 % a 95 %
// interval is meant to give per row.
func TestSimulationFalsePositives(t *testing.T) {
	t.Parallel()
	const pairs, n = 400, 500
	for i, s := range []shape{lognormal, twoModes} {
		r := rand.New(rand.NewPCG(100, uint64(i)))
		gateFails, anyRow := 0, 0
		rowSig := make([]int, len(gatedPercentiles))
		for range pairs {
			b, a := s.sample(r, n), s.sample(r, n)
			failed, sig := false, false
			for j, p := range gatedPercentiles {
				c := simCompare(b, a, p)
				switch c.Judge(DefaultMaxRegression, DefaultMinEffect) {
				case Slower, Inconclusive:
					failed = true
				}
				if c.Judge(0, 0) != NoChange {
					rowSig[j]++
					sig = true
				}
			}
			if failed {
				gateFails++
			}
			if sig {
				anyRow++
			}
		}
		t.Logf("%s, %d pairs at n=%d: gate fails %.1f %% (defaults: margin %v, min effect %v)",
			s.name, pairs, n, 100*rate(gateFails, pairs), DefaultMaxRegression, DefaultMinEffect)
		line := ""
		for j, p := range gatedPercentiles {
			line += fmt.Sprintf(" %s %.1f %%", PercentileName(p), 100*rate(rowSig[j], pairs))
		}
		t.Logf("  intervals alone, a row faster or slower:%s; any of the four %.1f %%", line, 100*rate(anyRow, pairs))
		if rate(gateFails, pairs) > 0.05 {
			t.Errorf("%s: gate fails %d of %d same-distribution pairs, want at most 5 %%", s.name, gateFails, pairs)
		}
		for j, k := range rowSig {
			// A 95 % interval excludes the truth 5 % of the time; more than
			// 8 % in 400 pairs (3 standard errors) means it is too narrow.
			if rate(k, pairs) > 0.08 {
				t.Errorf("%s %s: interval excludes 1 in %d of %d pairs", s.name, PercentileName(gatedPercentiles[j]), k, pairs)
			}
		}
	}
}

// TestSimulationMedianShift: a 10 % slower median (lognormal σ = 0.3,
// median 100 → 110 ms), n = 500 each: the p50 row says slower in at least
// 80 % of pairs, and never faster.
func TestSimulationMedianShift(t *testing.T) {
	t.Parallel()
	const pairs, n = 400, 500
	before, after := logNormal("", 100e6, 0.3), logNormal("", 110e6, 0.3)
	r := rand.New(rand.NewPCG(200, 1))
	slower, faster := 0, 0
	for range pairs {
		switch simCompare(before.sample(r, n), after.sample(r, n), 50).Outcome {
		case Slower:
			slower++
		case Faster:
			faster++
		}
	}
	t.Logf("median +10 %% (lognormal σ=0.3, 100 → 110 ms), %d pairs at n=%d: p50 row slower in %.1f %%, faster in %.1f %%",
		pairs, n, 100*rate(slower, pairs), 100*rate(faster, pairs))
	if rate(slower, pairs) < 0.80 || faster > 0 {
		t.Errorf("p50 slower in %d of %d pairs (want ≥ 80 %%), faster in %d (want 0)", slower, pairs, faster)
	}
}

// TestSimulationTailRegression: the tail regression, n = 100:
// before = 100 latencies uniform in 15–24.9 ms, after = the same with 10
// of them, chosen at random, tripled. The p95 row says slower in at least
// 80 % of trials; the gate (beyond 10 % and the minimum effect) fails as
// often.
func TestSimulationTailRegression(t *testing.T) {
	t.Parallel()
	const trials, n = 400, 100
	r := rand.New(rand.NewPCG(300, 1))
	slower, gate := 0, 0
	for range trials {
		b := make([]time.Duration, n)
		for i := range b {
			b[i] = time.Duration(15e6 + r.Float64()*9.9e6)
		}
		a := slices.Clone(b)
		for _, i := range r.Perm(n)[:10] {
			a[i] *= 3
		}
		slices.Sort(b)
		slices.Sort(a)
		c := simCompare(b, a, 95)
		if c.Outcome == Slower {
			slower++
		}
		if c.Judge(DefaultMaxRegression, DefaultMinEffect) == Slower {
			gate++
		}
	}
	t.Logf("tail: 10 of %d requests tripled, %d trials: p95 row slower in %.1f %%, gate fails in %.1f %%",
		n, trials, 100*rate(slower, trials), 100*rate(gate, trials))
	if rate(slower, trials) < 0.80 || rate(gate, trials) < 0.80 {
		t.Errorf("p95 slower in %d, gate in %d of %d trials, want ≥ 80 %% each", slower, gate, trials)
	}
}

// TestSimulationCoverage: 95 % intervals cover the true percentile (one
// run) and the true ratio (two runs) of known distributions. Per n and
// percentile, pooled over two pairs of distributions (a lognormal scaled
// by 1.2, so the ratio is 1.2 everywhere; a bimodal whose slow share grows
// from 10 to 15 %, so the ratio differs by percentile), each coverage must
// be at least 93 %, and at most 97 % once the run holds three times the
// percentile's minimum sample; between the minimum and that, where the
// binomial has few ranks to work with, the intervals are conservative and
// may cover up to 99 %.
func TestSimulationCoverage(t *testing.T) {
	t.Parallel()
	type pair struct{ before, after shape }
	pairs := []pair{
		{lognormal, logNormal("lognormal ×1.2", 1.2*50e6, 0.5)},
		{twoModes, bimodal("bimodal with 15 % slow", 0.15)},
	}
	const trials = 600
	var pooledPct, pooledRatio, pooledPctN, pooledRatioN int
	for _, n := range []int{100, 500, 2000} {
		var ps []float64
		for _, p := range gatedPercentiles {
			if n >= MinSamples(p, DefaultConfidence) {
				ps = append(ps, p)
			}
		}
		pctIn := make([]int, len(ps))   // both runs of every pair: 2 × trials per pair
		ratioIn := make([]int, len(ps)) // trials per pair
		for i, pr := range pairs {
			r := rand.New(rand.NewPCG(400+uint64(i), uint64(n)))
			trueB := make([]time.Duration, len(ps))
			trueA := make([]time.Duration, len(ps))
			trueRatio := make([]float64, len(ps))
			for j, p := range ps {
				trueB[j] = time.Duration(pr.before.quantile(p / 100))
				trueA[j] = time.Duration(pr.after.quantile(p / 100))
				trueRatio[j] = pr.after.quantile(p/100) / pr.before.quantile(p/100)
			}
			pairPct := make([]int, len(ps))
			pairRatio := make([]int, len(ps))
			for range trials {
				b, a := pr.before.sample(r, n), pr.after.sample(r, n)
				for j, p := range ps {
					// c.Before and c.After are PercentileOf each run
					// (TestSimCompareIsComparePercentile).
					c := simCompare(b, a, p)
					if c.Before.Lo <= trueB[j] && trueB[j] <= c.Before.Hi {
						pairPct[j]++
					}
					if c.After.Lo <= trueA[j] && trueA[j] <= c.After.Hi {
						pairPct[j]++
					}
					if c.Ratio.Lo <= trueRatio[j] && trueRatio[j] <= c.Ratio.Hi {
						pairRatio[j]++
					}
				}
			}
			for j, p := range ps {
				t.Logf("  %-48s n=%4d %-4s percentile %.1f %%  ratio %.1f %%", pr.before.name, n, PercentileName(p),
					100*rate(pairPct[j], 2*trials), 100*rate(pairRatio[j], trials))
				pctIn[j] += pairPct[j]
				ratioIn[j] += pairRatio[j]
			}
		}
		for j, p := range ps {
			ceiling := 0.97
			if n < 3*MinSamples(p, DefaultConfidence) {
				ceiling = 0.99
			}
			pn, rn := 2*trials*len(pairs), trials*len(pairs)
			pc, rc := rate(pctIn[j], pn), rate(ratioIn[j], rn)
			t.Logf("n=%4d %-4s percentile %.1f %% of %d, ratio %.1f %% of %d (ceiling %.0f %%)", n, PercentileName(p), 100*pc, pn, 100*rc, rn, 100*ceiling)
			pooledPct, pooledPctN = pooledPct+pctIn[j], pooledPctN+pn
			pooledRatio, pooledRatioN = pooledRatio+ratioIn[j], pooledRatioN+rn
			for _, c := range []struct {
				what string
				got  float64
			}{{"percentile", pc}, {"ratio", rc}} {
				if c.got < 0.93 || c.got > ceiling {
					t.Errorf("n=%d %s: %s intervals cover %.1f %%, want 93–%.0f %%", n, PercentileName(p), c.what, 100*c.got, 100*ceiling)
				}
			}
		}
	}
	t.Logf("all: percentile intervals %.1f %% of %d, ratio intervals %.1f %% of %d",
		100*rate(pooledPct, pooledPctN), pooledPctN, 100*rate(pooledRatio, pooledRatioN), pooledRatioN)
}

// TestSimulationTinySamples: one, two or three requests on either side
// are inconclusive for every percentile, never faster or slower, however
// far apart the runs are.
func TestSimulationTinySamples(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(500, 1))
	slow := logNormal("", 37e9, 0.3)
	fast := logNormal("", 40e6, 0.3)
	decided := 0
	total := 0
	for small := 1; small <= 3; small++ {
		for range 20 {
			tiny := slow.sample(r, small)
			for _, other := range [][]time.Duration{fast.sample(r, 500), fast.sample(r, small)} {
				for _, p := range append(gatedPercentiles, 100) {
					for _, c := range []Change{simCompare(tiny, other, p), simCompare(other, tiny, p)} {
						total++
						if c.Outcome != Inconclusive || c.Judge(DefaultMaxRegression, DefaultMinEffect) != Inconclusive {
							decided++
						}
					}
				}
			}
		}
	}
	t.Logf("n = 1, 2, 3 on a side (other side 500 or as few; 925× apart): %d of %d rows decided", decided, total)
	if decided > 0 {
		t.Errorf("%d of %d rows with 1–3 requests on a side were decided, want none", decided, total)
	}
}

// TestSimulationCensored: a before whose requests all timed out gives a
// speed-up that is a lower bound, never a point value, and never a
// slower row; it is faster exactly when the run holds enough requests.
func TestSimulationCensored(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(600, 1))
	fast := logNormal("", 40e6, 0.5)
	bad := 0
	for trial := range 200 {
		n := 1 + trial%60
		before := Sample{Sorted: slices.Repeat([]time.Duration{120 * time.Second}, n), Censored: n}
		after := Sample{Sorted: fast.sample(r, 1+trial%100)}
		for _, p := range gatedPercentiles {
			c := simCompareSamples(before, after, p)
			su := c.Ratio.Inverse()
			judgeable := !c.Before.TooFew() && !c.After.TooFew()
			if c.Ratio.Bound != AtMost || su.Bound != AtLeast || c.Outcome == Slower || (c.Outcome == Faster) != judgeable {
				bad++
				t.Errorf("n=%d/%d %s: ratio %+v, outcome %v", n, after.N(), PercentileName(p), c.Ratio, c.Outcome)
			}
		}
	}
	t.Logf("all-timeout before, 200 runs × 4 percentiles: speed-up a lower bound in every row, %d wrong", bad)
}
