package metrics

import (
	"math"
	"slices"
	"time"
)

// Latencies summarises a latency distribution, exactly, in nanoseconds
// (time.Duration encodes as integer nanoseconds, like vegeta's JSON report).
type Latencies struct {
	Min  time.Duration `json:"min"`
	Mean time.Duration `json:"mean"`
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P95  time.Duration `json:"p95"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
}

// Stat returns the statistic named by a criterion: min, mean, p50, p90,
// p95, p99 or max.
func (l Latencies) Stat(name string) (time.Duration, bool) {
	switch name {
	case "min":
		return l.Min, true
	case "mean":
		return l.Mean, true
	case "p50":
		return l.P50, true
	case "p90":
		return l.P90, true
	case "p95":
		return l.P95, true
	case "p99":
		return l.P99, true
	case "max":
		return l.Max, true
	}
	return 0, false
}

// Summarize computes the exact summary of d. It sorts d in place once and
// reads every percentile by nearest rank: the same definition as
// montanaflynn/stats' PercentileNearestRank (the tests hold the two
// together), without that function's copy and sort on every call, which
// costs over a second per call at ten million latencies.
func Summarize(d []time.Duration) Latencies {
	if len(d) == 0 {
		return Latencies{}
	}
	slices.Sort(d)
	var sum float64
	for _, v := range d {
		sum += float64(v)
	}
	return Latencies{
		Min:  d[0],
		Mean: time.Duration(math.Round(sum / float64(len(d)))),
		P50:  NearestRank(d, 50),
		P90:  NearestRank(d, 90),
		P95:  NearestRank(d, 95),
		P99:  NearestRank(d, 99),
		Max:  d[len(d)-1],
	}
}

// NearestRank returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value such that at least p % of the
// values are less than or equal to it. It is always an observed latency.
func NearestRank(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p >= 100 {
		return sorted[n-1]
	}
	rank := int(math.Ceil(float64(n) * p / 100))
	if rank <= 0 {
		return sorted[0]
	}
	return sorted[rank-1]
}
