package metrics_test

import (
	"fmt"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
)

// run builds a sorted sample of n latencies spread around median, then
// timedOut requests cut at the timeout (they sort to the top).
func run(n int, median time.Duration, timedOut int, timeout time.Duration) metrics.Sample {
	var d []time.Duration
	for i := range n {
		d = append(d, median*time.Duration(80+40*i/n)/100)
	}
	for range timedOut {
		d = append(d, timeout)
	}
	return metrics.Sample{Sorted: d, Censored: timedOut}
}

// interval renders a ratio's interval, open ends included.
func interval(r metrics.Ratio) string {
	lo, hi := fmt.Sprintf("%.3g", r.Lo), fmt.Sprintf("%.3g", r.Hi)
	if r.LoOpen {
		lo = "0"
	}
	if r.HiOpen {
		hi = "∞"
	}
	return "[" + lo + ", " + hi + "]"
}

// How compare judges one row: each run's latencies sorted with the
// timed-out requests counted, the row's outcome for the table, the gate
// on the same row, and the footnotes for every format.
func ExampleComparePercentile() {
	before := run(90, 2*time.Second, 10, 30*time.Second) // 10 of 100 requests timed out at 30 s
	after := run(100, 50*time.Millisecond, 0, 30*time.Second)
	allowInconclusive := false

	for _, p := range []float64{50, 95, 99} {
		c := metrics.ComparePercentile(before, after, p, metrics.MinEffect(metrics.DefaultMinEffect))
		su := c.Ratio.Inverse() // speed-up before/after
		fmt.Printf("%-4s %s%v -> %s%v  speed-up %s%.3g× %s  %v\n", metrics.PercentileName(p),
			c.Before.Bound.Sign(), c.Before.Value, c.After.Bound.Sign(), c.After.Value,
			su.Bound.Sign(), su.Value, interval(su), c.Outcome)

		switch c.Judge(metrics.DefaultMaxRegression, metrics.DefaultMinEffect) {
		case metrics.Slower:
			fmt.Println("     gate: regressed")
		case metrics.Inconclusive:
			if !allowInconclusive {
				fmt.Println("     gate: inconclusive")
			}
		}
		for _, f := range c.Footnotes() {
			fmt.Println("     note:", f)
		}
	}
	// Output:
	// p50  2.02s -> 49.5ms  speed-up 40.8× [38.5, 43.3]  faster
	// p95  ≥ 30s -> 58.5ms  speed-up ≥ 513× [448, ∞]  faster
	//      note: p95: the before falls on timed-out requests (10 of 100), so the ratio is an upper bound and the speed-up a lower bound
	// p99  ≥ 30s -> 59.5ms  speed-up ≥ 504× [504, ∞]  inconclusive
	//      gate: inconclusive
	//      note: before n=100: too few for p99 (needs ≥ 368)
	//      note: after n=100: too few for p99 (needs ≥ 368)
	//      note: p99: the before falls on timed-out requests (10 of 100), so the ratio is an upper bound and the speed-up a lower bound
}

// A single run's percentile, with the footnote a report prints when the
// run is too small for it.
func ExamplePercentileOf() {
	s := run(40, 120*time.Millisecond, 0, time.Minute)
	for _, p := range []float64{50, 99} {
		pc := metrics.PercentileOf(s, p)
		fmt.Printf("%s %v [%v, %v] %q\n", metrics.PercentileName(p), pc.Value,
			pc.Lo.Round(100*time.Microsecond), pc.Hi.Round(100*time.Microsecond), pc.Footnote())
	}
	fmt.Println("p99 needs", metrics.MinSamples(99, metrics.DefaultConfidence))
	// Output:
	// p50 118.8ms [112ms, 126.8ms] ""
	// p99 142.8ms [141.1ms, 142.8ms] "n=40: too few for p99 (needs ≥ 368)"
	// p99 needs 368
}
