package compare

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
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

// String is "50s → 2s".
func (c Claim) String() string { return figure.Prose(c.Before) + " → " + figure.Prose(c.After) }

// ClaimOutcome is what a comparison concludes about a claim.
type ClaimOutcome string

// The four outcomes of a claim.
const (
	// ClaimReproduced: the measured before is consistent with the claimed
	// one (within the tolerance), the after is at or below the claimed
	// after, the speed-up at least the claimed one, and the improvement
	// significant at the claimed percentile (its interval wholly below 1,
	// beyond the minimum effect).
	ClaimReproduced ClaimOutcome = "reproduced"
	// ClaimAtThisScale: the speed-up and the after hold, significantly,
	// but the measured before is far below the claimed one: the data or
	// the machine here is smaller than where the claim was made.
	ClaimAtThisScale ClaimOutcome = "reproduced_at_this_scale"
	// ClaimNotReproduced: the after, the speed-up or the significance
	// fails, or the measured before is far above the claimed one.
	ClaimNotReproduced ClaimOutcome = "not_reproduced"
	// ClaimInconclusive: too few requests to judge the claimed percentile
	// on a side, or no raw results to compute its interval from.
	ClaimInconclusive ClaimOutcome = "inconclusive"
)

// Words is the outcome as prose: "reproduced at this scale".
func (o ClaimOutcome) Words() string { return strings.ReplaceAll(string(o), "_", " ") }

// ClaimVerdict is what a run pair says about a claim.
type ClaimVerdict struct {
	Claim      Claim  `json:"claim"`
	Scenario   string `json:"scenario"`
	Percentile string `json:"percentile"`
	// Outcome is the verdict; Reproduced says it is ClaimReproduced and
	// Holds that it is reproduced, here or at this scale.
	Outcome    ClaimOutcome `json:"outcome"`
	Reproduced bool         `json:"reproduced"`
	Holds      bool         `json:"holds"`
	// Row is the compared percentile with its intervals; nil without raw
	// results.
	Row            *metrics.Change `json:"row,omitempty"`
	MeasuredBefore time.Duration   `json:"measured_before"`
	MeasuredAfter  time.Duration   `json:"measured_after"`
	// Improvement figures are relative reductions: 0.967 is -96.7 %.
	ClaimedImprovement  float64 `json:"claimed_improvement"`
	MeasuredImprovement float64 `json:"measured_improvement"`
	// AfterMet: the after is at or below the claimed after latency.
	AfterMet bool `json:"after_met"`
	// ImprovementMet: the speed-up is at least the claimed one.
	ImprovementMet bool `json:"improvement_met"`
	// Significant: the row is faster beyond its interval and the minimum
	// effect (metrics.Change.Judge).
	Significant bool `json:"significant"`
	// BeforeOffset is how far the measured before is from the claimed
	// before, relative: -0.026 is 2.6 % below. Tolerance is how far it may
	// be before the claim is only reproduced at this scale (below) or not
	// reproduced (above): the before's interval must reach within it.
	BeforeOffset float64 `json:"before_offset"`
	Tolerance    float64 `json:"tolerance"`
	// SamplesNeeded is, when inconclusive for want of requests, how many
	// each side needs for the claimed percentile.
	SamplesNeeded int `json:"samples_needed,omitempty"`
	// Text is the verdict in plain words.
	Text string `json:"text"`
}

