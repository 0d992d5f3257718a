package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// blockP50 is the p50 of n lognormal latencies with median base × drift.
func blockP50(rng *rand.Rand, n int, median float64) time.Duration {
	v := make([]time.Duration, n)
	for i := range v {
		v[i] = time.Duration(median * math.Exp(0.3*rng.NormFloat64()))
	}
	slices.Sort(v)
	return NearestRank(v, 50)
}

// drifting is a machine whose latencies at time x (0..1 of the run) are
// multiplied by 1 + 0.4·x plus a slow wobble: a shared CI runner warming
// up and a neighbour coming and going.
func drifting(x float64) float64 { return (1 + 0.4*x) * (1 + 0.05*math.Sin(6*x)) }

// simulateAB runs pairs ABBA blocks of n requests of versions whose
// medians are 10 ms (before) and 10 ms × change (after) on the drifting
// machine, and returns each pair's block p50s.
func simulateAB(rng *rand.Rand, pairs, n int, change float64) (before, after []time.Duration) {
	const base = 10e6
	blocks := 2 * pairs
	for j := range pairs {
		first, second := 2*j, 2*j+1
		at := func(k int) float64 { return (float64(k) + 0.5) / float64(blocks) }
		b, a := first, second
		if j%2 == 1 { // BA
			a, b = first, second
		}
		before = append(before, blockP50(rng, n, base*drifting(at(b))))
		after = append(after, blockP50(rng, n, base*change*drifting(at(a))))
	}
	return before, after
}

// TestSimulationPairedDrift is issue 15's proof in simulation: on a
// machine that drifts by 40 % over the run, two runs one after the other
// report a difference between identical versions; the same blocks paired
// in ABBA order report none at about the nominal rate, and a real 10 %
// slowdown is found.
func TestSimulationPairedDrift(t *testing.T) {
	const trials, pairs, n = 400, 10, 100
	rng := rand.New(rand.NewPCG(15, 4))
	var sequentialFalse, pairedFalse, pairedFound int
	var covered int
	for range trials {
		// Sequential: all of before's blocks, then all of after's.
		var sb, sa []time.Duration
		for k := range pairs {
			sb = append(sb, blockP50(rng, n, 10e6*drifting((float64(k)+0.5)/(2*pairs))))
			sa = append(sa, blockP50(rng, n, 10e6*drifting((float64(pairs+k)+0.5)/(2*pairs))))
		}
		if ComparePaired(sb, sa, 50, MinEffect(0)).Outcome != NoChange {
			sequentialFalse++
		}
		b, a := simulateAB(rng, pairs, n, 1)
		p := ComparePaired(b, a, 50, MinEffect(0))
		if p.Outcome != NoChange {
			pairedFalse++
		}
		if p.Ratio.Lo <= 1 && 1 <= p.Ratio.Hi {
			covered++
		}
		b, a = simulateAB(rng, pairs, n, 1.10)
		if q := ComparePaired(b, a, 50, MinEffect(0)); q.Outcome == Slower && q.Ratio.Lo < 1.10 && q.Ratio.Hi > 1.10 {
			pairedFound++
		}
	}
	t.Logf("sequential false differences %d/%d; paired false %d/%d (coverage %.1f %%); paired found 10 %% %d/%d",
		sequentialFalse, trials, pairedFalse, trials, 100*float64(covered)/trials, pairedFound, trials)
	if sequentialFalse < trials*95/100 {
		t.Errorf("sequential runs reported the drift as a difference in %d/%d trials; want nearly all", sequentialFalse, trials)
	}
	if cov := float64(covered) / trials; cov < 0.91 || cov > 0.99 {
		t.Errorf("paired interval covered no change in %.1f %% of trials; want about 95 %%", 100*cov)
	}
	if pairedFound < trials*90/100 {
		t.Errorf("paired blocks found the 10 %% slowdown (interval above 1 and holding 1.10) in %d/%d trials; want ≥ 90 %%", pairedFound, trials)
	}
}

func TestComparePaired(t *testing.T) {
	ms := time.Millisecond
	p := ComparePaired([]time.Duration{10 * ms, 20 * ms, 10 * ms}, []time.Duration{20 * ms, 40 * ms, 20 * ms}, 50, MinEffect(0))
	if p.Pairs != 3 || math.Abs(p.Ratio.Value-2) > 1e-12 || p.Ratio.Lo != p.Ratio.Value || p.Ratio.Hi != p.Ratio.Value {
		t.Errorf("every pair doubling: %+v, want ratio exactly 2 with a zero-width interval", p)
	}
	if p.Outcome != Slower || p.Delta != 40*ms/3 {
		t.Errorf("outcome %v, delta %s; want slower by 13.333ms", p.Outcome, p.Delta)
	}
	// The hand-computed t interval: d = ln 2, ln 1, ln 1.5.
	q := ComparePaired([]time.Duration{10 * ms, 10 * ms, 10 * ms}, []time.Duration{20 * ms, 10 * ms, 15 * ms}, 50)
	d := []float64{math.Log(2), 0, math.Log(1.5)}
	mean := (d[0] + d[1] + d[2]) / 3
	var ss float64
	for _, v := range d {
		ss += (v - mean) * (v - mean)
	}
	half := 4.302652729911275 * math.Sqrt(ss/2) / math.Sqrt(3) // t(0.975, 2)
	if math.Abs(q.Ratio.Lo-math.Exp(mean-half)) > 1e-9 || math.Abs(q.Ratio.Hi-math.Exp(mean+half)) > 1e-9 {
		t.Errorf("interval [%g, %g], want [%g, %g]", q.Ratio.Lo, q.Ratio.Hi, math.Exp(mean-half), math.Exp(mean+half))
	}
	if q.Outcome != NoChange {
		t.Errorf("outcome %v, want no change: the interval holds 1", q.Outcome)
	}
	if one := ComparePaired([]time.Duration{ms}, []time.Duration{2 * ms}, 50); one.Outcome != Inconclusive || !one.Ratio.LoOpen {
		t.Errorf("one pair: %+v, want inconclusive", one)
	}
	if z := ComparePaired([]time.Duration{0, ms, ms}, []time.Duration{ms, 0, 2 * ms}, 50); z.Pairs != 1 {
		t.Errorf("pairs with an empty block count: %+v", z)
	}
}
