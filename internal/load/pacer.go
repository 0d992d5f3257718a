package load

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Stage is one step of a staged load: Rate held for For or, when To is
// set, a linear ramp from Rate to To over For (vegeta's LinearPacer
// semantics: the instantaneous rate grows by a constant slope). Neither
// Rate nor To may be max: a stage is paced.
type Stage struct {
	Rate Rate
	To   *Rate
	For  time.Duration
}

// String formats s compactly: "20/s 60s" or "1/s→50/s 60s".
func (s Stage) String() string {
	if s.To != nil {
		return fmt.Sprintf("%s→%s %s", s.Rate, *s.To, s.For)
	}
	return fmt.Sprintf("%s %s", s.Rate, s.For)
}

// end is the rate, in requests per second, at which s finishes.
func (s Stage) end() float64 {
	if s.To != nil {
		return s.To.PerSecond()
	}
	return s.Rate.PerSecond()
}

// hits is how many requests s sends in its first x of time.
func (s Stage) hits(x time.Duration) float64 {
	r0, r1 := s.Rate.PerSecond(), s.end()
	t, d := x.Seconds(), s.For.Seconds()
	return r0*t + (r1-r0)/(2*d)*t*t
}

// StagesString formats stages as a run's rate: "1/s 30s → 20/s 60s".
func StagesString(stages []Stage) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = s.String()
	}
	return strings.Join(parts, " → ")
}

// StagesDuration is the sum of the stages' durations.
func StagesDuration(stages []Stage) time.Duration {
	var d time.Duration
	for _, s := range stages {
		d += s.For
	}
	return d
}

// ExpectedHits is how many requests stages send in the first d of an
// attack. Past the last stage its final rate holds.
func ExpectedHits(stages []Stage, d time.Duration) float64 {
	return stagedPacer{stages: stages}.hits(d)
}

// AverageRate is the mean requested rate, in requests per second, of
// stages over d: the expected hits divided by d.
func AverageRate(stages []Stage, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return ExpectedHits(stages, d) / d.Seconds()
}

// schedule is a paced attack's plan: hit k (counted from 0) is due at
// due(k) after the attack's start, hit 0 at the start itself; due is
// math.MaxInt64 for a hit that never comes. Its Pace waits for the next
// hit's due time and sends at once when running behind. The attack stamps
// every result with its intended send time from the same due, so the pacer
// and the intended times cannot disagree.
type schedule interface {
	vegeta.Pacer
	due(hit uint64) time.Duration
}

var (
	_ schedule = constantPacer{}
	_ schedule = stagedPacer{}
)

// pacerFor paces at r: a constantPacer, or for max vegeta's rate 0 (as
// fast as MaxWorkers allow), which has no schedule.
func pacerFor(r Rate) vegeta.Pacer {
	if r.IsMax() {
		return vegeta.ConstantPacer{}
	}
	return newConstantPacer(r)
}

// constantPacer paces at a fixed rate: hit k is due at k·Per/Freq, exact
// to the nanosecond (vegeta's ConstantPacer rounds the interval down to a
// whole nanosecond, an error that grows with the run), and the first hit
// goes out at the start rather than one interval after it, so that a rate
// slower than the duration (1/10s for 5 s) still sends its request.
type constantPacer struct {
	rate Rate
	// interval is Per/Freq when it is a whole number of nanoseconds (every
	// N/s with N dividing 10⁹), so that due is one multiplication; 0
	// otherwise.
	interval time.Duration
}

func newConstantPacer(r Rate) constantPacer {
	p := constantPacer{rate: r}
	if r.Freq > 0 && r.Per > 0 && r.Per%time.Duration(r.Freq) == 0 {
		p.interval = r.Per / time.Duration(r.Freq)
	}
	return p
}

// due implements schedule.
func (p constantPacer) due(hit uint64) time.Duration {
	if p.interval > 0 && hit < math.MaxInt64/uint64(p.interval) {
		return time.Duration(hit) * p.interval
	}
	per, freq := uint64(p.rate.Per), uint64(p.rate.Freq)
	if p.rate.Per <= 0 || p.rate.Freq <= 0 {
		return math.MaxInt64
	}
	hi, lo := bits.Mul64(hit, per)
	if hi >= freq {
		return math.MaxInt64 // the quotient overflows 64 bits
	}
	q, _ := bits.Div64(hi, lo, freq)
	if q >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(q)
}

