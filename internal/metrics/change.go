package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Ratio is after/before of one percentile with its confidence interval.
// Timeouts can leave it known on one side only: Bound says what Value is,
// and an open end (LoOpen, HiOpen) means the interval has no limit on that
// side; its Lo or Hi is then 0, never ±Inf, so the value encodes as JSON.
type Ratio struct {
	Value  float64 `json:"value"`
	Bound  Bound   `json:"bound"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	LoOpen bool    `json:"lo_open,omitempty"`
	HiOpen bool    `json:"hi_open,omitempty"`
}

// Inverse is the same figure the other way up: the speed-up before/after
// from a ratio after/before. Its bounds and open ends swap sides: when the
// before timed out, the ratio is at most its Value and the speed-up at
// least 1/Value (">= 10850×").
func (r Ratio) Inverse() Ratio {
	inv := Ratio{Value: recip(r.Value), Bound: r.Bound.Flip(), LoOpen: r.HiOpen, HiOpen: r.LoOpen}
	if !inv.LoOpen {
		inv.Lo = recip(r.Hi)
	}
	if !inv.HiOpen {
		inv.Hi = recip(r.Lo)
	}
	return inv
}

func recip(x float64) float64 {
	if x == 0 {
		return 0
	}
	return 1 / x
}

// Change is one before/after row for one percentile: both percentiles
// with their own intervals, the ratio after/before with its interval, and
// the outcome that row's interval alone supports.
type Change struct {
	// P is the percentile (95 for p95).
	P float64 `json:"p"`
	// Before and After are each run's percentile (PercentileOf).
	Before Percentile `json:"before"`
	After  Percentile `json:"after"`
	// Ratio is After/Before; Ratio.Inverse() is the speed-up.
	Ratio Ratio `json:"ratio"`
	// Delta is After − Before at the point estimates: the absolute change
	// the minimum effect is held against.
	Delta time.Duration `json:"delta"`
	// MinEffect is the minimum effect Outcome was judged with.
	MinEffect time.Duration `json:"min_effect"`
	// Draws is the number of bootstrap draws behind the interval; every
	// latency of both runs took part (nothing is subsampled).
	Draws int `json:"draws"`
	// Outcome is Judge(0, MinEffect): faster, slower, no change or
	// inconclusive, from this row's interval and nothing else.
	Outcome Outcome `json:"outcome"`
}

// ComparePercentile compares the p-th percentile of two independent runs.
//
// Method. Each run's uncertainty about its percentile is the confidence
// distribution the exact binomial gives it: the fractional rank r whose
// probability P(K < r) (K ~ Binomial(n, p/100), as in PercentileOf) is a
// uniform draw, read off the sorted sample by linear interpolation. Its
// α/2 and 1−α/2 quantiles are exactly the run's own interval
// (PercentileOf) at every level α. The interval of the ratio after/before
// is the α/2 and 1−α/2 quantiles of Draws ratios of independent draws from
// the two runs. So it is the two-sample form of the one-sample interval:
// when one run is known exactly, it reduces to the other run's interval,
// and its limits are never weaker than what the two runs' own intervals
// prove together (each at 1 − α/4 per tail: P(A/B < a/b) ≤ P(A < a) +
// P(B > b) for independent draws). A draw costs one uniform and a binary search in a table of the
// binomial over the ranks that matter (about twelve standard deviations
// of K), so a row costs about a millisecond at n = 500 and tens at
// n = 1e6; every latency takes part and nothing is subsampled.
//
// Why not the percentile bootstrap (draw U ~ Beta(k, n+1−k), read
// x(ceil(n·U))): on smooth latencies it is as well calibrated, but its
// spread is that of the binomial at the sample's own ranks, not at p, and
// for a tail percentile next to a gap in the data that matters. In the
// issue's missed tail (ten of 100 requests tripled) the bootstrap puts
// the after's p95 below the gap 5.8 % of the time where the binomial says
// 1.2 %, and its interval [1.02, 2.64] cannot show the regression beyond
// 10 % that the two runs' own 95 % intervals already imply (their limits
// put the ratio above 1.7; this method gives [1.83, 2.79]). The price of
// the confidence distribution is some conservatism where a run barely
// supports the percentile (a p99 from 500 requests covers about 98 %
// rather than 95 %); BENCHMARKS.md has the measured coverage.
//
// Timeouts are censored observations: the top Censored values of a Sample
// are lower bounds. A draw that lands on a timed-out before is a ratio at
// most its value (the true before is longer), one on a timed-out after a
// ratio at least its value; replacing those draws by 0 and +Inf
// respectively gives limits that are valid whatever the timed-out
// requests would have taken, and when they reach the quantile the
// interval is open on that side. The point ratio takes a Bound the same
// way.
//
// Both runs' requests are treated as independent draws from one latency
// distribution each. A stall that slows many consecutive requests makes
// them less independent than that, and the drift between two runs is not
// in either interval at all: that is what the minimum effect is for.
//
// Options: Confidence, Draws, Seed, MinEffect. The same inputs and options
// give the same Change on every call.
func ComparePercentile(before, after Sample, p float64, opts ...Option) Change {
	o := options(opts)
	return comparePercentile(before, after, p, o,
		rankPlan(o, p, before.N(), sideBefore), rankPlan(o, p, after.N(), sideAfter))
}

// ranks is the part of a row that depends on a run's size but not on its
// latencies: the fractional ranks of its interval and its rank draws.
type ranks struct {
	lo, hi float64
	draws  []float64
}

// rankPlan computes one side's ranks (fractionalRanks, drawRanks). The
// simulation tests compute it once per configuration instead of once per
// trial.
func rankPlan(o settings, p float64, n int, side uint64) ranks {
	lo, hi := fractionalRanks(n, p/100, 1-o.confidence)
	return ranks{lo: lo, hi: hi, draws: drawRanks(o, p, n, side)}
}

// comparePercentile is ComparePercentile on ranks already planned.
func comparePercentile(before, after Sample, p float64, o settings, bp, ap ranks) Change {
	c := Change{
		P:         p,
		Before:    percentileAt(before, p, o, bp.lo, bp.hi),
		After:     percentileAt(after, p, o, ap.lo, ap.hi),
		MinEffect: o.minEffect,
	}
	if before.N() == 0 || after.N() == 0 {
		c.Ratio = Ratio{Bound: Unknown, LoOpen: true, HiOpen: true}
		c.Outcome = Inconclusive
		return c
	}
	c.Delta = c.After.Value - c.Before.Value
	c.Ratio = ratioInterval(before, after, bp.draws, ap.draws, o.confidence)
	c.Ratio.Value = ratio(c.After.Value, c.Before.Value)
	c.Ratio.Bound = ratioBound(c.Before.Bound, c.After.Bound)
	c.Draws = len(bp.draws)
	c.Outcome = c.Judge(0, o.minEffect)
	return c
}

// Judge classifies the change against a relative margin and an absolute
// minimum effect, on this row's interval only:
//
//   - Slower when the ratio's interval lies wholly above 1+margin and the
//     latency rose by more than minEffect;
//   - Faster when it lies wholly below 1/(1+margin) and the latency fell
//     by more than minEffect;
//   - Inconclusive when either run is too few for the percentile
//     (Percentile.TooFew) or timeouts leave the ratio unbounded both ways;
//   - NoChange otherwise.
//
// An open end counts as 0 or infinity, so a ratio whose before timed out
// can still be Faster, never Slower. The improvement threshold is the
// reciprocal of the regression one, so swapping before and after swaps
// Faster and Slower and nothing else.
//
// The three uses:
//
//	row outcome:        c.Outcome == c.Judge(0, minEffect)
//	regression gate:    c.Judge(maxRegression, minEffect) == Slower fails it,
//	                    Inconclusive fails it unless inconclusive rows are allowed
//	claim direction:    c.Judge(0, minEffect) == Faster ("significant in the
//	                    claimed direction": the interval wholly below 1)
func (c Change) Judge(margin float64, minEffect time.Duration) Outcome {
	r := c.Ratio
	if c.Before.TooFew() || c.After.TooFew() || r.Bound == Unknown || (r.LoOpen && r.HiOpen) {
		return Inconclusive
	}
	margin = max(margin, 0)
	minEffect = max(minEffect, 0)
	switch {
	case !r.LoOpen && r.Lo > 1+margin && c.Delta > minEffect && r.Bound != AtMost:
		return Slower
	case !r.HiOpen && r.Hi < 1/(1+margin) && -c.Delta > minEffect && r.Bound != AtLeast:
		return Faster
	}
	return NoChange
}

// Footnotes are the warnings a report prints under this row, in every
// format: too few samples on either side, a ratio bounded by timeouts, a
// change the interval shows but the minimum effect discounts. Empty when
// there is nothing to say.
func (c Change) Footnotes() []string {
	var out []string
	name := PercentileName(c.P)
	for _, side := range []struct {
		label string
		p     Percentile
	}{{"before", c.Before}, {"after", c.After}} {
		if side.p.TooFew() {
			out = append(out, side.label+" "+side.p.Footnote())
		}
	}
	if c.Before.N == 0 || c.After.N == 0 {
		return out
	}
	switch c.Ratio.Bound {
	case AtMost:
		out = append(out, fmt.Sprintf("%s: the before falls on timed-out requests (%d of %d), so the ratio is an upper bound and the speed-up a lower bound",
			name, c.Before.Censored, c.Before.N))
	case AtLeast:
		out = append(out, fmt.Sprintf("%s: the after falls on timed-out requests (%d of %d), so the ratio is a lower bound (at least this much slower)",
			name, c.After.Censored, c.After.N))
	case Unknown:
		out = append(out, fmt.Sprintf("%s: both runs fall on timed-out requests; no ratio can be given", name))
	default:
		if c.Ratio.LoOpen || c.Ratio.HiOpen {
			out = append(out, fmt.Sprintf("%s: the interval reaches timed-out requests, so it is open on one side", name))
		}
	}
	if c.Outcome == NoChange {
		if o := c.Judge(0, 0); o == Faster || o == Slower {
			out = append(out, fmt.Sprintf("%s: %s by %s, not more than the minimum effect %s: no change",
				name, o, round3(absDuration(c.Delta)), c.MinEffect))
		}
	}
	return out
}

// round3 rounds d to three significant digits, as reports print it:
// 1.139538ms is 1.14ms.
func round3(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for d/unit >= 1000 {
		unit *= 10
	}
	return d.Round(unit)
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// ratio is a/b with both clamped to at least 1 ns, so a zero latency can
// neither divide by zero nor give a ratio of 0.
func ratio(a, b time.Duration) float64 {
	return float64(max(a, 1)) / float64(max(b, 1))
}

// ratioBound is how far after/before is known from each side's bound.
func ratioBound(before, after Bound) Bound {
	switch {
	case before == AtLeast && after == AtLeast:
		return Unknown
	case before == AtLeast:
		return AtMost
	case after == AtLeast:
		return AtLeast
	}
	return Exact
}

// The two sides of a comparison draw from separate streams: with one
// stream, equal n would give equal ranks on both sides, ratios of
// matched order statistics, and an interval far too narrow.
const (
	sideBefore = 1
	sideAfter  = 2
)

// drawRanks draws o.draws fractional ranks, in a sorted sample of n, of
// the p-th percentile from its confidence distribution: the rank r with
// P(K < r) = V, V uniform, K ~ Binomial(n, p/100) extended to real ranks
// (binomBelowReal), clamped into [1, n]. The stream is fixed by the seed,
// p and the side, so every row is reproducible and rows are independent.
func drawRanks(o settings, p float64, n int, side uint64) []float64 {
	if n == 0 {
		return nil
	}
	cd := newRankDistribution(n, p/100)
	rng := rand.New(rand.NewPCG(o.seed^math.Float64bits(p), side))
	ranks := make([]float64, o.draws)
	for i := range ranks {
		ranks[i] = cd.rank(rng.Float64())
	}
	return ranks
}

// rankDistribution tabulates P(K < r) over the ranks r where it is
// neither 0 nor 1 to within rankTail, finely enough that linear
// interpolation between table points is exact to well below the Monte
// Carlo error.
type rankDistribution struct {
	ranks []float64 // increasing
	cdf   []float64 // P(K < rank), increasing
}

const (
	rankTail   = 1e-7 // draws beyond this tail probability are clamped
	rankPoints = 512  // the least number of table points
)

func newRankDistribution(n int, q float64) rankDistribution {
	if q >= 1 || n == 1 {
		return rankDistribution{ranks: []float64{float64(n)}, cdf: []float64{0}}
	}
	q = max(q, 0) // a p ≤ 0 reads the minimum, as NearestRank does
	lo := searchLast(1, n, func(j int) bool { return binomBelow(n, q, j) <= rankTail })
	hi := searchFirst(1, n, func(j int) bool { return binomBelow(n, q, j) >= 1-rankTail })
	sub := max(1, (rankPoints+hi-lo)/(hi-lo+1))
	d := rankDistribution{}
	for j := lo * sub; j <= hi*sub; j++ {
		r := float64(j) / float64(sub)
		d.ranks = append(d.ranks, r)
		d.cdf = append(d.cdf, binomBelowReal(n, q, r))
	}
	return d
}

// rank inverts the table at probability v.
func (d rankDistribution) rank(v float64) float64 {
	last := len(d.cdf) - 1
	switch {
	case v <= d.cdf[0]:
		return d.ranks[0]
	case v >= d.cdf[last]:
		return d.ranks[last]
	}
	j, _ := slices.BinarySearch(d.cdf, v) // cdf[j-1] < v <= cdf[j]
	f := (v - d.cdf[j-1]) / (d.cdf[j] - d.cdf[j-1])
	return d.ranks[j-1] + f*(d.ranks[j]-d.ranks[j-1])
}

// ratioInterval is the interval of after/before from paired rank draws;
// see ComparePercentile.
func ratioInterval(before, after Sample, bRanks, aRanks []float64, confidence float64) Ratio {
	draws := min(len(bRanks), len(aRanks))
	// Equal tails of α/2 each: with 4000 draws and α = 0.05, the lower
	// limit is the 101st smallest ratio and the upper the 101st largest.
	// Two bounded heaps find them in one pass, without storing or sorting
	// the draws.
	m := int(math.Floor((1-confidence)/2*float64(draws))) + 1
	low := make(maxHeap, 0, m)  // the m smallest ratios, 0 where the before timed out
	high := make(minHeap, 0, m) // the m largest, +Inf where the after timed out
	// The loop runs Draws times per row, so it stays free of calls: a
	// draw is censored when its rank reaches past the last completed
	// latency (ceil(r) > n−c, that is r > n−c).
	bCut, aCut := float64(before.N()-before.censoredCount()), float64(after.N()-after.censoredCount())
	for i := range draws {
		rb, ra := bRanks[i], aRanks[i]
		r := max(interpolate(after.Sorted, ra), 1) / max(interpolate(before.Sorted, rb), 1)
		lo, hi := r, r
		if rb > bCut {
			lo = 0
		}
		if ra > aCut {
			hi = math.Inf(1)
		}
		low = low.keep(lo, m)
		high = high.keep(hi, m)
	}
	out := Ratio{Lo: low[0], Hi: high[0]}
	if out.Lo == 0 {
		out.LoOpen = true
	}
	if math.IsInf(out.Hi, 1) {
		out.Hi, out.HiOpen = 0, true
	}
	return out
}

// interpolate is Sample.atFraction in float nanoseconds, without
// rounding, for rank in [1, len(sorted)].
func interpolate(sorted []time.Duration, rank float64) float64 {
	i := int(rank)
	if i >= len(sorted) {
		return float64(sorted[len(sorted)-1])
	}
	lo := float64(sorted[i-1])
	return lo + (rank-float64(i))*(float64(sorted[i])-lo)
}

// maxHeap keeps the m smallest values of a stream; its root is the
// largest of them, the m-th smallest.
type maxHeap []float64

// keep adds x if it is among the m smallest so far.
func (h maxHeap) keep(x float64, m int) maxHeap {
	if len(h) < m {
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			up := (i - 1) / 2
			if h[up] >= h[i] {
				break
			}
			h[i], h[up] = h[up], h[i]
			i = up
		}
		return h
	}
	if x >= h[0] {
		return h
	}
	h[0] = x
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1] > h[c] {
			c++
		}
		if h[c] <= h[i] {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return h
}

// minHeap keeps the m largest values of a stream; its root is the
// smallest of them, the m-th largest.
type minHeap []float64

// keep adds x if it is among the m largest so far.
func (h minHeap) keep(x float64, m int) minHeap {
	if len(h) < m {
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			up := (i - 1) / 2
			if h[up] <= h[i] {
				break
			}
			h[i], h[up] = h[up], h[i]
			i = up
		}
		return h
	}
	if x <= h[0] {
		return h
	}
	h[0] = x
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1] < h[c] {
			c++
		}
		if h[c] >= h[i] {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return h
}
