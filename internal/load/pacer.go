package load

import (
	"fmt"
	"math"
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

// stagedPacer paces an attack through stages one after the other, each
// a constant rate or a linear ramp; past the last stage its final rate
// holds (the attack's duration ends it). Unlike vegeta's LinearPacer it
// inverts the expected-hits curve exactly, so the count of requests at
// each stage boundary is right within one request.
type stagedPacer struct {
	stages []Stage
}

var _ vegeta.Pacer = stagedPacer{}

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

// Pace implements vegeta.Pacer: it waits until the expected hits reach
// hits+1, and sends at once when running behind.
func (p stagedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if len(p.stages) == 0 {
		return 0, true
	}
	next := p.at(float64(hits + 1))
	if next == math.MaxInt64 {
		return 0, true
	}
	return max(next-elapsed, 0), false
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