// Pace implements vegeta.Pacer.
func (p constantPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return paceBy(p.due(hits), elapsed)
}

// Rate implements vegeta.Pacer.
func (p constantPacer) Rate(time.Duration) float64 { return p.rate.PerSecond() }

// paceBy is Pace for a hit due at due when elapsed has passed.
func paceBy(due, elapsed time.Duration) (time.Duration, bool) {
	if due == math.MaxInt64 {
		return 0, true
	}
	return max(due-elapsed, 0), false
}

// anchoredPacer paces a schedule from start, perfgate's own clock reading
// taken just before vegeta's Attack, and ignores the elapsed time vegeta
// passes. vegeta measures elapsed from a start of its own, taken inside
// Attack and not exposed; pacing from start instead makes start + due(k)
// the exact instant the pacer released hit k, which is the intended send
// time the attack records. (vegeta numbers results in the order workers
// begin their requests, and the k-th to begin cannot begin before the
// k-th release, so every result's send time is at or after its intended
// time.) It stops at the first hit due at or after end: an attack covers
// [0, end), so no request is sent after its duration.
type anchoredPacer struct {
	schedule
	start time.Time
	end   time.Duration
}

// Pace implements vegeta.Pacer.
func (p anchoredPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	due := p.due(hits)
	if due >= p.end {
		return 0, true
	}
	return paceBy(due, time.Since(p.start))
}

// intended is when hit seq was meant to be sent.
func (p anchoredPacer) intended(seq uint64) time.Time {
	return p.start.Add(p.due(seq))
}

// stagedPacer paces an attack through stages one after the other, each
// a constant rate or a linear ramp; past the last stage its final rate
// holds (the attack's duration ends it). Unlike vegeta's LinearPacer it
// inverts the expected-hits curve exactly, so the count of requests at
// each stage boundary is right within one request. Hit k is due when the
// expected hits reach k, so the first goes out at the start.
type stagedPacer struct {
	stages []Stage
}

// hits is the number of requests expected in the first t of the attack.
func (p stagedPacer) hits(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	var h float64
	for _, s := range p.stages {
		if t <= s.For {
			return h + s.hits(t)
		}
		h += s.hits(s.For)
		t -= s.For
	}
	if n := len(p.stages); n > 0 {
		h += p.stages[n-1].end() * t.Seconds()
	}
	return h
}

// at is the time at which the expected hits reach h.
func (p stagedPacer) at(h float64) time.Duration {
	var t time.Duration
	for _, s := range p.stages {
		total := s.hits(s.For)
		if h <= total {
			return t + s.inverse(h)
		}
		h -= total
		t += s.For
	}
	if n := len(p.stages); n > 0 {
		if r := p.stages[n-1].end(); r > 0 {
			return t + time.Duration(h/r*1e9)
		}
	}
	return math.MaxInt64
}

// inverse is the time into s at which it has sent h requests. It solves
// a·x² + b·x = h with the form that stays exact when a is 0.
func (s Stage) inverse(h float64) time.Duration {
	if h <= 0 {
		return 0
	}
	b := s.Rate.PerSecond()
	a := (s.end() - b) / (2 * s.For.Seconds())
	disc := math.Max(b*b+4*a*h, 0)
	den := b + math.Sqrt(disc)
	if den <= 0 {
		return s.For
	}
	return min(time.Duration(2*h/den*1e9), s.For)
}

// due implements schedule.
func (p stagedPacer) due(hit uint64) time.Duration {
	if len(p.stages) == 0 {
		return math.MaxInt64
	}
	return p.at(float64(hit))
}

// Pace implements vegeta.Pacer.
func (p stagedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return paceBy(p.due(hits), elapsed)
}

// Rate implements vegeta.Pacer: the instantaneous rate at elapsed, in
// requests per second.
func (p stagedPacer) Rate(elapsed time.Duration) float64 {
	for _, s := range p.stages {
		if elapsed < s.For {
			r0 := s.Rate.PerSecond()
			return r0 + (s.end()-r0)*elapsed.Seconds()/s.For.Seconds()
		}
		elapsed -= s.For
	}
	if n := len(p.stages); n > 0 {
		return p.stages[n-1].end()
	}
	return 0
}
