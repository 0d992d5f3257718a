package metrics

import (
	"slices"
	"time"

	"golang.org/x/perf/benchmath"
)

// DefaultAlpha is the significance level compare uses, benchstat's default.
const DefaultAlpha = 0.05

// MaxSignificanceSample bounds how many latencies of each side enter the
// Mann–Whitney U test. The test sorts and ranks both samples, so a run of
// millions of requests would cost seconds and gigabytes for a p-value that
// is already ~0 at a few thousand; an evenly spaced, deterministic subsample
// of this size keeps the answer and the output stable from run to run.
const MaxSignificanceSample = 10_000

// Significance is the outcome of comparing two latency samples without
// assuming a distribution (benchmath.AssumeNothing: medians and the
// Mann–Whitney U test). It answers one question about the whole
// distribution (is one run's latency stochastically larger?) and is kept
// as that: a single figure under a comparison. It decides no percentile
// row, gate or claim; those come from each row's own interval
// (ComparePercentile, Change.Judge).
type Significance struct {
	// P is the p-value of the hypothesis that both samples come from the
	// same distribution; 1 when the test could not be carried out.
	P float64
	// NBefore and NAfter are the sizes of the samples that were tested
	// (after subsampling).
	NBefore, NAfter int
	// Alpha is the significance level the test was judged at.
	Alpha float64
	// Significant reports P < Alpha: the difference is real.
	Significant bool
	// MedianBefore and MedianAfter are the sample medians, with their
	// 95 % confidence intervals (Lo, Hi; zero when benchmath cannot give a
	// finite interval for so few values).
	MedianBefore, MedianAfter            time.Duration
	BeforeLo, BeforeHi, AfterLo, AfterHi time.Duration
	// Subsampled says that at least one side was larger than
	// MaxSignificanceSample and was thinned before testing.
	Subsampled bool
	// Warnings are benchmath's remarks, such as too few samples to ever
	// detect a difference.
	Warnings []string
}

// Compare tests whether after differs from before with benchmath's
// AssumeNothing (Mann–Whitney U) at level alpha (DefaultAlpha when <= 0).
// The inputs are not modified.
//
// Do not use it to judge a percentile: Mann–Whitney tests location, so
// its p-value is driven by the bulk of the requests. A tail that tripled
// for a tenth of them is "~ (p=0.206)" to it, and a median that drifted
// makes a p95 look significant (TestMissedTailRegression,
// TestFalseRegression). Use ComparePercentile per row.
func Compare(before, after []time.Duration, alpha float64) Significance {
	if alpha <= 0 {
		alpha = DefaultAlpha
	}
	th := &benchmath.Thresholds{CompareAlpha: alpha}
	b, bsub := floats(before)
	a, asub := floats(after)
	s1 := benchmath.NewSample(b, th)
	s2 := benchmath.NewSample(a, th)
	sig := Significance{P: 1, NBefore: len(b), NAfter: len(a), Alpha: alpha, Subsampled: bsub || asub}
	if len(b) == 0 || len(a) == 0 {
		sig.Warnings = append(sig.Warnings, "no latencies to compare")
		return sig
	}
	c := benchmath.AssumeNothing.Compare(s1, s2)
	sig.P = c.P
	sig.Significant = c.P < alpha
	for _, w := range c.Warnings {
		sig.Warnings = append(sig.Warnings, w.Error())
	}
	sb := benchmath.AssumeNothing.Summary(s1, 0.95)
	sa := benchmath.AssumeNothing.Summary(s2, 0.95)
	sig.MedianBefore, sig.BeforeLo, sig.BeforeHi = dur(sb.Center), finite(sb.Lo), finite(sb.Hi)
	sig.MedianAfter, sig.AfterLo, sig.AfterHi = dur(sa.Center), finite(sa.Lo), finite(sa.Hi)
	return sig
}

// String renders the test like benchstat: "p=0.008 n=10" or "p=0.000 n=10+12".
func (s Significance) String() string {
	return benchmath.Comparison{P: s.P, N1: s.NBefore, N2: s.NAfter, Alpha: s.Alpha}.String()
}

// floats converts d to float64 nanoseconds, thinning it to at most
// MaxSignificanceSample values. The thinning sorts a copy and takes evenly
// spaced order statistics, so the subsample keeps the distribution's shape
// and is the same every time.
func floats(d []time.Duration) ([]float64, bool) {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	if len(out) <= MaxSignificanceSample {
		return out, false
	}
	slices.Sort(out)
	thin := make([]float64, MaxSignificanceSample)
	step := float64(len(out)-1) / float64(MaxSignificanceSample-1)
	for i := range thin {
		thin[i] = out[int(float64(i)*step+0.5)]
	}
	return thin, true
}

func dur(f float64) time.Duration { return time.Duration(f + 0.5) }

func finite(f float64) time.Duration {
	if f != f || f > 1e300 || f < -1e300 { // NaN or ±Inf
		return 0
	}
	return dur(f)
}
