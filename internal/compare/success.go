package compare

import (
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
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
		Target:   "< " + figure.Prose(ChecklistResponseTime) + " (was 50+ s)",
		Measured: fmt.Sprintf("p95 %s (was %s) on %s", figure.Prose(p95.After), figure.Prose(p95.Before), d.Name),
		Status:   figure.State(p95.After < ChecklistResponseTime),
	}

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
		Measured: fmt.Sprintf("%s (was %s) over all compared scenarios", figure.Share(ratio(failedA, reqA)), figure.Share(ratio(failedB, reqB))),
		Status:   figure.State(rose == "")}
	if rose != "" {
		er.Measured += "; rose on " + rose
	}

	cc := SuccessCriterion{Name: "Concurrent request handling", Target: "improved", Status: figure.NotMeasured,
		Measured: "not measured: run perfgate capacity on both versions"}
	var knees []string
	improved := true
	for _, s := range res.Scenarios {
		if s.KneeBefore == nil || s.KneeAfter == nil {
			continue
		}
		knees = append(knees, fmt.Sprintf("knee %s → %s on %s", figure.Knee(*s.KneeBefore), figure.Knee(*s.KneeAfter), s.Name))
		improved = improved && *s.KneeAfter >= *s.KneeBefore
	}
	if len(knees) > 0 {
		cc.Measured = strings.Join(knees, "; ")
		cc.Status = figure.State(improved)
	}
	return []SuccessCriterion{rt, db, er, cc}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
