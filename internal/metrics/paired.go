package metrics

import (
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Paired is a before/after ratio measured in pairs of blocks: each pair
// is one short block of load on each version, run back to back in one
// process (perfgate ab), and gives one ratio after/before of a figure of
// the two blocks (their p50, say).
type Paired struct {
	// P is the percentile the blocks' figures are (95 for p95).
	P float64 `json:"p"`
	// Pairs is the number of pairs the ratio rests on.
	Pairs int `json:"pairs"`
	// Ratio is after/before: the geometric mean of the pairs' ratios, with
	// its interval; Ratio.Inverse() is the speed-up.
	Ratio Ratio `json:"ratio"`
	// Delta is the mean of the pairs' differences after − before: the
	// absolute change the minimum effect is held against.
	Delta time.Duration `json:"delta"`
	// MinEffect is the minimum effect Outcome was judged with.
	MinEffect time.Duration `json:"min_effect"`
	// Outcome is Judge(0, MinEffect).
	Outcome Outcome `json:"outcome"`
}

// ComparePaired compares before[i] with after[i], the same figure of the
// i-th pair of blocks of two versions.
//
// Method. Each pair gives d_i = ln(after_i / before_i). The ratio is
// exp(mean d) and its interval exp(mean d ± t·s/√n), the Student t
// interval on the mean log ratio at the Confidence option's level with
// n − 1 degrees of freedom (s the standard deviation of the d_i). Logs,
// because a slowdown of the machine multiplies both versions' latencies:
// on the log scale it is a shift that the difference removes.
//
// Why it cancels drift: both blocks of a pair run within seconds of each
// other, so whatever the machine was doing then (other jobs, thermal
// state, a noisy neighbour) weighs on both, and the ratio of the two
// keeps only the difference between the versions. Drift within a pair
// does not cancel by itself: the second block runs later. perfgate ab
// therefore alternates the order, AB then BA (ABBA): a drift that is
// linear over two pairs adds +δ to one pair's log ratio and −δ to the
// next, so it cancels in the mean instead of biasing it, and only
// widens s, hence the interval. Two runs one after the other have no such
// pairs: the drift between them lands whole in their ratio, which is why
// their comparison can report a difference between identical versions.
//
// The t interval assumes the d_i are independent draws around the true
// log ratio; with ten pairs, the mean of log ratios of block percentiles
// is close enough to normal for a 95 % interval (the package's
// simulation tests measure its coverage under drift). Fewer than two
// pairs, or a block with no figure (zero), give Inconclusive.
//
// Options: Confidence, MinEffect.
func ComparePaired(before, after []time.Duration, p float64, opts ...Option) Paired {
	o := options(opts)
	out := Paired{P: p, MinEffect: o.minEffect}
	n := min(len(before), len(after))
	var sum, delta float64
	d := make([]float64, 0, n)
	for i := range n {
		if before[i] <= 0 || after[i] <= 0 {
			continue
		}
		v := math.Log(float64(after[i]) / float64(before[i]))
		d = append(d, v)
		sum += v
		delta += float64(after[i] - before[i])
	}
	out.Pairs = len(d)
	if out.Pairs < 2 {
		out.Ratio = Ratio{Bound: Unknown, LoOpen: true, HiOpen: true}
		if out.Pairs == 1 {
			out.Ratio.Value = math.Exp(d[0])
		}
		return out
	}
	k := float64(out.Pairs)
	mean := sum / k
	var ss float64
	for _, v := range d {
		ss += (v - mean) * (v - mean)
	}
	se := math.Sqrt(ss/(k-1)) / math.Sqrt(k)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: k - 1}.Quantile(1 - (1-o.confidence)/2)
	out.Ratio = Ratio{Value: math.Exp(mean), Lo: math.Exp(mean - t*se), Hi: math.Exp(mean + t*se)}
	out.Delta = time.Duration(math.Round(delta / k))
	out.Outcome = out.Judge(0, o.minEffect)
	return out
}

// Judge classifies the paired ratio as Change.Judge does a row: Slower
// when the interval lies wholly above 1+margin and the latency rose by
// more than minEffect, Faster when it lies wholly below 1/(1+margin) and
// the latency fell by more than minEffect, Inconclusive with fewer than
// two pairs, NoChange otherwise.
func (p Paired) Judge(margin float64, minEffect time.Duration) Outcome {
	if p.Pairs < 2 {
		return Inconclusive
	}
	margin, minEffect = max(margin, 0), max(minEffect, 0)
	switch {
	case p.Ratio.Lo > 1+margin && p.Delta > minEffect:
		return Slower
	case p.Ratio.Hi < 1/(1+margin) && -p.Delta > minEffect:
		return Faster
	}
	return NoChange
}
