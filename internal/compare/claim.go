package compare

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// Claim is a stated improvement: the latency was Before and is now After.
type Claim struct {
	Before time.Duration `json:"before"`
	After  time.Duration `json:"after"`
}

// ParseClaim parses --claim "50s:2s" (Go durations, before:after).
func ParseClaim(s string) (Claim, error) {
	b, a, ok := strings.Cut(s, ":")
	if !ok {
		return Claim{}, fmt.Errorf("claim %q: want BEFORE:AFTER, e.g. 50s:2s", s)
	}
	var c Claim
	var err error
	if c.Before, err = time.ParseDuration(strings.TrimSpace(b)); err != nil {
		return Claim{}, fmt.Errorf("claim %q: before: %w (write e.g. 50s or 1500ms)", s, err)
	}
	if c.After, err = time.ParseDuration(strings.TrimSpace(a)); err != nil {
		return Claim{}, fmt.Errorf("claim %q: after: %w (write e.g. 2s or 800ms)", s, err)
	}
	if c.Before <= 0 || c.After <= 0 {
		return Claim{}, fmt.Errorf("claim %q: both latencies must be positive", s)
	}
	if c.After >= c.Before {
		return Claim{}, fmt.Errorf("claim %q: after must be below before: a claim states an improvement", s)
	}
	return c, nil
}

// Improvement is the claimed relative reduction, 0.96 for 50 s → 2 s.
func (c Claim) Improvement() float64 { return 1 - float64(c.After)/float64(c.Before) }

// ClaimVerdict is whether a run pair reproduces a claim.
type ClaimVerdict struct {
	Claim          Claim         `json:"claim"`
	Scenario       string        `json:"scenario"`
	Percentile     string        `json:"percentile"`
	MeasuredBefore time.Duration `json:"measured_before"`
	MeasuredAfter  time.Duration `json:"measured_after"`
	// Improvement figures are relative reductions: 0.967 is -96.7 %.
	ClaimedImprovement  float64 `json:"claimed_improvement"`
	MeasuredImprovement float64 `json:"measured_improvement"`
	// AfterMet: the after run is at or below the claimed after latency.
	AfterMet bool `json:"after_met"`
	// ImprovementMet: the reduction is at least the claimed one.
	ImprovementMet bool `json:"improvement_met"`
	// Significant: the difference is statistically significant (true when
	// unknown, which the text then says).
	Significant bool `json:"significant"`
	// BeforeOffset is how far the measured before is from the claimed
	// before, relative: -0.026 is 2.6 % below.
	BeforeOffset float64 `json:"before_offset"`
	Reproduced   bool    `json:"reproduced"`
	// Text is the verdict in plain words.
	Text string `json:"text"`
}

func judgeClaim(res *Result, c Claim, scenario, pct string) (*ClaimVerdict, error) {
	if _, ok := percentile(model.Latency{}, pct); !ok {
		return nil, fmt.Errorf("claim percentile %q: want one of min, mean, p50, p90, p95, p99, max", pct)
	}
	var d *ScenarioDiff
	if scenario == "" {
		d = res.Scenarios[0]
	} else {
		for _, s := range res.Scenarios {
			if s.Name == scenario {
				d = s
			}
		}
		if d == nil {
			var names []string
			for _, s := range res.Scenarios {
				names = append(names, s.Name)
			}
			return nil, fmt.Errorf("claim scenario %q is not in both runs; compared scenarios: %s", scenario, strings.Join(names, ", "))
		}
	}
	v := &ClaimVerdict{Claim: c, Scenario: d.Name, Percentile: pct, ClaimedImprovement: c.Improvement(), Significant: true}
	v.MeasuredBefore, v.MeasuredAfter = d.latency(pct)
	if v.MeasuredBefore > 0 {
		v.MeasuredImprovement = 1 - float64(v.MeasuredAfter)/float64(v.MeasuredBefore)
	}
	v.BeforeOffset = float64(v.MeasuredBefore-c.Before) / float64(c.Before)
	v.AfterMet = v.MeasuredAfter <= c.After
	// Compare improvements at the precision they are printed, so a run
	// reported as -96.0 % is not failed for being -95.996 %.
	v.ImprovementMet = math.Round(v.MeasuredImprovement*1000) >= math.Round(v.ClaimedImprovement*1000)
	if d.Significance != nil {
		v.Significant = d.Significance.Significant
	}
	v.Reproduced = v.AfterMet && v.ImprovementMet && v.Significant

	head := "claim reproduced"
	if !v.Reproduced {
		head = "claim not reproduced"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s → %s (%s), claimed %s → %s (%s) at %s of %s",
		head, figure.Prose(v.MeasuredBefore), figure.Prose(v.MeasuredAfter), figure.ShareProse(-v.MeasuredImprovement),
		figure.Prose(c.Before), figure.Prose(c.After), figure.ShareProse(-v.ClaimedImprovement), pct, d.Name)
	var why []string
	if !v.AfterMet {
		why = append(why, fmt.Sprintf("after %s is above the claimed %s", figure.Prose(v.MeasuredAfter), figure.Prose(c.After)))
	}
	if !v.ImprovementMet {
		why = append(why, fmt.Sprintf("the improvement %s is below the claimed %s",
			figure.ShareProse(v.MeasuredImprovement), figure.ShareProse(v.ClaimedImprovement)))
	}
	if !v.Significant {
		why = append(why, "the difference is not statistically significant ("+d.Significance.String()+")")
	}
	if len(why) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(why, "; "))
	}
	fmt.Fprintf(&b, "; the measured before is %s", beforeDistance(v.MeasuredBefore, c.Before))
	if d.Significance == nil {
		b.WriteString("; significance unknown (no raw results)")
	}
	v.Text = b.String()
	return v, nil
}

// beforeDistance says how the measured before relates to the claimed one:
// "2.6 % below the claimed 50 s".
func beforeDistance(measured, claimed time.Duration) string {
	off := float64(measured-claimed) / float64(claimed)
	switch {
	case math.Abs(off) < 0.0005:
		return "the claimed " + figure.Prose(claimed)
	case off < 0:
		return fmt.Sprintf("%s below the claimed %s", figure.ShareProse(-off), figure.Prose(claimed))
	default:
		return fmt.Sprintf("%s above the claimed %s", figure.ShareProse(off), figure.Prose(claimed))
	}
}

func (d *ScenarioDiff) latency(p string) (before, after time.Duration) {
	before, _ = percentile(d.latBefore, p)
	after, _ = percentile(d.latAfter, p)
	return before, after
}
