// Package metrics turns raw results into exact figures and the verdicts
// drawn from them: latency summaries over every raw latency (never
// averaged across shards or scenarios), streamed aggregation, a
// confidence interval for every percentile and before/after ratio, and
// the outcome of each row of a comparison.
//
// # Figures
//
// Summarize and NearestRank give exact nearest-rank percentiles.
// PercentileOf adds a distribution-free interval (fractional order
// statistics on the exact binomial) and the sample-size rule: a
// percentile is judgeable only when its interval stays inside the sample,
// which needs MinSamples(p, level) requests (at 95 %: p50 6, p90 36, p95
// 72, p99 368); below that Percentile.TooFew is true and Footnote says
// "n=40: too few for p99 (needs ≥ 368)". The max is never judgeable.
//
// # Comparisons
//
// ComparePercentile gives one row of a before/after comparison: both
// percentiles with their intervals, the ratio after/before with its
// interval (Ratio.Inverse is the speed-up), and an Outcome from that
// row's interval alone: Faster, Slower, NoChange or Inconclusive. The
// same row answers the gate and the claim through Change.Judge:
//
//	row:    c.Outcome                                       (margin 0, MinEffect)
//	gate:   c.Judge(maxRegression, minEffect) == Slower     fails; Inconclusive fails unless allowed
//	claim:  c.Judge(0, minEffect) == Faster                 significant in the claimed direction
//
// A regression needs the interval wholly above 1 + maxRegression and the
// latency to have grown by more than minEffect (DefaultMaxRegression,
// DefaultMinEffect; the latter chosen from measured run-to-run noise).
//
// # Timeouts
//
// A Sample's top Censored latencies are timed-out requests: lower bounds
// on what they would have taken. A percentile on them is AtLeast ("≥
// 90s"); a ratio whose before falls on them is AtMost and its speed-up
// AtLeast ("≥ 10850×"); an interval they reach is open on that side
// (LoOpen, HiOpen). Every such fact has a footnote (Change.Footnotes).
//
// # Reproducibility
//
// The ratio's interval is a Monte Carlo computation seeded by DefaultSeed
// (or Seed): the same runs give the same figures on every machine and
// every re-render. Nothing is subsampled.
//
// Compare (Mann–Whitney U) remains as one test of the whole distribution;
// nothing uses it to decide a percentile row.
package metrics