// judgeClaim judges the claim on its percentile's row of its scenario.
func judgeClaim(res *Result, c Claim, opts Options) (*ClaimVerdict, error) {
	pct := opts.ClaimPercentile
	pv, ok := percentileValue(pct)
	if !ok || pv >= 100 {
		return nil, fmt.Errorf("claim percentile %q: want p50, p90, p95 or p99 (the max has no confidence interval)", pct)
	}
	d := res.Scenarios[0]
	if opts.ClaimScenario != "" {
		d = nil
		for _, s := range res.Scenarios {
			if s.Name == opts.ClaimScenario {
				d = s
			}
		}
		if d == nil {
			return nil, fmt.Errorf("claim scenario %q is not in both runs; compared scenarios: %s", opts.ClaimScenario, scenarioNames(res))
		}
	}
	row, shown := d.row(pct)
	if !shown {
		// The claim's percentile need not be a row of the table.
		row = d.newRow(pct, pv, opts)
	}
	v := &ClaimVerdict{Claim: c, Scenario: d.Name, Percentile: pct, Row: row.Interval, ClaimedImprovement: c.Improvement(),
		MeasuredBefore: row.Before, MeasuredAfter: row.After, Tolerance: opts.ClaimTolerance}
	if row.Before > 0 {
		v.MeasuredImprovement = 1 - float64(row.After)/float64(row.Before)
	}
	v.BeforeOffset = float64(row.Before-c.Before) / float64(c.Before)
	where := fmt.Sprintf("at %s of %s", pct, d.Name)
	measured := fmt.Sprintf("%s → %s (%s)", figure.Prose(row.Before), figure.Prose(row.After), figure.ShareProse(-v.MeasuredImprovement))
	claimed := fmt.Sprintf("claimed %s (%s)", c, figure.ShareProse(-v.ClaimedImprovement))

	ch := row.Interval
	if ch == nil || row.Outcome == metrics.Inconclusive {
		v.Outcome = ClaimInconclusive
		v.Text = fmt.Sprintf("claim inconclusive: %s, %s %s: %s", measured, claimed, where, claimNeed(v, d, ch, pv))
		return v, nil
	}
	su := ch.Ratio.Inverse()
	measured = fmt.Sprintf("%s%s → %s%s (%s, speed-up %s %s)", ch.Before.Bound.Sign(), figure.Prose(row.Before),
		ch.After.Bound.Sign(), figure.Prose(row.After), figure.ShareProse(-v.MeasuredImprovement), figure.SpeedupOf(su), figure.RatioInterval(su))

	v.AfterMet = ch.After.Bound != metrics.AtLeast && row.After <= c.After
	// Compare improvements at the precision they are printed, so a run
	// reported as -96.0 % is not failed for being -95.996 %; a before
	// that timed out makes the measured improvement a lower bound.
	v.ImprovementMet = math.Round(v.MeasuredImprovement*1000) >= math.Round(v.ClaimedImprovement*1000) && ch.Ratio.Bound != metrics.AtLeast
	v.Significant = row.Outcome == metrics.Faster
	lo, hi := float64(c.Before)*(1-v.Tolerance), float64(c.Before)*(1+v.Tolerance)
	farBelow := !ch.Before.HiOpen && float64(ch.Before.Hi) < lo
	farAbove := !ch.Before.LoOpen && float64(ch.Before.Lo) > hi

	var why []string
	if !v.AfterMet {
		why = append(why, fmt.Sprintf("the after %s is above the claimed %s", figure.Prose(row.After), figure.Prose(c.After)))
	}
	if !v.ImprovementMet {
		why = append(why, fmt.Sprintf("the improvement %s is below the claimed %s",
			figure.ShareProse(v.MeasuredImprovement), figure.ShareProse(v.ClaimedImprovement)))
	}
	if !v.Significant {
		why = append(why, fmt.Sprintf("the change is not significant: %s", significanceWhy(row)))
	}
	if farAbove {
		why = append(why, fmt.Sprintf("the measured before %s is %s, beyond the %s tolerance: the claim's before does not describe this system",
			figure.Prose(row.Before), beforeDistance(row.Before, c.Before), figure.ShareProse(v.Tolerance)))
	}
	var b strings.Builder
	switch {
	case len(why) > 0:
		v.Outcome = ClaimNotReproduced
		fmt.Fprintf(&b, "claim not reproduced: %s, %s %s: %s", measured, claimed, where, strings.Join(why, "; "))
		if !farAbove {
			fmt.Fprintf(&b, "; the measured before is %s", beforeDistance(row.Before, c.Before))
		}
	case farBelow:
		v.Outcome = ClaimAtThisScale
		fmt.Fprintf(&b, "claim reproduced at this scale: %s, %s %s; but the measured before is %s, beyond the %s tolerance, so the data or machine here is smaller than the claim's: seed data at the claim's scale (perfgate demo --scale claim, perfgate db seed --scale claim) or measure on a copy of production's to reproduce it fully",
			measured, claimed, where, beforeDistance(row.Before, c.Before), figure.ShareProse(v.Tolerance))
	default:
		v.Outcome = ClaimReproduced
		fmt.Fprintf(&b, "claim reproduced: %s, %s %s; the measured before is %s", measured, claimed, where, beforeDistance(row.Before, c.Before))
	}
	v.Text = b.String()
	v.Reproduced = v.Outcome == ClaimReproduced
	v.Holds = v.Reproduced || v.Outcome == ClaimAtThisScale
	return v, nil
}

// significanceWhy says why a row that is not faster is not: its interval
// reaches 1, or the change is below the minimum effect.
func significanceWhy(r Row) string {
	ch := r.Interval
	su := ch.Ratio.Inverse()
	if o := ch.Judge(0, 0); o == metrics.Faster {
		return fmt.Sprintf("faster by %s, not more than the minimum effect %s", figure.Duration(-ch.Delta), figure.Duration(ch.MinEffect))
	}
	return fmt.Sprintf("the speed-up's interval %s reaches 1×", figure.RatioInterval(su))
}

// claimNeed says why the claim cannot be judged and what would let it:
// how many requests each side needs and, from the measured latency, about
// how long they take one at a time.
func claimNeed(v *ClaimVerdict, d *ScenarioDiff, ch *metrics.Change, pv float64) string {
	if ch == nil {
		if len(d.Notes) > 0 {
			return d.Notes[0]
		}
		return "no raw results, so no interval"
	}
	need := metrics.MinSamples(pv, ch.Before.Confidence)
	v.SamplesNeeded = need
	var parts []string
	for _, side := range []struct {
		name string
		p    metrics.Percentile
	}{{"before", ch.Before}, {"after", ch.After}} {
		if side.p.N >= need {
			continue
		}
		more := need - side.p.N
		part := fmt.Sprintf("the %s holds %s, %d more", side.name, figure.Plural(side.p.N, "request"), more)
		if side.p.N > 0 && side.p.Value > 0 {
			part += fmt.Sprintf(" (about %s one at a time)", about(time.Duration(more)*side.p.Value))
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		if len(d.Notes) > 0 {
			return d.Notes[0]
		}
		return "timeouts on both sides hide the ratio"
	}
	return fmt.Sprintf("%s needs ≥ %d requests on each side; %s", metrics.PercentileName(pv), need, strings.Join(parts, "; "))
}

// about renders a rough duration: "3m5s", "4h28m".
func about(d time.Duration) string {
	if d >= time.Hour {
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return d.Round(time.Second).String()
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

func scenarioNames(res *Result) string {
	var names []string
	for _, s := range res.Scenarios {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
