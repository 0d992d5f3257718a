package metrics

import "time"

// DefaultDraws is how many bootstrap draws a ratio interval takes. At
// 4000 the Monte Carlo error of a 2.5 % tail is ±0.25 percentage points
// (one standard error), small beside the interval's own width, and a row
// costs about a millisecond at any sample size.
const DefaultDraws = 4000

// DefaultSeed seeds every bootstrap, so the same runs give the same
// intervals, byte for byte, on every machine and every re-render.
const DefaultSeed uint64 = 0x9e3779b97f4a7c15

// DefaultMaxRegression is how much a percentile may grow before a gate
// fails: the ratio's interval must lie wholly above 1 + 0.10.
const DefaultMaxRegression = 0.10

// DefaultMinEffect is the smallest absolute change in a percentile that a
// row calls faster or slower and a gate calls a regression. Intervals
// describe the sampling noise within a run; they cannot see how much two
// runs of the same code on the same machine differ (scheduler, caches,
// other jobs), and at thousands of requests they are narrow enough to
// call that drift significant. Measured on this shared 2-core machine
// (BENCHMARKS.md, "Statistics, proven by simulation"): back-to-back runs
// of a sub-millisecond target, 2000 requests each, differed at most by
// 65 µs at p50, 189 µs at p95 and 1.2 ms at p99 over 30 pairs at load
// average 1.6–2.2, and by 106 µs at p50, 1.5 ms at p90, 6.6 ms at p95 and
// 49 ms at p99 over 33 pairs at load 3–7. With 2 ms, none of the quiet
// pairs would fail a gate at any percentile, and of the loaded ones none
// at p50 or p90, 1 of 33 at p95 (with 1 ms: 3) and 5 of 33 at p99. The
// issue's +27 µs at the p95 of a 100 µs endpoint is far below it; any
// change a user of a 50 s → 2 s claim cares about is far above. The p99 of a
// sub-millisecond target on a busy machine is scheduler noise: gate it
// with interleaved runs (perfgate ab) or a larger --min-effect.
const DefaultMinEffect = 2 * time.Millisecond

// Option tunes how intervals are computed and rows judged. Unset options
// take their Default… constants.
type Option func(*settings)

type settings struct {
	confidence float64
	draws      int
	seed       uint64
	minEffect  time.Duration
}

// Confidence sets the two-sided level of intervals (DefaultConfidence);
// values outside (0, 1) keep the default.
func Confidence(level float64) Option {
	return func(s *settings) {
		if level > 0 && level < 1 {
			s.confidence = level
		}
	}
}

// Draws sets the number of bootstrap draws of a ratio interval
// (DefaultDraws); values below 100 keep the default.
func Draws(n int) Option {
	return func(s *settings) {
		if n >= 100 {
			s.draws = n
		}
	}
}

// Seed sets the bootstrap's seed (DefaultSeed). The same seed and inputs
// always give the same interval.
func Seed(seed uint64) Option { return func(s *settings) { s.seed = seed } }

// MinEffect sets the minimum absolute change a row's Outcome needs
// (DefaultMinEffect); 0 judges on the interval alone.
func MinEffect(d time.Duration) Option {
	return func(s *settings) { s.minEffect = max(d, 0) }
}

func options(opts []Option) settings {
	s := settings{confidence: DefaultConfidence, draws: DefaultDraws, seed: DefaultSeed, minEffect: DefaultMinEffect}
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return s
}
