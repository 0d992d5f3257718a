package compare

import (
	"fmt"
	"strconv"
	"strings"
)

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
	p95 := d.row("p95")
	rt := SuccessCriterion{
		Name:     "Response time",
		Target:   "< " + claimDur(ChecklistResponseTime) + " (was 50+ s)",
		Measured: fmt.Sprintf("p95 %s (was %s) on %s", claimDur(p95.After), claimDur(p95.Before), d.Name),
		Status:   status(p95.After < ChecklistResponseTime),
	}

	db := SuccessCriterion{Name: "Database queries per request", Target: "1 (was 100+)", Status: "not measured",
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
			was = trim(fmt.Sprintf("%.1f", *worst.StatementsBefore))
		}
		db.Measured = fmt.Sprintf("%s (was %s), most on %s", trim(fmt.Sprintf("%.2f", *worst.StatementsAfter)), was, worst.Name)
		db.Status = status(*worst.StatementsAfter <= ChecklistStatementsPerRequest+0.005)
	}

	var failedB, failedA, reqB, reqA float64
	rose := ""
	for _, s := range res.Scenarios {
		failedB += s.ErrorRateBefore * float64(s.RequestsBefore)
		failedA += s.ErrorRateAfter * float64(s.RequestsAfter)
		reqB += float64(s.RequestsBefore)
		reqA += float64(s.RequestsAfter)
		if s.ErrorsRose && rose == "" {
			rose = s.Name
		}
	}
	er := SuccessCriterion{Name: "Error rate", Target: "same or lower than before",
		Measured: fmt.Sprintf("%s (was %s) over all compared scenarios", fmtShare(ratio(failedA, reqA)), fmtShare(ratio(failedB, reqB))),
		Status:   status(rose == "")}
	if rose != "" {
		er.Measured += "; rose on " + rose
	}

	cc := SuccessCriterion{Name: "Concurrent request handling", Target: "improved", Status: "not measured",
		Measured: "not measured: run perfgate capacity on both versions"}
	var knees []string
	improved := true
	for _, s := range res.Scenarios {
		if s.KneeBefore == nil || s.KneeAfter == nil {
			continue
		}
		knees = append(knees, fmt.Sprintf("knee %s → %s on %s", fmtKnee(*s.KneeBefore), fmtKnee(*s.KneeAfter), s.Name))
		improved = improved && *s.KneeAfter >= *s.KneeBefore
	}
	if len(knees) > 0 {
		cc.Measured = strings.Join(knees, "; ")
		cc.Status = status(improved)
	}
	return []SuccessCriterion{rt, db, er, cc}
}

func status(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// fmtKnee renders a knee in requests per second; 0 means no rate passed.
func fmtKnee(perSecond float64) string {
	if perSecond == 0 {
		return "none"
	}
	return strconv.FormatFloat(perSecond, 'f', -1, 64) + "/s"
}
