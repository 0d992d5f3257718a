package metrics

import "fmt"

// Outcome is what one row of a comparison concludes from its own interval.
// The zero value is Inconclusive, so a row nobody judged never reads as a
// verdict.
type Outcome int8

const (
	// Inconclusive: the samples cannot decide (too few for the percentile
	// on either side, or timeouts on both sides hide it). A gate fails on
	// it unless told to allow it.
	Inconclusive Outcome = iota
	// NoChange: the interval does not lie wholly beyond the margin, or the
	// absolute change is not above the minimum effect: no change shown
	// (benchstat's "~").
	NoChange
	// Faster: the interval lies wholly below the margin and the latency
	// fell by more than the minimum effect.
	Faster
	// Slower: the interval lies wholly above the margin and the latency
	// rose by more than the minimum effect.
	Slower
)

var outcomeNames = [...]string{Inconclusive: "inconclusive", NoChange: "no change", Faster: "faster", Slower: "slower"}

var outcomeTexts = [...]string{Inconclusive: "inconclusive", NoChange: "no_change", Faster: "faster", Slower: "slower"}

// String is the outcome as prose: "faster", "slower", "no change",
// "inconclusive".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o >= 0 {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int8(o))
}

// MarshalText encodes the outcome for JSON as "faster", "slower",
// "no_change" or "inconclusive".
func (o Outcome) MarshalText() ([]byte, error) {
	if int(o) < len(outcomeTexts) && o >= 0 {
		return []byte(outcomeTexts[o]), nil
	}
	return nil, fmt.Errorf("metrics: unknown outcome %d", int8(o))
}

// UnmarshalText decodes what MarshalText writes.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, s := range outcomeTexts {
		if s == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("metrics: unknown outcome %q (want faster, slower, no_change or inconclusive)", b)
}

// Bound says how much of a figure is known when timeouts censor a sample:
// a request that timed out lasted at least the timeout, so a percentile
// that falls on one is only a lower bound, and a ratio built on it is
// bounded on one side.
type Bound int8

const (
	// Exact: the figure is an estimate from completed requests.
	Exact Bound = iota
	// AtLeast: the true figure is at least the value ("≥ 90s").
	AtLeast
	// AtMost: the true figure is at most the value.
	AtMost
	// Unknown: timeouts on both sides leave the figure unbounded; the
	// value is what the timeouts alone would give and means nothing.
	Unknown
)

var boundTexts = [...]string{Exact: "exact", AtLeast: "at_least", AtMost: "at_most", Unknown: "unknown"}

var boundSigns = [...]string{Exact: "", AtLeast: "≥ ", AtMost: "≤ ", Unknown: "? "}

// Sign is the prefix a renderer puts before the value: "" for Exact,
// "≥ " for AtLeast, "≤ " for AtMost, "? " for Unknown.
func (b Bound) Sign() string {
	if int(b) < len(boundSigns) && b >= 0 {
		return boundSigns[b]
	}
	return "? "
}

// String is "exact", "at_least", "at_most" or "unknown".
func (b Bound) String() string {
	if int(b) < len(boundTexts) && b >= 0 {
		return boundTexts[b]
	}
	return fmt.Sprintf("Bound(%d)", int8(b))
}

// Flip is the bound of the reciprocal: a lower bound on after/before is an
// upper bound on the speed-up before/after.
func (b Bound) Flip() Bound {
	switch b {
	case AtLeast:
		return AtMost
	case AtMost:
		return AtLeast
	}
	return b
}

// MarshalText encodes the bound for JSON as its String.
func (b Bound) MarshalText() ([]byte, error) {
	if int(b) < len(boundTexts) && b >= 0 {
		return []byte(boundTexts[b]), nil
	}
	return nil, fmt.Errorf("metrics: unknown bound %d", int8(b))
}

// UnmarshalText decodes what MarshalText writes.
func (b *Bound) UnmarshalText(t []byte) error {
	for i, s := range boundTexts {
		if s == string(t) {
			*b = Bound(i)
			return nil
		}
	}
	return fmt.Errorf("metrics: unknown bound %q (want exact, at_least, at_most or unknown)", t)
}
