package figure

import "github.com/perfgate/perfgate/internal/metrics"

// Open is how an interval's open end reads: no limit is known on that side.
const Open = "∞"

// Bounded renders a percentile's value with what is known of it: "626ms",
// or "≥ 120s" when it falls on timed-out requests.
func Bounded(p metrics.Percentile) string {
	if p.N == 0 {
		return "none"
	}
	return p.Bound.Sign() + Duration(p.Value)
}

// Interval renders a percentile's confidence interval: "[560ms, 590ms]";
// an end the sample cannot bound is open: "[560ms, ∞)", "(0, 590ms]".
func Interval(p metrics.Percentile) string {
	if p.N == 0 {
		return ""
	}
	return interval(Duration(p.Lo), Duration(p.Hi), p.LoOpen, p.HiOpen)
}

// interval joins rendered ends into "[lo, hi]", an open low end being
// "(0" and an open high end "∞)".
func interval(lo, hi string, loOpen, hiOpen bool) string {
	lo, hi = "["+lo, hi+"]"
	if loOpen {
		lo = "(0"
	}
	if hiOpen {
		hi = Open + ")"
	}
	return lo + ", " + hi
}

// SpeedupOf renders a speed-up (a metrics.Ratio of before/after, from
// Ratio.Inverse) with what is known of it: "501×", "≥ 10850×".
func SpeedupOf(r metrics.Ratio) string {
	if r.Bound == metrics.Unknown {
		return "?"
	}
	return r.Bound.Sign() + Speedup(r.Value)
}

// RatioInterval renders a speed-up's interval: "[480×, 520×]", "[448×, ∞)".
// Empty when the ratio is unknown both ways.
func RatioInterval(r metrics.Ratio) string {
	if r.LoOpen && r.HiOpen {
		return ""
	}
	return interval(Speedup(r.Lo), Speedup(r.Hi), r.LoOpen, r.HiOpen)
}

// ChangeOf renders the change after/before − 1 of a ratio like benchstat:
// "+12.40%", "-96.67%", "≤ -99.99%" when the ratio is only bounded.
func ChangeOf(r metrics.Ratio) string {
	if r.Bound == metrics.Unknown {
		return "?"
	}
	return r.Bound.Sign() + Change(r.Value-1)
}
