package compare

import (
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Inconclusive is the status of a success criterion the samples are too
// small to judge; it fails the gate unless inconclusive verdicts are
// allowed.
const Inconclusive = figure.Inconclusive

// successCriteria fills the deployment checklist's Success Criteria table
// (Performance Metrics) from the comparison. Response time is judged on
// the claim scenario's p95, the stricter reading of "< 2 seconds".
func successCriteria(res *Result, claimScenario string) []SuccessCriterion {
	d := res.Scenarios[0]
	if res.Claim != nil {
		claimScenario = res.Claim.Scenario
	}
	for _, s := range res.Scenarios {
		if s.Name == claimScenario {
			d = s
		}
	}
	rt := responseTime(d)

	db := SuccessCriterion{Name: "Database queries per request", Target: "1 (was 100+)", Status: figure.NotMeasured,
		Measured: "not measured: run with --db-probe"}
	var worst *ScenarioDiff
	for _, s := range res.Scenarios {
		if s.StatementsAfter != nil && (worst == nil || *s.StatementsAfter > *worst.StatementsAfter) {
			worst = s
		}
	}
	if worst != nil {
		was := "not measured"
		if worst.StatementsBefore != nil {
			was = figure.Float(*worst.StatementsBefore)
		}
		db.Measured = fmt.Sprintf("%s (was %s), most on %s", figure.Float(*worst.StatementsAfter), was, worst.Name)
		db.Status = figure.State(*worst.StatementsAfter <= ChecklistStatementsPerRequest+0.005)
		if worst.TimeoutsBefore > 0 || worst.TimeoutsAfter > 0 {
			db.Measured += "; approximate: it counts the work of timed-out requests"
		}
	}

	return []SuccessCriterion{rt, db, errorRate(res), concurrentRequests(res)}
}

// responseTime judges "Response time < 2 seconds" on the after's p95 of
// d: with enough requests for a p95 its value decides; with fewer it is
// inconclusive; without requests, not measured.
func responseTime(d *ScenarioDiff) SuccessCriterion {
	rt := SuccessCriterion{Name: "Response time", Target: "< " + figure.Prose(ChecklistResponseTime) + " (was 50+ s)"}
	if d.RequestsAfter == 0 {
		rt.Status = figure.NotMeasured
		rt.Measured = fmt.Sprintf("not measured: the after run sent no request on %s", d.Name)
		return rt
	}
	after, ok := d.after.Percentile("p95")
	if d.sampleAfter != nil {
		after, ok = metrics.PercentileOf(*d.sampleAfter, 95), true
	}
	was := "was " + figure.Prose(d.before.Latency.P95)
	if d.RequestsBefore == 0 {
		was = "before not measured"
	} else if b, ok := d.before.Percentile("p95"); ok && b.TooFew() {
		was += fmt.Sprintf(", from %s", figure.Plural(b.N, "request"))
	}
	rt.Measured = fmt.Sprintf("p95 %s (%s) on %s", figure.Prose(d.after.Latency.P95), was, d.Name)
	switch {
	case !ok:
		// A run written before intervals: the figure as measured.
		rt.Status = figure.State(d.after.Latency.P95 < ChecklistResponseTime)
	case after.TooFew():
		rt.Status = Inconclusive
		rt.Measured += "; " + after.Footnote()
	case after.Bound == metrics.AtLeast:
		rt.Status = figure.Fail
		rt.Measured = fmt.Sprintf("p95 ≥ %s (%s) on %s: it falls on timed-out requests", figure.Prose(after.Value), was, d.Name)
	default:
		rt.Status = figure.State(after.Value < ChecklistResponseTime)
		rt.Measured = fmt.Sprintf("p95 %s %s (%s) on %s", figure.Prose(after.Value), figure.Interval(after), was, d.Name)
	}
	return rt
}

// errorRate is the checklist's "Error rate: same or lower": per scenario,
// the share of requests that failed (a transport error, a timeout or a
// 5xx), never pooled by request count, so a scenario run at a high rate
// cannot hide another. An answer with another status than the scenario
// expects is a behaviour change, listed apart.
func errorRate(res *Result) SuccessCriterion {
	er := SuccessCriterion{Name: "Error rate", Target: "same or lower than before", Status: figure.Pass}
	var rose, changed []string
	var highest *ScenarioDiff
	measured := 0
	for _, s := range res.Scenarios {
		if s.RequestsBefore == 0 || s.RequestsAfter == 0 {
			continue
		}
		measured++
		if highest == nil || s.ErrorRateAfter > highest.ErrorRateAfter {
			highest = s
		}
		if s.ErrorsRose {
			rose = append(rose, fmt.Sprintf("%s %s → %s", s.Name, figure.Share(s.ErrorRateBefore), figure.Share(s.ErrorRateAfter)))
		}
		if s.UnexpectedBefore > 0 || s.UnexpectedAfter > 0 {
			changed = append(changed, fmt.Sprintf("%s %s → %s (expects %d)", s.Name,
				figure.Codes(s.StatusBefore), figure.Codes(s.StatusAfter), s.ExpectedStatus))
		}
	}
	if measured == 0 {
		er.Status = figure.NotMeasured
		er.Measured = "not measured: no scenario sent requests in both runs"
		return er
	}
	if len(rose) > 0 {
		er.Status = figure.Fail
		er.Measured = "failures (transport, timeout, 5xx) rose on " + strings.Join(rose, ", ")
	} else {
		er.Measured = fmt.Sprintf("failures (transport, timeout, 5xx) same or lower on each of %s; highest %s (was %s) on %s",
			figure.Plural(measured, "scenario"), figure.Share(highest.ErrorRateAfter), figure.Share(highest.ErrorRateBefore), highest.Name)
	}
	if len(changed) > 0 {
		er.Measured += "; behaviour changes, not errors: " + strings.Join(changed, "; ")
	}
	return er
}

// concurrentRequests fills "Concurrent request handling: improved" from
// capacity searches of both versions: each knee with the bracket it was
// found in and whether a bound cut the search short.
func concurrentRequests(res *Result) SuccessCriterion {
	cc := SuccessCriterion{Name: "Concurrent request handling", Target: "improved", Status: figure.NotMeasured,
		Measured: "not measured: run perfgate capacity on both versions"}
	var knees []string
	improved := true
	for _, s := range res.Scenarios {
		if s.CapacityBefore == nil || s.CapacityAfter == nil {
			continue
		}
		knees = append(knees, fmt.Sprintf("knee %s → %s on %s", KneeText(s.CapacityBefore), KneeText(s.CapacityAfter), s.Name))
		improved = improved && s.CapacityAfter.Knee >= s.CapacityBefore.Knee
	}
	if len(knees) > 0 {
		cc.Measured = strings.Join(knees, "; ")
		cc.Status = figure.State(improved)
	}
	return cc
}

// KneeText renders a capacity search's knee with the bracket it was found
// in and what cut it short (figure.KneeBracket).
func KneeText(c *model.CapacityScenario) string {
	return figure.KneeBracket(c.Knee, c.Limit, c.Capped, c.Stopped)
}
